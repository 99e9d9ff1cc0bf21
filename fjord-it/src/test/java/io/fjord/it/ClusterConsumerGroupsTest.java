package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fjord.protocol.api.FindCoordinatorApi;
import io.fjord.protocol.api.OffsetCommitApi;
import io.fjord.protocol.types.Struct;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumer groups on three nodes (issue 11, check 2): the group is coordinated by the leader of its
 * {@code __consumer_offsets} partition, not by whichever broker was asked, and moves when that broker crashes.
 */
class ClusterConsumerGroupsTest {
    static final String TOPIC = "orders";
    static final String GROUP = "billing";

    @TempDir
    Path dir;
    TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
    }

    private void produce(int from, int count) {
        try (KafkaProducer<String, String> p = Clients.producer(cluster.bootstrap())) {
            for (int i = from; i < from + count; i++) p.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i));
            p.flush();
        }
    }

    private static KafkaGroupMember member(String name, String bootstrap, Map<String, List<String>> seenBy, String protocol) {
        return new KafkaGroupMember(name, bootstrap, GROUP, TOPIC, protocol, Map.of(),
                r -> seenBy.computeIfAbsent(r.value(), k -> new CopyOnWriteArrayList<>()).add(name));
    }

    private static List<KafkaGroupMember> members(String prefix, String bootstrap, Map<String, List<String>> seenBy) {
        List<KafkaGroupMember> m = new ArrayList<>();
        for (int i = 0; i < 3; i++) m.add(member(prefix + i, bootstrap, seenBy, "classic"));
        return m;
    }

    @Test
    void threeMembersSplitAReplicatedTopicAndTheGroupSurvivesItsCoordinatorsCrash() throws Exception {
        cluster = new TestCluster(dir, 3, Map.of("group.initial.rebalance.delay.ms", "0",
                "offsets.topic.num.partitions", "6", "offsets.topic.replication.factor", "3")).start();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 6, (short) 3))).all().get();
        }
        cluster.awaitTopicEverywhere(TOPIC);
        produce(0, 3000);

        Map<String, List<String>> seenBy = new ConcurrentHashMap<>();
        List<KafkaGroupMember> first = members("a", cluster.bootstrap(), seenBy);
        int coordinator;
        try {
            KafkaGroupMember.awaitSplit(first, 6);
            await().atMost(Duration.ofSeconds(60)).until(() -> seenBy.size() == 3000);
            // Every broker answers for the group alike: its members, its offsets, no lag once committed.
            coordinator = -1;
            for (int id : cluster.running()) {
                try (Admin admin = Clients.admin(cluster.node(id).bootstrap())) {
                    ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(GROUP)).all().get().get(GROUP);
                    assertThat(d.members()).hasSize(3);
                    assertThat(d.groupState().toString()).isEqualToIgnoringCase("Stable");
                    if (coordinator < 0) coordinator = d.coordinator().id();
                    assertThat(d.coordinator().id()).isEqualTo(coordinator);
                    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(lag(admin)).isZero());
                }
            }
            // The coordinator is the leader of the group's offsets partition.
            var offsets = cluster.node(coordinator).broker().controller().image().topic("__consumer_offsets");
            int partition = Math.abs(GROUP.hashCode()) % offsets.partitionCount();
            assertThat(offsets.partition(partition).leader()).isEqualTo(coordinator);
            assertThat(offsets.partition(partition).replicas()).hasSize(3);

            // kill the coordinator: the live members find the new leader of the partition and are Stable again.
            long t0 = System.nanoTime();
            cluster.crash(coordinator);
            int crashed = coordinator;
            int survivor = cluster.running().get(0);
            await("group stable on a new coordinator").atMost(Duration.ofSeconds(90)).until(() -> {
                try (Admin admin = Clients.admin(cluster.node(survivor).bootstrap())) {
                    ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(GROUP)).all().get().get(GROUP);
                    return d.coordinator().id() != crashed && d.members().size() == 3
                            && d.groupState().toString().equalsIgnoreCase("Stable");
                } catch (Exception e) {
                    return false;
                }
            });
            KafkaGroupMember.awaitSplit(first, 6);
            System.out.printf("coordinator fail-over: crash of node %d -> group Stable with 3 members on a new coordinator in %d ms%n",
                    crashed, (System.nanoTime() - t0) / 1_000_000);
        } finally {
            KafkaGroupMember.closeAll(first);
        }
        assertThat(seenBy).hasSize(3000);
        assertThat(seenBy.values()).allMatch(l -> l.size() == 1);

        // New members resume exactly at the committed offsets, which survived on the new leader.
        produce(3000, 3000);
        Map<String, List<String>> seenAfter = new ConcurrentHashMap<>();
        List<KafkaGroupMember> second = members("b", cluster.bootstrap(), seenAfter);
        try {
            KafkaGroupMember.awaitSplit(second, 6);
            await().atMost(Duration.ofSeconds(60)).until(() -> seenAfter.size() >= 3000);
        } finally {
            KafkaGroupMember.closeAll(second);
        }
        assertThat(seenAfter).hasSize(3000);
        assertThat(seenAfter.keySet()).allMatch(v -> Integer.parseInt(v.substring(1)) >= 3000);
        assertThat(seenAfter.values()).allMatch(l -> l.size() == 1);
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get();
            assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(6000);
            // Empty after its members closed: deletable at once.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(admin.describeConsumerGroups(List.of(GROUP))
                    .all().get().get(GROUP).groupState().toString()).isEqualToIgnoringCase("Empty"));
            admin.deleteConsumerGroups(List.of(GROUP)).all().get();
        }
    }

    /** Sum over the topic of log end minus committed offset, as kafka-consumer-groups.sh --describe shows it. */
    private static long lag(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
        for (int p = 0; p < 6; p++) latest.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
        long lag = 0;
        for (var e : ends.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            lag += e.getValue().offset() - (c == null ? 0 : c.offset());
        }
        return lag;
    }

    @Test
    void theOffsetsTopicWaitsForEnoughBrokersAndOtherBrokersAnswerNotCoordinator() throws Exception {
        cluster = new TestCluster(dir, 3, Map.of("offsets.topic.num.partitions", "3",
                "offsets.topic.replication.factor", "4")).start();
        try (RawClient raw = new RawClient(cluster.node(1).port())) {
            // Three live brokers, replication factor 4: no offsets topic, so no coordinator (Kafka's answer).
            Struct find = FindCoordinatorApi.SPEC.newRequest().set("KeyType", (byte) 0).set("CoordinatorKeys", List.of("g"));
            Struct c = raw.request(FindCoordinatorApi.SPEC, (short) 4, find).getStructs("Coordinators").get(0);
            assertThat(c.getShort("ErrorCode")).isEqualTo((short) 15); // COORDINATOR_NOT_AVAILABLE
            assertThat(cluster.node(1).broker().controller().image().topic("__consumer_offsets")).isNull();
        }
    }

    @Test
    void aCommitToABrokerThatDoesNotCoordinateTheGroupGetsNotCoordinator() throws Exception {
        cluster = new TestCluster(dir, 3, Map.of("offsets.topic.num.partitions", "3",
                "offsets.topic.replication.factor", "3")).start();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic("t", 1, (short) 3))).all().get();
        }
        cluster.awaitTopicEverywhere("t");
        int coordinator;
        try (RawClient raw = new RawClient(cluster.node(1).port())) {
            Struct find = FindCoordinatorApi.SPEC.newRequest().set("KeyType", (byte) 0).set("CoordinatorKeys", List.of("g"));
            int[] id = {-1};
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                Struct c = raw.request(FindCoordinatorApi.SPEC, (short) 4, find).getStructs("Coordinators").get(0);
                id[0] = c.getInt("NodeId");
                return c.getShort("ErrorCode") == 0;
            });
            coordinator = id[0];
        }
        cluster.awaitTopicEverywhere("__consumer_offsets");
        for (int id : cluster.running()) {
            try (RawClient raw = new RawClient(cluster.node(id).port())) {
                Struct commit = OffsetCommitApi.SPEC.newRequest().set("GroupId", "g").set("GenerationIdOrMemberEpoch", -1)
                        .set("MemberId", "");
                Struct topic = commit.child("Topics").set("Name", "t");
                topic.add("Partitions", topic.child("Partitions").set("PartitionIndex", 0).set("CommittedOffset", 5L));
                commit.add("Topics", topic);
                short expected = (short) (id == coordinator ? 0 : 16); // NONE at the coordinator, NOT_COORDINATOR elsewhere
                await().atMost(Duration.ofSeconds(30)).until(() -> raw.request(OffsetCommitApi.SPEC, (short) 8, commit)
                        .getStructs("Topics").get(0).getStructs("Partitions").get(0).getShort("ErrorCode") == expected);
            }
        }
    }
}
