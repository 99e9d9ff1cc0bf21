package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.broker.replica.Partition;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.api.ProduceApi;
import io.fjord.protocol.api.WriteTxnMarkersApi;
import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.RecordBatchBuilder;
import io.fjord.protocol.types.MemoryRecords;
import io.fjord.protocol.types.Struct;
import io.fjord.storage.AbortedTxn;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partition side of transactions, driven as the transaction coordinator would: transactional batches produced
 * over a raw connection (our RecordBatchBuilder with the transactional bit), then WriteTxnMarkers; kafka-clients'
 * KafkaConsumer is the oracle for read_committed (committed data once, aborted never) and read_uncommitted (all),
 * Admin for the last stable offset (ListOffsets read_committed) and DescribeProducers. On three nodes the followers
 * build the same aborted-transaction index from the replicated batches. There is no transaction coordinator in
 * the loop, so KIP-890 verification of the raw transactional batches is off ({@link #NO_VERIFICATION}).
 */
class TransactionMarkersTest {
    /** The batches here belong to no coordinator's transaction: the partition leader must not ask one. */
    private static final Map<String, String> NO_VERIFICATION = Map.of("transaction.partition.verification.enable", "false");

    private static final long P1 = 7001L, P2 = 7002L, P3 = 7003L;

    @TempDir
    Path dir;

    private static ByteBuffer txnBatch(long pid, int epoch, int seq, String prefix, int records, boolean transactional) {
        RecordBatchBuilder b = new RecordBatchBuilder(0, CompressionType.NONE).producer(pid, (short) epoch, seq)
                .transactional(transactional);
        for (int i = 0; i < records; i++) {
            b.append(System.currentTimeMillis(), null, (prefix + "-" + (seq + i)).getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    private static Struct produce(RawClient c, String topic, int partition, ByteBuffer batch) throws IOException {
        Struct req = ProduceApi.SPEC.newRequest().set("Acks", (short) -1).set("TimeoutMs", 30_000)
                .set("TransactionalId", "txn-" + topic);
        Struct td = req.child("TopicData").set("Name", topic);
        td.add("PartitionData", td.child("PartitionData").set("Index", partition).set("Records", MemoryRecords.wrap(batch)));
        req.add("TopicData", td);
        return c.request(ProduceApi.SPEC, (short) 11, req).getStructs("Responses").get(0)
                .getStructs("PartitionResponses").get(0);
    }

    /** One WriteTxnMarkers entry; answers partition -> error code, in request order per topic. */
    private static Map<String, Short> markers(RawClient c, short version, long pid, int epoch, boolean commit,
                                              int coordinatorEpoch, Map<String, List<Integer>> partitions) throws IOException {
        Struct req = WriteTxnMarkersApi.SPEC.newRequest();
        Struct m = req.child("Markers").set("ProducerId", pid).set("ProducerEpoch", (short) epoch)
                .set("TransactionResult", commit).set("CoordinatorEpoch", coordinatorEpoch);
        if (version >= 2) m.set("TransactionVersion", (byte) 2);
        partitions.forEach((t, ps) -> m.add("Topics", m.child("Topics").set("Name", t).set("PartitionIndexes", ps)));
        req.add("Markers", m);
        Struct resp = c.request(WriteTxnMarkersApi.SPEC, version, req);
        Map<String, Short> out = new HashMap<>();
        Struct mr = resp.getStructs("Markers").get(0);
        assertThat(mr.getLong("ProducerId")).isEqualTo(pid);
        for (Struct t : mr.getStructs("Topics")) {
            for (Struct p : t.getStructs("Partitions")) out.put(t.getString("Name") + "-" + p.getInt("PartitionIndex"), p.getShort("ErrorCode"));
        }
        return out;
    }

    private static void assertOk(Struct produceResponse) {
        assertThat(produceResponse.getShort("ErrorCode")).as(String.valueOf(produceResponse)).isEqualTo(Errors.NONE.code());
    }

    private static long lso(Admin admin, TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .partitionResult(tp).get(60, TimeUnit.SECONDS).offset();
    }

    private static long hw(Admin admin, TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get(60, TimeUnit.SECONDS).offset();
    }

    /** Every value readable in {@code isolation} from the partitions' start up to their end offsets. */
    private static List<String> readAll(String bootstrap, List<TopicPartition> tps, String isolation, Admin admin) throws Exception {
        Map<TopicPartition, Long> ends = new HashMap<>();
        for (TopicPartition tp : tps) ends.put(tp, isolation.equals("read_committed") ? lso(admin, tp) : hw(admin, tp));
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = Clients.consumer(bootstrap, Map.of("isolation.level", isolation))) {
            c.assign(tps);
            c.seekToBeginning(tps);
            Awaitility.await("reading " + tps + " " + isolation).atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO)
                    .until(() -> {
                        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) out.add(r.value());
                        for (TopicPartition tp : tps) if (c.position(tp) < ends.get(tp)) return false;
                        return true;
                    });
        }
        return out;
    }

    @Test
    void committedSeenOnceAbortedNeverAndTheStableOffsetWaitsForMarkers() throws Exception {
        try (TestBroker b = new TestBroker(dir.resolve("data"), NO_VERIFICATION).start();
             Admin admin = Clients.admin(b.bootstrap());
             RawClient c = new RawClient(b.port())) {
            admin.createTopics(List.of(new NewTopic("orders", 2, (short) 1), new NewTopic("audit", 1, (short) 1)))
                    .all().get(60, TimeUnit.SECONDS);
            TopicPartition o0 = new TopicPartition("orders", 0), o1 = new TopicPartition("orders", 1);
            TopicPartition a0 = new TopicPartition("audit", 0);
            List<TopicPartition> all = List.of(o0, o1, a0);

            assertOk(produce(c, "orders", 0, txnBatch(-1, -1, -1, "plain", 2, false))); // 0-1, no producer
            // P1 writes orders-0 and audit-0 (to be committed), P2 orders-0 and orders-1 (to be aborted).
            assertOk(produce(c, "orders", 0, txnBatch(P1, 0, 0, "p1-o0", 3, true)));    // 2-4
            assertOk(produce(c, "orders", 0, txnBatch(P2, 0, 0, "p2-o0", 2, true)));    // 5-6
            assertOk(produce(c, "orders", 0, txnBatch(P1, 0, 3, "p1-o0", 2, true)));    // 7-8
            assertOk(produce(c, "audit", 0, txnBatch(P1, 0, 0, "p1-a0", 4, true)));     // 0-3
            assertOk(produce(c, "orders", 1, txnBatch(P2, 0, 0, "p2-o1", 3, true)));    // 0-2

            // Nothing of an open transaction is visible to read_committed: the stable offset waits at its start.
            assertThat(hw(admin, o0)).isEqualTo(9);
            assertThat(lso(admin, o0)).isEqualTo(2);
            assertThat(lso(admin, a0)).isZero();
            assertThat(readAll(b.bootstrap(), all, "read_committed", admin)).containsExactly("plain--1", "plain-0");
            assertThat(readAll(b.bootstrap(), all, "read_uncommitted", admin)).hasSize(16);
            Map<Long, ProducerState> producers = new HashMap<>();
            for (ProducerState s : admin.describeProducers(List.of(o0)).partitionResult(o0).get(60, TimeUnit.SECONDS)
                    .activeProducers()) producers.put(s.producerId(), s);
            assertThat(producers.get(P1).currentTransactionStartOffset()).hasValue(2);
            assertThat(producers.get(P2).currentTransactionStartOffset()).hasValue(5);
            assertThat(producers.get(P1).lastSequence()).isEqualTo(4);

            // A plain write of a producer inside a transaction, and an older epoch, are refused as Kafka does.
            assertThat(produce(c, "orders", 0, txnBatch(P1, 0, 5, "bad", 1, false)).getShort("ErrorCode"))
                    .isEqualTo(Errors.INVALID_TXN_STATE.code());

            // The coordinator commits P1 (v1) and aborts P2 (v2, epoch bumped by the coordinator as TV2 does).
            Map<String, Short> commit = markers(c, (short) 1, P1, 0, true, 3, Map.of("orders", List.of(0), "audit", List.of(0)));
            assertThat(commit).containsOnly(Map.entry("orders-0", Errors.NONE.code()), Map.entry("audit-0", Errors.NONE.code()));
            assertThat(lso(admin, o0)).as("P2 still open").isEqualTo(5);
            Map<String, Short> abort = markers(c, (short) 2, P2, 1, false, 3, Map.of("orders", List.of(0, 1)));
            assertThat(abort).containsOnly(Map.entry("orders-0", Errors.NONE.code()), Map.entry("orders-1", Errors.NONE.code()));
            assertThat(lso(admin, o0)).isEqualTo(hw(admin, o0)).isEqualTo(11);
            assertThat(lso(admin, o1)).isEqualTo(4);

            List<String> committed = readAll(b.bootstrap(), all, "read_committed", admin);
            assertThat(committed).containsExactlyInAnyOrder("plain--1", "plain-0", "p1-o0-0", "p1-o0-1", "p1-o0-2",
                    "p1-o0-3", "p1-o0-4", "p1-a0-0", "p1-a0-1", "p1-a0-2", "p1-a0-3");
            List<String> everything = readAll(b.bootstrap(), all, "read_uncommitted", admin);
            assertThat(everything).hasSize(16).contains("p2-o0-0", "p2-o0-1", "p2-o1-0", "p2-o1-1", "p2-o1-2");

            // Bad input. A producer that never wrote here: the marker is written (Kafka does) and changes nothing.
            assertThat(markers(c, (short) 1, P3, 0, true, 3, Map.of("orders", List.of(1))))
                    .containsOnly(Map.entry("orders-1", Errors.NONE.code()));
            // An older producer epoch than the partition knows, an older coordinator epoch, TV2's equal epoch with
            // a transaction open, unknown topics and partitions.
            assertOk(produce(c, "orders", 1, txnBatch(P1, 4, 0, "p1-o1", 1, true)));
            assertThat(markers(c, (short) 1, P1, 3, false, 3, Map.of("orders", List.of(1))))
                    .containsOnly(Map.entry("orders-1", Errors.INVALID_PRODUCER_EPOCH.code()));
            assertThat(markers(c, (short) 2, P1, 4, false, 3, Map.of("orders", List.of(1))))
                    .containsOnly(Map.entry("orders-1", Errors.INVALID_PRODUCER_EPOCH.code()));
            assertThat(markers(c, (short) 1, P2, 1, false, 2, Map.of("orders", List.of(0))))
                    .containsOnly(Map.entry("orders-0", Errors.TRANSACTION_COORDINATOR_FENCED.code()));
            assertThat(markers(c, (short) 1, P1, 4, false, 3, Map.of("nope", List.of(0), "orders", List.of(7))))
                    .containsOnly(Map.entry("nope-0", Errors.UNKNOWN_TOPIC_OR_PARTITION.code()),
                            Map.entry("orders-7", Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
            assertThat(produce(c, "orders", 1, txnBatch(P1, 3, 1, "old", 1, true)).getShort("ErrorCode"))
                    .isEqualTo(Errors.INVALID_PRODUCER_EPOCH.code());
            assertThat(lso(admin, o1)).as("P1's epoch-4 transaction still open").isEqualTo(5);
            // Nothing of the refused or empty markers changed what read_committed sees.
            assertThat(readAll(b.bootstrap(), all, "read_committed", admin)).containsExactlyInAnyOrderElementsOf(committed);

            // Markers on __consumer_offsets (a transaction with offsets) leave the group coordinator's replay intact.
            try (KafkaConsumer<String, String> g = Clients.consumer(b.bootstrap(), Map.of("group.id", "txn-group"))) {
                g.assign(List.of(o0));
                g.commitSync(Map.of(o0, new org.apache.kafka.clients.consumer.OffsetAndMetadata(3)));
            }
            int offsetsPartitions = admin.describeTopics(List.of("__consumer_offsets")).allTopicNames()
                    .get(60, TimeUnit.SECONDS).get("__consumer_offsets").partitions().size();
            List<Integer> all50 = java.util.stream.IntStream.range(0, offsetsPartitions).boxed().toList();
            assertThat(markers(c, (short) 1, P3, 0, true, 3, Map.of("__consumer_offsets", all50)).values())
                    .hasSize(offsetsPartitions).containsOnly(Errors.NONE.code());

            // After a restart the open transaction and the aborted ones are remembered (snapshot and .txnindex).
            b.restartOnSamePort();
            try (Admin admin2 = Clients.admin(b.bootstrap())) {
                Awaitility.await("group offsets reloaded").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                        admin2.listConsumerGroupOffsets("txn-group").partitionsToOffsetAndMetadata()
                                .get(30, TimeUnit.SECONDS).get(o0).offset() == 3);
                assertThat(lso(admin2, o1)).isEqualTo(5);
                assertThat(readAll(b.bootstrap(), all, "read_committed", admin2)).containsExactlyInAnyOrderElementsOf(committed);
            }
        }
    }

    @Test
    void followersHoldTheSameAbortedTransactionIndex() throws Exception {
        String topic = "replicated-txn";
        try (TestCluster cluster = new TestCluster(dir, 3, NO_VERIFICATION).start();
             Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                    .all().get(60, TimeUnit.SECONDS);
            cluster.awaitTopicEverywhere(topic);
            int leader = cluster.node(1).broker().controller().image().topic(topic).partition(0).leader();
            io.fjord.broker.replica.TopicPartition tp = new io.fjord.broker.replica.TopicPartition(topic, 0);
            try (RawClient c = new RawClient(cluster.node(leader).port())) {
                assertOk(produce(c, topic, 0, txnBatch(P1, 0, 0, "a", 3, true)));
                assertOk(produce(c, topic, 0, txnBatch(P2, 0, 0, "b", 2, true)));
                assertThat(markers(c, (short) 1, P1, 0, false, 1, Map.of(topic, List.of(0)))).containsOnly(Map.entry(topic + "-0", (short) 0));
                assertOk(produce(c, topic, 0, txnBatch(P1, 1, 0, "c", 1, true)));
                assertThat(markers(c, (short) 1, P2, 0, true, 1, Map.of(topic, List.of(0)))).containsOnly(Map.entry(topic + "-0", (short) 0));
                assertThat(markers(c, (short) 1, P1, 1, false, 1, Map.of(topic, List.of(0)))).containsOnly(Map.entry(topic + "-0", (short) 0));
            }
            Partition lp = cluster.node(leader).broker().replicaManager().partition(tp);
            long end = lp.logEndOffset();
            List<AbortedTxn> expected = List.of(new AbortedTxn(P1, 0, 5, 3), new AbortedTxn(P1, 6, 8, 9));
            assertThat(lp.log().abortedTransactions(0, end)).isEqualTo(expected);
            assertThat(lp.highWatermark()).as("markers answered once replicated").isEqualTo(end);
            for (int id : List.of(1, 2, 3)) {
                Partition p = cluster.node(id).broker().replicaManager().partition(tp);
                Awaitility.await("node " + id + " has the whole log").atMost(Duration.ofSeconds(60))
                        .until(() -> p.logEndOffset() == end);
                assertThat(p.log().abortedTransactions(0, end)).as("node %d", id).isEqualTo(expected);
                Path idx = p.log().segments().get(0).txnIndex().file();
                assertThat(Files.size(idx)).as("node %d .txnindex", id).isEqualTo(2L * 34);
            }
            List<String> committed = readAll(cluster.bootstrap(), List.of(new TopicPartition(topic, 0)), "read_committed", admin);
            assertThat(committed).containsExactly("b-0", "b-1");
        }
    }

    @Test
    void killMinus9KeepsOpenAndAbortedTransactionsEvenWithTheIndexLost() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        TopicPartition tp = new TopicPartition("crash-txn", 0);
        List<String> committed;
        int port1 = Clients.freePort();
        try (FjordProcess node = FjordProcess.startJava(dir, dir.resolve("run1.out"), port1, List.of(
                "listeners=PLAINTEXT://127.0.0.1:" + port1, "log.dirs=" + data, "num.io.threads=2",
                "transaction.partition.verification.enable=false"))) {
            node.awaitReady(Duration.ofSeconds(90));
            String bootstrap = "127.0.0.1:" + port1;
            Clients.createTopic(bootstrap, tp.topic(), 1);
            try (RawClient c = new RawClient(port1); Admin admin = Clients.admin(bootstrap)) {
                assertOk(produce(c, tp.topic(), 0, txnBatch(P2, 0, 0, "aborted", 3, true)));  // 0-2
                assertOk(produce(c, tp.topic(), 0, txnBatch(P3, 0, 0, "committed", 2, true))); // 3-4
                assertThat(markers(c, (short) 1, P2, 0, false, 1, Map.of(tp.topic(), List.of(0)))).containsValue((short) 0); // 5
                assertThat(markers(c, (short) 1, P3, 0, true, 1, Map.of(tp.topic(), List.of(0)))).containsValue((short) 0);  // 6
                assertOk(produce(c, tp.topic(), 0, txnBatch(P1, 0, 0, "open", 2, true)));      // 7-8
                assertThat(lso(admin, tp)).isEqualTo(7);
                committed = readAll(bootstrap, List.of(tp), "read_committed", admin);
                assertThat(committed).containsExactly("committed-0", "committed-1");
            }
            assertThat(node.kill9()).isEqualTo(137);
        }
        // A bad disk on top of the crash: the aborted-transaction index is gone. The restart rebuilds it.
        Path partitionDir = data.resolve(tp.topic() + "-0");
        try (var files = Files.list(partitionDir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".txnindex")).toList()) Files.delete(f);
        }
        int port2 = Clients.freePort();
        try (FjordProcess node = FjordProcess.startJava(dir, dir.resolve("run2.out"), port2, List.of(
                "listeners=PLAINTEXT://127.0.0.1:" + port2, "log.dirs=" + data, "num.io.threads=2",
                "transaction.partition.verification.enable=false"))) {
            node.awaitReady(Duration.ofSeconds(90));
            String bootstrap = "127.0.0.1:" + port2;
            try (RawClient c = new RawClient(port2); Admin admin = Clients.admin(bootstrap)) {
                Awaitility.await("partition led again").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> lso(admin, tp) == 7);
                assertThat(readAll(bootstrap, List.of(tp), "read_committed", admin)).isEqualTo(committed);
                assertThat(Files.list(partitionDir).anyMatch(f -> f.toString().endsWith(".txnindex"))).isTrue();
                // The open transaction is still open after the crash; its abort moves the LSO to the end.
                assertThat(markers(c, (short) 1, P1, 0, false, 1, Map.of(tp.topic(), List.of(0)))).containsValue((short) 0);
                assertThat(lso(admin, tp)).isEqualTo(hw(admin, tp)).isEqualTo(10);
                assertThat(readAll(bootstrap, List.of(tp), "read_committed", admin)).isEqualTo(committed);
                assertThat(readAll(bootstrap, List.of(tp), "read_uncommitted", admin)).hasSize(7);
            }
        }
    }
}
