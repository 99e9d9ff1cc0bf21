package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fjord.broker.FjordBroker;
import io.fjord.broker.config.BrokerConfig;
import io.fjord.protocol.api.EndTxnApi;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.api.FindCoordinatorApi;
import io.fjord.protocol.api.InitProducerIdApi;
import io.fjord.protocol.api.ProduceApi;
import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.RecordBatchBuilder;
import io.fjord.protocol.types.MemoryRecords;
import io.fjord.protocol.types.Struct;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KAFKA-17754 anomaly, driven with raw requests as a delayed network would deliver them: after a transaction
 * committed, a write of it that arrives late (its old producer epoch) is refused and never visible to read_committed
 * readers, and a delayed EndTxn with the old epoch does not end the next transaction (transaction version 2: every
 * end bumps the epoch, and the partition leader adds partitions itself, Produce v12). Also KIP-890 part 1 for
 * transaction version 1 producers (Produce v11): a transactional write to a partition never added to the ongoing
 * transaction is refused with INVALID_TXN_STATE without being appended.
 */
class LateTransactionalWriteTest {
    static final String ID = "late-writer";
    static final TopicPartition TP = new TopicPartition("late", 0);

    @TempDir
    Path data;
    FjordBroker broker;
    String bootstrap;

    @BeforeEach
    void start() throws Exception {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("listeners", "PLAINTEXT://127.0.0.1:0");
        s.put("log.dirs", data.resolve("node").toString());
        s.put("num.io.threads", "4");
        s.put("fjord.console.listener", "none");
        s.put("offsets.topic.replication.factor", "1");
        s.put("offsets.topic.num.partitions", "3");
        s.put("transaction.state.log.replication.factor", "1");
        s.put("transaction.state.log.min.isr", "1");
        s.put("transaction.state.log.num.partitions", "3");
        s.put("fjord.console.listener", "http://127.0.0.1:0"); // not the shared default port 8080
        broker = new FjordBroker(BrokerConfig.of(s)).start();
        bootstrap = "127.0.0.1:" + broker.port();
        try (Admin admin = Clients.admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(TP.topic(), 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
    }

    @AfterEach
    void stop() {
        if (broker != null) broker.close();
    }

    private static Errors produce(RawClient raw, short version, long pid, short epoch, int seq, String value) throws IOException {
        RecordBatchBuilder b = new RecordBatchBuilder(0, CompressionType.NONE).producer(pid, epoch, seq).transactional(true);
        b.append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8));
        Struct req = ProduceApi.SPEC.newRequest().set("Acks", (short) -1).set("TimeoutMs", 30_000).set("TransactionalId", ID);
        Struct td = req.child("TopicData").set("Name", TP.topic());
        td.add("PartitionData", td.child("PartitionData").set("Index", TP.partition()).set("Records", MemoryRecords.wrap(b.build())));
        req.add("TopicData", td);
        Struct pr = raw.request(ProduceApi.SPEC, version, req).getStructs("Responses").get(0).getStructs("PartitionResponses").get(0);
        return Errors.forCode(pr.getShort("ErrorCode"));
    }

    /** EndTxn v5 (transaction version 2): the error and the producer epoch it answers. */
    private static Struct endTxn(RawClient raw, long pid, short epoch, boolean commit) throws IOException {
        return raw.request(EndTxnApi.SPEC, (short) 5, new Struct(EndTxnApi.REQUEST).set("TransactionalId", ID)
                .set("ProducerId", pid).set("ProducerEpoch", epoch).set("Committed", commit));
    }

    private static TransactionDescription describe(Admin admin) throws Exception {
        return admin.describeTransactions(List.of(ID)).description(ID).get(30, TimeUnit.SECONDS);
    }

