package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.metadata.PartitionState;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.storage.LogReadResult;
import io.fjord.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication in three in-JVM nodes: followers hold the leader's batches byte for byte, acks=all waits for the
 * ISR, a dead leader's acknowledged records survive at its successor, and min.insync.replicas refuses writes the
 * ISR cannot hold. (The multi-process kill -9 / SIGSTOP checks live in the fault tests.)
 */
class ReplicationTest {
    @TempDir
    Path dir;

    private static final String TOPIC = "replicated";

    @Test
    void followersCopyTheLeaderAndAckedRecordsSurviveTheLeader() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3, Map.of("replica.lag.time.max.ms", "3000")).start();
             Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                    .all().get(60, TimeUnit.SECONDS);
            cluster.awaitTopicEverywhere(TOPIC);
            Map<String, RecordMetadata> acked = new ConcurrentHashMap<>();
            try (KafkaProducer<String, String> producer = Clients.producer(cluster.bootstrap())) {
                send(producer, 0, 3000, acked);
            }
            assertThat(acked).hasSize(3000);
            awaitReplicasEqual(cluster, List.of(1, 2, 3));
            // No consumer has fetched yet: the incremental fetches the leaders served are the followers' (KIP-227).
            long incremental = 0;
            for (int id = 1; id <= 3; id++) incremental += cluster.node(id).broker().fetchSessions().incrementalFetches();
            assertThat(incremental).as("incremental fetches served to followers").isPositive();
            // Every acknowledged record is below the high watermark of its leader.
            for (int p = 0; p < 3; p++) {
                Partition leader = leaderPartition(cluster, p);
                long maxAcked = acked.values().stream().filter(m -> m.partition() == leaderPartitionIndex(leader))
                        .mapToLong(RecordMetadata::offset).max().orElse(-1);
                assertThat(leader.highWatermark()).isGreaterThan(maxAcked);
            }

            // The leader of partition 0 dies without a word; a follower from the ISR takes over with every record.
            int victim = cluster.node(1).broker().controller().image().topic(TOPIC).partition(0).leader();
            int epochBefore = cluster.node(1).broker().controller().image().topic(TOPIC).partition(0).leaderEpoch();
            cluster.crash(victim);
            for (int id : cluster.running()) {
                Awaitility.await("new leader of partition 0 on node " + id).atMost(Duration.ofSeconds(30)).until(() -> {
                    PartitionState s = cluster.node(id).broker().controller().image().topic(TOPIC).partition(0);
                    return s.leader() != victim && s.leader() != -1 && s.leaderEpoch() > epochBefore;
                });
            }
            try (KafkaProducer<String, String> producer = Clients.producer(cluster.bootstrap())) {
                send(producer, 3000, 1000, acked);
            }
            assertThat(acked).hasSize(4000);
            awaitReplicasEqual(cluster, cluster.running());
            assertEveryAckedRecordReadBackOnce(cluster, acked);

            // The old leader comes back: it follows, catches up and is proposed back into every ISR.
            cluster.restart(victim);
            cluster.awaitEveryNodeSeesAllBrokers();
            Awaitility.await("node " + victim + " back in every ISR").atMost(Duration.ofSeconds(60)).until(() -> {
                for (int p = 0; p < 3; p++) {
                    if (!cluster.node(1).broker().controller().image().topic(TOPIC).partition(p).isr().contains(victim)) return false;
                }
                return true;
            });
            awaitReplicasEqual(cluster, List.of(1, 2, 3));
        }
    }

    @Test
    void minInsyncReplicasRefusesWritesTheIsrCannotHold() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3, Map.of()).start();
             Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3).configs(Map.of("min.insync.replicas", "3"))))
                    .all().get(60, TimeUnit.SECONDS);
            cluster.awaitTopicEverywhere(TOPIC);
            int leader = cluster.node(1).broker().controller().image().topic(TOPIC).partition(0).leader();
            int victim = leader == 3 ? 2 : 3;
            cluster.stop(victim);
            for (int id : cluster.running()) {
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                        !cluster.node(id).broker().controller().image().topic(TOPIC).partition(0).isr().contains(victim));
            }
            java.util.Properties props = new java.util.Properties();
            props.put("bootstrap.servers", cluster.bootstrap());
            props.put("acks", "all");
            props.put("retries", "0"); // NOT_ENOUGH_REPLICAS is retriable: see the first answer itself
            props.put("enable.idempotence", "false");
            props.put("key.serializer", org.apache.kafka.common.serialization.StringSerializer.class.getName());
            props.put("value.serializer", org.apache.kafka.common.serialization.StringSerializer.class.getName());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
                var f = producer.send(new ProducerRecord<>(TOPIC, "k", "v"));
                try {
                    f.get(60, TimeUnit.SECONDS);
                    throw new AssertionError("a write with 2 of 3 replicas in the ISR was accepted");
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(NotEnoughReplicasException.class);
                }
            }
            Partition p = cluster.node(leader).broker().replicaManager().partition(new TopicPartition(TOPIC, 0));
            assertThat(p.logEndOffset()).isZero(); // refused before appending
        }
    }

    private static int leaderPartitionIndex(Partition p) {
        return p.topicPartition().partition();
    }

    private static void send(KafkaProducer<String, String> producer, int from, int count, Map<String, RecordMetadata> acked)
            throws Exception {
        List<java.util.concurrent.Future<RecordMetadata>> futures = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            String v = "v" + i;
            futures.add(producer.send(new ProducerRecord<>(TOPIC, "k" + i, v), (md, e) -> {
                if (e == null) acked.put(v, md);
            }));
        }
        producer.flush();
        for (var f : futures) f.get(60, TimeUnit.SECONDS);
    }

    static Partition leaderPartition(TestCluster cluster, int partition) {
        return leaderPartition(cluster, TOPIC, partition);
    }

    static Partition leaderPartition(TestCluster cluster, String topic, int partition) {
        int leader = cluster.node(cluster.running().get(0)).broker().controller().image().topic(topic).partition(partition).leader();
        return cluster.node(leader).broker().replicaManager().partition(new TopicPartition(topic, partition));
    }

    /** Waits until every listed node's replica of every partition holds exactly the leader's batches. */
    static void awaitReplicasEqual(TestCluster cluster, List<Integer> nodes) {
        awaitReplicasEqualFor(cluster, TOPIC, 3, nodes);
    }

    static void awaitReplicasEqualFor(TestCluster cluster, String topic, int partitions, List<Integer> nodes) {
        Awaitility.await("replicas equal to their leader").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    for (int p = 0; p < partitions; p++) {
                        Partition leader = leaderPartition(cluster, topic, p);
                        List<long[]> expected = batches(leader.log(), leader.logEndOffset());
                        for (int id : nodes) {
                            Partition replica = cluster.node(id).broker().replicaManager().partition(new TopicPartition(topic, p));
                            assertThat(replica).as("replica of %d on node %d", p, id).isNotNull();
                            assertThat(replica.logEndOffset()).as("log end of %d on node %d", p, id).isEqualTo(leader.logEndOffset());
                            List<long[]> actual = batches(replica.log(), replica.logEndOffset());
                            assertThat(actual).as("batches of %d on node %d", p, id).usingElementComparator(ReplicationTest::compare)
                                    .containsExactlyElementsOf(expected);
                            assertThat(replica.highWatermark()).isLessThanOrEqualTo(leader.highWatermark());
                        }
                    }
                });
    }

    private static int compare(long[] a, long[] b) {
        return java.util.Arrays.equals(a, b) ? 0 : 1;
    }

    /** (base offset, last offset, leader epoch, crc) of every batch below {@code end}. */
    static List<long[]> batches(PartitionLog log, long end) {
        List<long[]> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < end) {
            LogReadResult r = log.read(offset, 1 << 20, end, true);
            if (r.records().sizeInBytes() == 0) break;
            ByteBuffer buf = r.records().readAll();
            int pos = 0;
            while (pos + RecordBatch.LOG_OVERHEAD <= buf.limit()) {
                int size = RecordBatch.sizeInBytes(buf, pos);
                if (pos + size > buf.limit()) break;
                out.add(new long[] {RecordBatch.baseOffset(buf, pos), RecordBatch.lastOffset(buf, pos),
                        RecordBatch.partitionLeaderEpoch(buf, pos), RecordBatch.crc(buf, pos)});
                offset = RecordBatch.lastOffset(buf, pos) + 1;
                pos += size;
            }
        }
        return out;
    }

    static void assertEveryAckedRecordReadBackOnce(TestCluster cluster, Map<String, RecordMetadata> acked) {
        Map<String, Integer> seen = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = Clients.consumer(cluster.bootstrap())) {
            List<org.apache.kafka.common.TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < 3; p++) tps.add(new org.apache.kafka.common.TopicPartition(TOPIC, p));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(tps);
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.merge(r.value(), 1, Integer::sum);
                    RecordMetadata md = acked.get(r.value());
                    if (md != null) {
                        assertThat(r.partition()).isEqualTo(md.partition());
                        assertThat(r.offset()).isEqualTo(md.offset());
                    }
                }
                boolean done = true;
                for (var tp : tps) if (consumer.position(tp) < end.get(tp)) done = false;
                if (done) break;
            }
        }
        for (String v : acked.keySet()) assertThat(seen.get(v)).as("times %s was read", v).isEqualTo(1);
    }
}
