package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.metadata.PartitionState;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.api.FetchApi;
import io.fjord.protocol.api.OffsetForLeaderEpochApi;
import io.fjord.protocol.types.Struct;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication's bad input, on the wire: follower fetches from a replica id that is not a replica, and fetches
 * with stale or future leader epochs, get Kafka's error codes and change nothing on the leader (its high
 * watermark and the followers' recorded progress stay); a follower whose last fetched epoch the leader never had
 * is told where to truncate instead of being given records.
 */
class ReplicationBadInputTest {
    @TempDir
    Path dir;

    private static final String TOPIC = "guarded";
    private static java.util.UUID topicId;

    @Test
    void followerFetchesWithBadIdsOrEpochsAreRefusedAndChangeNothing() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3, Map.of()).start();
             Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3))).all().get(60, TimeUnit.SECONDS);
            cluster.awaitTopicEverywhere(TOPIC);
            try (KafkaProducer<String, String> producer = Clients.producer(cluster.bootstrap())) {
                for (int i = 0; i < 100; i++) producer.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i));
                producer.flush();
            }
            PartitionState state = cluster.node(1).broker().controller().image().topic(TOPIC).partition(0);
            topicId = cluster.node(1).broker().controller().image().topic(TOPIC).id();
            TestBroker leaderNode = cluster.node(state.leader());
            Partition leader = leaderNode.broker().replicaManager().partition(new TopicPartition(TOPIC, 0));
            ReplicationTest.awaitReplicasEqualFor(cluster, TOPIC, 1, List.of(1, 2, 3));
            long hw = leader.highWatermark();
            Map<Integer, Long> progress = leader.followerLogEndOffsets();
            int epoch = state.leaderEpoch();
            try (RawClient c = new RawClient(leaderNode.port())) {
                short v = 15;
                // A broker id that is not a replica of the partition (with and without an epoch).
                assertThat(fetchError(c, v, 99, epoch, 0, -1)).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
                assertThat(fetchError(c, v, 99, -1, 0, -1)).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
                int follower = state.replicas().stream().filter(r -> r != state.leader()).findFirst().orElseThrow();
                // Stale and future leader epochs, from a real follower id and from a consumer.
                if (epoch > 0) assertThat(fetchError(c, v, follower, epoch - 1, 0, -1)).isEqualTo(Errors.FENCED_LEADER_EPOCH);
                assertThat(fetchError(c, v, follower, epoch + 1, 0, -1)).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
                assertThat(fetchError(c, v, -1, epoch + 5, 0, -1)).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
                assertThat(fetchError(c, (short) 12, follower, epoch + 1, 0, -1)).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
                // A follower claiming more of the current epoch than the leader holds is told where that epoch
                // ends here (it must truncate), not given records, and its recorded position does not move.
                Struct p = fetch(c, v, follower, epoch, leader.logEndOffset() + 50, epoch);
                assertThat(p.getShort("ErrorCode")).isEqualTo(Errors.NONE.code());
                Struct div = p.getStruct("DivergingEpoch");
                assertThat(div.getInt("Epoch")).isEqualTo(epoch);
                assertThat(div.getLong("EndOffset")).isEqualTo(leader.logEndOffset());
                assertThat(p.getRecords("Records").sizeInBytes()).isZero();
                // OffsetForLeaderEpoch with a future current epoch.
                Struct o = OffsetForLeaderEpochApi.SPEC.newRequest().set("ReplicaId", -1);
                Struct t = o.child("Topics").set("Topic", TOPIC);
                t.add("Partitions", t.child("Partitions").set("Partition", 0).set("CurrentLeaderEpoch", epoch + 1).set("LeaderEpoch", epoch));
                o.add("Topics", t);
                Struct or = c.request(OffsetForLeaderEpochApi.SPEC, (short) 4, o);
                assertThat(or.getStructs("Topics").get(0).getStructs("Partitions").get(0).getShort("ErrorCode"))
                        .isEqualTo(Errors.UNKNOWN_LEADER_EPOCH.code());
            }
            assertThat(leader.highWatermark()).isEqualTo(hw);
            assertThat(leader.followerLogEndOffsets()).isEqualTo(progress);
            assertThat(leader.state()).isEqualTo(leaderNode.broker().controller().image().topic(TOPIC).partition(0));
        }
    }

    private static Errors fetchError(RawClient c, short v, int replicaId, int currentEpoch, long offset, int lastFetchedEpoch)
            throws Exception {
        return Errors.forCode(fetch(c, v, replicaId, currentEpoch, offset, lastFetchedEpoch).getShort("ErrorCode"));
    }

    private static Struct fetch(RawClient c, short v, int replicaId, int currentEpoch, long offset, int lastFetchedEpoch)
            throws Exception {
        Struct req = FetchApi.SPEC.newRequest().set("MaxWaitMs", 0).set("MinBytes", 0).set("MaxBytes", 1 << 20)
                .set("IsolationLevel", (byte) 0).set("SessionId", 0).set("SessionEpoch", -1);
        if (v >= 15) req.set("ReplicaState", req.child("ReplicaState").set("ReplicaId", replicaId).set("ReplicaEpoch", -1L));
        else req.set("ReplicaId", replicaId);
        Struct t = req.child("Topics");
        if (v >= 13) t.set("TopicId", topicId); else t.set("Topic", TOPIC);
        t.add("Partitions", t.child("Partitions").set("Partition", 0).set("CurrentLeaderEpoch", currentEpoch)
                .set("FetchOffset", offset).set("LastFetchedEpoch", lastFetchedEpoch).set("LogStartOffset", -1L)
                .set("PartitionMaxBytes", 1 << 20));
        req.add("Topics", t);
        Struct resp = c.request(FetchApi.SPEC, v, req);
        return resp.getStructs("Responses").get(0).getStructs("Partitions").get(0);
    }
}