    @Test
    void aLateWriteAndADelayedEndOfAFinishedTransactionAreRefused() throws Exception {
        try (RawClient raw = new RawClient(broker.port()); Admin admin = Clients.admin(bootstrap)) {
            // FindCoordinator creates __transaction_state; InitProducerId answers once its shard is loaded.
            Struct find = raw.request(FindCoordinatorApi.SPEC, (short) 3, new Struct(FindCoordinatorApi.REQUEST)
                    .set("Key", ID).set("KeyType", (byte) 1));
            assertThat(Errors.forCode(find.getShort("ErrorCode"))).isEqualTo(Errors.NONE);
            Struct[] answer = new Struct[1];
            await("InitProducerId").atMost(Duration.ofSeconds(30)).until(() -> {
                answer[0] = raw.request(InitProducerIdApi.SPEC, (short) 5, new Struct(InitProducerIdApi.REQUEST).set("TransactionalId", ID)
                        .set("TransactionTimeoutMs", 60_000).set("ProducerId", -1L).set("ProducerEpoch", (short) -1));
                return answer[0].getShort("ErrorCode") == Errors.NONE.code();
            });
            Struct init = answer[0];
            long pid = init.getLong("ProducerId");
            short e0 = init.getShort("ProducerEpoch");

            // Transaction 1 at e0: the leader adds the partition (Produce v12, no AddPartitionsToTxn).
            assertThat(produce(raw, (short) 12, pid, e0, 0, "txn1-a")).isEqualTo(Errors.NONE);
            assertThat(describe(admin).topicPartitions()).containsExactly(new org.apache.kafka.common.TopicPartition(TP.topic(), 0));
            assertThat(produce(raw, (short) 12, pid, e0, 1, "txn1-b")).isEqualTo(Errors.NONE); // the partition is open: no round trip
            Struct end = endTxn(raw, pid, e0, true);
            assertThat(Errors.forCode(end.getShort("ErrorCode"))).isEqualTo(Errors.NONE);
            short e1 = end.getShort("ProducerEpoch");
            assertThat(e1).isEqualTo((short) (e0 + 1));
            await().atMost(Duration.ofSeconds(30)).until(() -> describe(admin).state() == TransactionState.COMPLETE_COMMIT);

            // The late write of transaction 1 (old epoch), over both produce paths: refused, nothing appended.
            long endBefore = broker.replicaManager().partition(new io.fjord.broker.replica.TopicPartition(TP.topic(), 0)).log().logEndOffset();
            assertThat(produce(raw, (short) 12, pid, e0, 2, "late-v12")).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
            assertThat(produce(raw, (short) 11, pid, e0, 2, "late-v11")).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
            // KIP-890 part 1: at the current epoch but with the partition never added (a TV1 producer's Produce v11).
            assertThat(produce(raw, (short) 11, pid, e1, 0, "never-added")).isEqualTo(Errors.INVALID_TXN_STATE);
            assertThat(broker.replicaManager().partition(new io.fjord.broker.replica.TopicPartition(TP.topic(), 0)).log().logEndOffset())
                    .isEqualTo(endBefore);
            assertThat(describe(admin).state()).isEqualTo(TransactionState.COMPLETE_COMMIT);

            // Transaction 2 at e1; a delayed EndTxn of transaction 1 (epoch e0) must not end it, commit or abort.
            assertThat(produce(raw, (short) 12, pid, e1, 0, "txn2-a")).isEqualTo(Errors.NONE);
            assertThat(describe(admin).state()).isEqualTo(TransactionState.ONGOING);
            assertThat(Errors.forCode(endTxn(raw, pid, e0, true).getShort("ErrorCode"))).isEqualTo(Errors.PRODUCER_FENCED);
            assertThat(Errors.forCode(endTxn(raw, pid, e0, false).getShort("ErrorCode"))).isEqualTo(Errors.PRODUCER_FENCED);
            TransactionDescription still = describe(admin);
            assertThat(still.state()).isEqualTo(TransactionState.ONGOING);
            assertThat(still.producerEpoch()).isEqualTo(e1);
            // And a late write of transaction 1 does not join transaction 2 either.
            assertThat(produce(raw, (short) 12, pid, e0, 2, "late-into-txn2")).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
            assertThat(produce(raw, (short) 12, pid, e1, 1, "txn2-b")).isEqualTo(Errors.NONE);
            Struct end2 = endTxn(raw, pid, e1, true);
            assertThat(Errors.forCode(end2.getShort("ErrorCode"))).isEqualTo(Errors.NONE);
            assertThat(end2.getShort("ProducerEpoch")).isEqualTo((short) (e1 + 1));
            await().atMost(Duration.ofSeconds(30)).until(() -> describe(admin).state() == TransactionState.COMPLETE_COMMIT);
            // Four records and two commit markers: nothing refused reached the log.
            assertThat(broker.replicaManager().partition(new io.fjord.broker.replica.TopicPartition(TP.topic(), 0)).log().logEndOffset())
                    .isEqualTo(6L);
        }
        // read_committed sees both transactions' records exactly once and none of the refused writes.
        List<ConsumerRecord<String, String>> seen = Clients.readFromStart(bootstrap, List.of(TP), 4,
                Map.of("isolation.level", "read_committed"));
        assertThat(seen).extracting(ConsumerRecord::value).containsExactly("txn1-a", "txn1-b", "txn2-a", "txn2-b");
        List<ConsumerRecord<String, String>> all = Clients.readFromStart(bootstrap, List.of(TP), 4);
        assertThat(all).extracting(ConsumerRecord::value).containsExactly("txn1-a", "txn1-b", "txn2-a", "txn2-b");
    }
}
