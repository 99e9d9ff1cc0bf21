package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fjord.protocol.api.ApiVersionsApi;
import io.fjord.protocol.api.ConsumerGroupDescribeApi;
import io.fjord.protocol.api.ConsumerGroupHeartbeatApi;
import io.fjord.protocol.api.FindCoordinatorApi;
import io.fjord.protocol.api.ListGroupsApi;
import io.fjord.protocol.api.OffsetCommitApi;
import io.fjord.protocol.types.Struct;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to the consumer group protocol over the wire (issue 11, check 5, KIP-848 part): each mistake gets
 * Kafka's error code. One node; raw requests so the exact codes are seen.
 */
class ConsumerProtocolBadInputTest {
    static final String GROUP = "bad-848";

    @TempDir
    Path dir;
    TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
    }

    static Struct join(String member, int epoch, String assignor, String regex) {
        Struct r = ConsumerGroupHeartbeatApi.SPEC.newRequest().set("GroupId", GROUP).set("MemberId", member)
                .set("MemberEpoch", epoch).set("RebalanceTimeoutMs", 30_000).set("ServerAssignor", assignor)
                .set("TopicPartitions", List.of());
        if (regex == null) r.set("SubscribedTopicNames", List.of("t"));
        else r.set("SubscribedTopicRegex", regex);
        return r;
    }

    static short heartbeat(RawClient raw, Struct req) throws Exception {
        return raw.request(ConsumerGroupHeartbeatApi.SPEC, (short) 1, req).getShort("ErrorCode");
    }

    @Test
    void eachMistakeGetsKafkasErrorCode() throws Exception {
        cluster = new TestCluster(dir, 1, Map.of("offsets.topic.num.partitions", "1", "offsets.topic.replication.factor", "1",
                "group.consumer.max.size", "2")).start();
        Clients.createTopic(cluster.bootstrap(), "t", 3);
        try (RawClient raw = new RawClient(cluster.node(1).port())) {
            // Advertised only because served: ConsumerGroupHeartbeat and ConsumerGroupDescribe v0-1.
            Struct versions = raw.request(ApiVersionsApi.SPEC, (short) 3, ApiVersionsApi.SPEC.newRequest()
                    .set("ClientSoftwareName", "it").set("ClientSoftwareVersion", "1"));
            for (short key : new short[] {68, 69}) {
                Struct k = versions.getStructs("ApiKeys").stream().filter(s -> s.getShort("ApiKey") == key).findFirst().orElseThrow();
                assertThat(k.getShort("MinVersion")).isZero();
                assertThat(k.getShort("MaxVersion")).isEqualTo((short) 1);
            }
            Struct find = FindCoordinatorApi.SPEC.newRequest().set("KeyType", (byte) 0).set("CoordinatorKeys", List.of(GROUP));
            await().atMost(Duration.ofSeconds(30)).until(() -> raw.request(FindCoordinatorApi.SPEC, (short) 4, find)
                    .getStructs("Coordinators").get(0).getShort("ErrorCode") == 0);
            await().atMost(Duration.ofSeconds(30)).until(() -> heartbeat(raw, join("m1", 0, null, null)) == 0);
            Struct ok = raw.request(ConsumerGroupHeartbeatApi.SPEC, (short) 1, join("m1", 0, null, null));
            int epoch = ok.getInt("MemberEpoch");
            assertThat(epoch).isPositive();
            assertThat(ok.getStruct("Assignment").getStructs("TopicPartitions").get(0).getList("Partitions")).hasSize(3);

            Struct beat = ConsumerGroupHeartbeatApi.SPEC.newRequest().set("GroupId", GROUP).set("MemberId", "m1");
            assertThat(heartbeat(raw, beat.set("MemberEpoch", epoch + 3))).isEqualTo((short) 110); // FENCED_MEMBER_EPOCH
            assertThat(heartbeat(raw, beat.set("MemberEpoch", epoch))).isZero();
            Struct stranger = ConsumerGroupHeartbeatApi.SPEC.newRequest().set("GroupId", GROUP).set("MemberId", "zz")
                    .set("MemberEpoch", 1);
            assertThat(heartbeat(raw, stranger)).isEqualTo((short) 25); // UNKNOWN_MEMBER_ID
            assertThat(heartbeat(raw, join("m2", 0, "sticky", null))).isEqualTo((short) 112); // UNSUPPORTED_ASSIGNOR
            assertThat(heartbeat(raw, join("m2", 0, null, "t["))).isEqualTo((short) 128); // INVALID_REGULAR_EXPRESSION
            assertThat(heartbeat(raw, join("m2", 0, "range", "t.*"))).isZero();
            assertThat(heartbeat(raw, join("m3", 0, null, null))).isEqualTo((short) 81); // GROUP_MAX_SIZE_REACHED

            // OffsetCommit v9: the member epoch is the generation.
            Struct commit = OffsetCommitApi.SPEC.newRequest().set("GroupId", GROUP).set("GenerationIdOrMemberEpoch", epoch - 1)
                    .set("MemberId", "m1");
            Struct topic = commit.child("Topics").set("Name", "t");
            topic.add("Partitions", topic.child("Partitions").set("PartitionIndex", 0).set("CommittedOffset", 5L));
            commit.add("Topics", topic);
            short stale = raw.request(OffsetCommitApi.SPEC, (short) 9, commit).getStructs("Topics").get(0)
                    .getStructs("Partitions").get(0).getShort("ErrorCode");
            assertThat(stale).isEqualTo((short) 113); // STALE_MEMBER_EPOCH

            // ListGroups v5 filters by type; ConsumerGroupDescribe shows both members.
            Struct consumerOnly = raw.request(ListGroupsApi.SPEC, (short) 5, ListGroupsApi.SPEC.newRequest()
                    .set("StatesFilter", List.of()).set("TypesFilter", List.of("consumer")));
            assertThat(consumerOnly.getStructs("Groups")).extracting(g -> g.getString("GroupId") + "/" + g.getString("GroupType"))
                    .containsExactly(GROUP + "/consumer");
            Struct classicOnly = raw.request(ListGroupsApi.SPEC, (short) 5, ListGroupsApi.SPEC.newRequest()
                    .set("StatesFilter", List.of()).set("TypesFilter", List.of("classic")));
            assertThat(classicOnly.getStructs("Groups")).isEmpty();
            Struct described = raw.request(ConsumerGroupDescribeApi.SPEC, (short) 1, ConsumerGroupDescribeApi.SPEC.newRequest()
                    .set("GroupIds", List.of(GROUP, "nope")));
            assertThat(described.getStructs("Groups").get(0).getStructs("Members")).extracting(m -> m.getString("MemberId"))
                    .containsExactlyInAnyOrder("m1", "m2");
            assertThat(described.getStructs("Groups").get(0).getString("AssignorName")).isEqualTo("range");
            assertThat(described.getStructs("Groups").get(1).getShort("ErrorCode")).isEqualTo((short) 69); // GROUP_ID_NOT_FOUND
        }
    }
}
