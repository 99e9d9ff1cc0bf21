package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fjord.broker.FjordBroker;
import io.fjord.broker.config.BrokerConfig;
import io.fjord.protocol.api.AddOffsetsToTxnApi;
import io.fjord.protocol.api.AddPartitionsToTxnApi;
import io.fjord.protocol.api.EndTxnApi;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.api.FindCoordinatorApi;
import io.fjord.protocol.api.InitProducerIdApi;
import io.fjord.protocol.api.TxnOffsetCommitApi;
import io.fjord.protocol.api.WriteTxnMarkersApi;
import io.fjord.protocol.types.Struct;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kafka-clients 4.x transactional producers against Fjord's transaction coordinator on one node: commit and abort
 * across topics and partitions (the markers reach every partition written), zombie fencing, offsets committed with
 * the transaction, a hanging transaction aborted after its timeout, Kafka's errors for bad requests, and
 * {@code kafka-transactions.sh list|describe}; read_committed consumers see committed records exactly once and
 * aborted ones never. The broker's WriteTxnMarkers handler is wrapped by {@link MarkerRecordingHandler}, which
 * records the markers it wrote.
 */
class TransactionsTest {
    @TempDir
    Path data;
    FjordBroker broker;
    MarkerRecordingHandler markers;
    String bootstrap;

    @BeforeEach
    void start() throws Exception {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("listeners", "PLAINTEXT://127.0.0.1:0");
        s.put("fjord.console.listener", "none"); // no fixed port in a test
        s.put("log.dirs", data.resolve("node").toString());
        s.put("num.io.threads", "4");
        s.put("num.network.threads", "2");
        s.put("offsets.topic.replication.factor", "1");
        s.put("offsets.topic.num.partitions", "5");
        s.put("transaction.state.log.replication.factor", "1");
        s.put("transaction.state.log.min.isr", "1");
        s.put("transaction.state.log.num.partitions", "5");
        s.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "300");
        s.put("transaction.max.timeout.ms", "120000");
        s.put("group.initial.rebalance.delay.ms", "0");
        s.put("fjord.console.listener", "http://127.0.0.1:0"); // not the shared default port 8080
        broker = new FjordBroker(BrokerConfig.of(s)).withHandlerWrapper(WriteTxnMarkersApi.KEY, (b, real) -> {
            markers = new MarkerRecordingHandler(b, real);
            return markers;
        }).start();
        bootstrap = "127.0.0.1:" + broker.port();
        try (Admin admin = Clients.admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic("a", 3, (short) 1), new NewTopic("b", 2, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
    }

    @AfterEach
    void stop() {
        if (broker != null) broker.close();
    }

    KafkaProducer<String, String> transactional(String id, Map<String, String> extra) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.putAll(extra);
        return new KafkaProducer<>(p);
    }

    TransactionDescription describe(Admin admin, String id) throws Exception {
        return admin.describeTransactions(List.of(id)).description(id).get(30, TimeUnit.SECONDS);
    }

    Set<TopicPartition> markedPartitions(long pid, short epoch, boolean commit) {
        if (markers == null) return markersInLogs(pid, epoch, commit); // the real WriteTxnMarkers handler is in
        return markers.written.stream().filter(m -> m.producerId() == pid && m.producerEpoch() == epoch && m.commit() == commit)
                .map(m -> new TopicPartition(m.partition().topic(), m.partition().partition())).collect(Collectors.toSet());
    }

    /** With the partition side's own handler the markers are control batches in the logs: read them back. */
    Set<TopicPartition> markersInLogs(long pid, short epoch, boolean commit) {
        Set<TopicPartition> out = new java.util.HashSet<>();
        for (io.fjord.broker.replica.Partition p : broker.replicaManager().partitions()) {
            io.fjord.storage.PartitionLog log = p.log();
            long next = log.logStartOffset();
            while (next < log.logEndOffset()) {
                java.nio.ByteBuffer b = log.read(next, 1 << 20).records().readAll();
                if (!b.hasRemaining()) break;
                for (int pos = 0; pos < b.limit(); pos += io.fjord.protocol.record.RecordBatch.sizeInBytes(b, pos)) {
                    next = io.fjord.protocol.record.RecordBatch.lastOffset(b, pos) + 1;
                    if (io.fjord.protocol.record.RecordBatch.producerId(b, pos) != pid
                            || io.fjord.protocol.record.RecordBatch.producerEpoch(b, pos) != epoch) continue;
                    var m = io.fjord.protocol.record.ControlRecords.readMarker(b, pos);
                    if (m != null && m.isCommit() == commit) {
                        out.add(new TopicPartition(p.topicPartition().topic(), p.topicPartition().partition()));
                    }
                }
            }
        }
        return out;
    }

    static final List<TopicPartition> ALL = List.of(new TopicPartition("a", 0), new TopicPartition("a", 1),
            new TopicPartition("a", 2), new TopicPartition("b", 0), new TopicPartition("b", 1));

    @Test
    void commitAndAbortReachEveryPartitionOfTheTransaction() throws Exception {
        try (KafkaProducer<String, String> p = transactional("tx-1", Map.of()); Admin admin = Clients.admin(bootstrap)) {
            p.initTransactions();
            p.beginTransaction();
            for (int i = 0; i < 10; i++) {
                TopicPartition tp = ALL.get(i % ALL.size());
                p.send(new ProducerRecord<>(tp.topic(), tp.partition(), "k" + i, "committed-" + i));
            }
            p.commitTransaction();
            TransactionDescription afterCommit = describe(admin, "tx-1");
            long pid = afterCommit.producerId();
            short epoch = (short) afterCommit.producerEpoch();
            await().atMost(Duration.ofSeconds(30)).until(() -> describe(admin, "tx-1").state() == TransactionState.COMPLETE_COMMIT);
            assertThat(markedPartitions(pid, epoch, true)).containsExactlyInAnyOrderElementsOf(ALL);
            assertThat(describe(admin, "tx-1").topicPartitions()).isEmpty();

            p.beginTransaction();
            p.send(new ProducerRecord<>("a", 1, "x", "aborted-1"));
            p.send(new ProducerRecord<>("b", 0, "y", "aborted-2"));
            p.flush();
            TransactionDescription ongoing = describe(admin, "tx-1");
            assertThat(ongoing.state()).isEqualTo(TransactionState.ONGOING);
            assertThat(ongoing.topicPartitions()).containsExactlyInAnyOrder(new TopicPartition("a", 1), new TopicPartition("b", 0));
            assertThat(ongoing.transactionStartTimeMs()).isPresent();
            p.abortTransaction();
            await().atMost(Duration.ofSeconds(30)).until(() -> describe(admin, "tx-1").state() == TransactionState.COMPLETE_ABORT);
            // Transaction version 2: every end bumps the epoch, and the markers carry the bumped one.
            short abortEpoch = (short) describe(admin, "tx-1").producerEpoch();
            assertThat(abortEpoch).isEqualTo((short) (epoch + 1));
            assertThat(markedPartitions(pid, abortEpoch, false))
                    .containsExactlyInAnyOrder(new TopicPartition("a", 1), new TopicPartition("b", 0));
            List<TransactionListing> listed = new ArrayList<>(admin.listTransactions().all().get(30, TimeUnit.SECONDS));
            assertThat(listed).extracting(TransactionListing::transactionalId).contains("tx-1");
            // A last committed transaction on every partition, so a reader that saw it has read past the aborted ones.
            p.beginTransaction();
            for (TopicPartition tp : ALL) p.send(new ProducerRecord<>(tp.topic(), tp.partition(), "end", "committed-end-" + tp));
            p.commitTransaction();
        }
        // A read_uncommitted consumer sees committed and aborted records alike.
        List<ConsumerRecord<String, String>> all = Clients.readFromStart(bootstrap, ALL, 17);
        assertThat(all).extracting(ConsumerRecord::value).filteredOn(v -> v.startsWith("committed-")).hasSize(15);
        assertThat(all).extracting(ConsumerRecord::value).filteredOn(v -> v.startsWith("aborted-")).hasSize(2);
        // read_committed: every committed record exactly once, no aborted one.
        List<ConsumerRecord<String, String>> committed = Clients.readFromStart(bootstrap, ALL, 15,
                Map.of("isolation.level", "read_committed"));
        assertThat(committed).extracting(ConsumerRecord::value).doesNotHaveDuplicates().allMatch(v -> v.startsWith("committed-"))
                .filteredOn(v -> !v.startsWith("committed-end-")).hasSize(10);
        assertThat(committed).hasSize(15);
    }

    @Test
    void aSecondProducerWithTheSameIdFencesTheFirst() throws Exception {
        try (KafkaProducer<String, String> zombie = transactional("fenced", Map.of());
             KafkaProducer<String, String> fresh = transactional("fenced", Map.of());
             Admin admin = Clients.admin(bootstrap)) {
            zombie.initTransactions();
            zombie.beginTransaction();
            zombie.send(new ProducerRecord<>("a", 0, "z", "zombie")).get(30, TimeUnit.SECONDS);
            TransactionDescription before = describe(admin, "fenced");
            assertThat(before.state()).isEqualTo(TransactionState.ONGOING);

            fresh.initTransactions(); // aborts the zombie's transaction first (CONCURRENT_TRANSACTIONS meanwhile)
            TransactionDescription after = describe(admin, "fenced");
            assertThat(after.producerId()).isEqualTo(before.producerId());
            assertThat(after.producerEpoch()).isEqualTo(before.producerEpoch() + 2);
            // The zombie's open transaction was aborted at the bumped epoch on the partition it wrote.
            assertThat(markedPartitions(before.producerId(), (short) (before.producerEpoch() + 1), false))
                    .containsExactly(new TopicPartition("a", 0));
            assertThatThrownBy(zombie::commitTransaction).isInstanceOf(ProducerFencedException.class);

            fresh.beginTransaction();
            fresh.send(new ProducerRecord<>("a", 0, "f", "fresh"));
            fresh.commitTransaction();
            await().atMost(Duration.ofSeconds(30)).until(() -> describe(admin, "fenced").state() == TransactionState.COMPLETE_COMMIT);
        }
        // The zombie's write never becomes visible to read_committed readers; the new producer's does.
        List<ConsumerRecord<String, String>> seen = Clients.readFromStart(bootstrap, List.of(new TopicPartition("a", 0)), 1,
                Map.of("isolation.level", "read_committed"));
        assertThat(seen).extracting(ConsumerRecord::value).containsExactly("fresh");
    }

    @Test
    void offsetsSentToTheTransactionCountOnlyWhenItCommits() throws Exception {
        TopicPartition a0 = new TopicPartition("a", 0);
        try (KafkaProducer<String, String> p = transactional("copier", Map.of()); Admin admin = Clients.admin(bootstrap)) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>("b", 0, "k", "v"));
            p.sendOffsetsToTransaction(Map.of(a0, new OffsetAndMetadata(42, "m")), new ConsumerGroupMetadata("g"));
            p.commitTransaction();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                    admin.listConsumerGroupOffsets("g").partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).get(a0))
                    .isNotNull().extracting(OffsetAndMetadata::offset).isEqualTo(42L));

            p.beginTransaction();
            p.sendOffsetsToTransaction(Map.of(a0, new OffsetAndMetadata(50)), new ConsumerGroupMetadata("g"));
            p.abortTransaction();
            await().atMost(Duration.ofSeconds(30)).until(() -> describe(admin, "copier").state() == TransactionState.COMPLETE_ABORT);
            assertThat(admin.listConsumerGroupOffsets("g").partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).get(a0).offset())
                    .isEqualTo(42L);

            // A member of a generation the group never had: the commit is refused (UNKNOWN_MEMBER_ID), abortable.
            p.beginTransaction();
            p.send(new ProducerRecord<>("b", 1, "k", "v"));
            // sendOffsetsToTransaction waits for the TxnOffsetCommit answer and throws it.
            assertThatThrownBy(() -> p.sendOffsetsToTransaction(Map.of(a0, new OffsetAndMetadata(60)),
                    new ConsumerGroupMetadata("g", 7, "nobody", Optional.empty()))).isInstanceOf(CommitFailedException.class);
            p.abortTransaction();
            assertThat(admin.listConsumerGroupOffsets("g").partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).get(a0).offset())
                    .isEqualTo(42L);
        }
    }

    @Test
    void aHangingTransactionIsAbortedAfterItsTimeout() throws Exception {
        try (Admin admin = Clients.admin(bootstrap)) {
            KafkaProducer<String, String> p = transactional("hanging", Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "2000"));
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>("b", 1, "k", "left open")).get(30, TimeUnit.SECONDS);
            TransactionDescription open = describe(admin, "hanging");
            assertThat(open.state()).isEqualTo(TransactionState.ONGOING);
            p.close(Duration.ZERO); // gone without a word, like a killed process: no EndTxn
            await().atMost(Duration.ofSeconds(30)).until(() -> describe(admin, "hanging").state() == TransactionState.COMPLETE_ABORT);
            TransactionDescription aborted = describe(admin, "hanging");
            assertThat(aborted.producerEpoch()).isEqualTo(open.producerEpoch() + 1); // the abandoned producer is fenced
            assertThat(markedPartitions(open.producerId(), (short) aborted.producerEpoch(), false))
                    .containsExactly(new TopicPartition("b", 1));
        }
        // The last stable offset moved past the aborted transaction: a later committed record is readable.
        try (KafkaProducer<String, String> next = transactional("after-hanging", Map.of())) {
            next.initTransactions();
            next.beginTransaction();
            next.send(new ProducerRecord<>("b", 1, "k", "after"));
            next.commitTransaction();
        }
        List<ConsumerRecord<String, String>> seen = Clients.readFromStart(bootstrap, List.of(new TopicPartition("b", 1)), 1,
                Map.of("isolation.level", "read_committed"));
        assertThat(seen).extracting(ConsumerRecord::value).containsExactly("after");
    }

    @Test
    void badRequestsGetKafkasErrors() throws Exception {
        try (RawClient raw = new RawClient(broker.port())) {
            Struct find = raw.request(FindCoordinatorApi.SPEC, (short) 3, new Struct(FindCoordinatorApi.REQUEST)
                    .set("Key", "raw").set("KeyType", (byte) 1));
            assertThat(find.getShort("ErrorCode")).isZero();
            assertThat(find.getInt("NodeId")).isEqualTo(broker.config().nodeId());

            Struct tooLong = raw.request(InitProducerIdApi.SPEC, (short) 4, new Struct(InitProducerIdApi.REQUEST)
                    .set("TransactionalId", "raw").set("TransactionTimeoutMs", 120_001));
            assertThat(Errors.forCode(tooLong.getShort("ErrorCode"))).isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);

            Struct unknown = raw.request(EndTxnApi.SPEC, (short) 4, new Struct(EndTxnApi.REQUEST)
                    .set("TransactionalId", "raw").set("ProducerId", 123L).set("ProducerEpoch", (short) 0).set("Committed", true));
            assertThat(Errors.forCode(unknown.getShort("ErrorCode"))).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);

            Struct init = raw.request(InitProducerIdApi.SPEC, (short) 4, new Struct(InitProducerIdApi.REQUEST)
                    .set("TransactionalId", "raw").set("TransactionTimeoutMs", 60_000));
            assertThat(init.getShort("ErrorCode")).isZero();
            long pid = init.getLong("ProducerId");
            short epoch = init.getShort("ProducerEpoch");

            Struct noTxn = raw.request(EndTxnApi.SPEC, (short) 4, new Struct(EndTxnApi.REQUEST)
                    .set("TransactionalId", "raw").set("ProducerId", pid).set("ProducerEpoch", epoch).set("Committed", true));
            assertThat(Errors.forCode(noTxn.getShort("ErrorCode"))).isEqualTo(Errors.INVALID_TXN_STATE);

            Struct add = new Struct(AddPartitionsToTxnApi.REQUEST).set("V3AndBelowTransactionalId", "raw")
                    .set("V3AndBelowProducerId", pid).set("V3AndBelowProducerEpoch", (short) (epoch + 5));
            add.add("V3AndBelowTopics", add.child("V3AndBelowTopics").set("Name", "a").set("Partitions", List.of(0, 1)));
            Struct fenced = raw.request(AddPartitionsToTxnApi.SPEC, (short) 3, add);
            assertThat(fenced.getStructs("ResultsByTopicV3AndBelow").get(0).getStructs("ResultsByPartition"))
                    .extracting(r -> Errors.forCode(r.getShort("PartitionErrorCode")))
                    .containsExactly(Errors.PRODUCER_FENCED, Errors.PRODUCER_FENCED);

            // TxnOffsetCommit for a group member that is not there (a consumer of another generation).
            Struct commit = new Struct(TxnOffsetCommitApi.REQUEST).set("TransactionalId", "raw").set("GroupId", "g-raw")
                    .set("ProducerId", pid).set("ProducerEpoch", epoch).set("GenerationIdOrMemberEpoch", 3).set("MemberId", "m-1");
            Struct t = commit.child("Topics").set("Name", "a");
            t.add("Partitions", t.child("Partitions").set("PartitionIndex", 0).set("CommittedOffset", 5L));
            commit.add("Topics", t);
            Struct group = raw.request(FindCoordinatorApi.SPEC, (short) 3, new Struct(FindCoordinatorApi.REQUEST)
                    .set("Key", "g-raw").set("KeyType", (byte) 0));
            assertThat(group.getShort("ErrorCode")).isZero();
            // Not in the transaction yet: KIP-890 verification at the transaction coordinator refuses it first.
            Struct unverified = raw.request(TxnOffsetCommitApi.SPEC, (short) 3, commit);
            assertThat(Errors.forCode(unverified.getStructs("Topics").get(0).getStructs("Partitions").get(0).getShort("ErrorCode")))
                    .isEqualTo(Errors.INVALID_TXN_STATE);
            Struct addOffsets = raw.request(AddOffsetsToTxnApi.SPEC, (short) 3, new Struct(AddOffsetsToTxnApi.REQUEST)
                    .set("TransactionalId", "raw").set("ProducerId", pid).set("ProducerEpoch", epoch).set("GroupId", "g-raw"));
            assertThat(Errors.forCode(addOffsets.getShort("ErrorCode"))).isEqualTo(Errors.NONE);
            Struct refused = raw.request(TxnOffsetCommitApi.SPEC, (short) 3, commit);
            assertThat(Errors.forCode(refused.getStructs("Topics").get(0).getStructs("Partitions").get(0).getShort("ErrorCode")))
                    .isEqualTo(Errors.ILLEGAL_GENERATION);
        }
    }

    @Test
    void kafkaTransactionsToolListsAndDescribes() throws Exception {
        try (KafkaProducer<String, String> p = transactional("tool-tx", Map.of())) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>("a", 2, "k", "v")).get(30, TimeUnit.SECONDS);
            KafkaTool.Result list = KafkaTool.run(data.resolve("tool"), "org.apache.kafka.tools.TransactionsCommand",
                    Duration.ofSeconds(60), List.of("--bootstrap-server", bootstrap, "list"));
            assertThat(list.exitCode()).as(list.output()).isZero();
            assertThat(list.output()).contains("tool-tx").contains("Ongoing");
            KafkaTool.Result describe = KafkaTool.run(data.resolve("tool"), "org.apache.kafka.tools.TransactionsCommand",
                    Duration.ofSeconds(60), List.of("--bootstrap-server", bootstrap, "describe", "--transactional-id", "tool-tx"));
            assertThat(describe.exitCode()).as(describe.output()).isZero();
            assertThat(describe.output()).contains("tool-tx").contains("Ongoing").contains("a-2");
            p.commitTransaction();
        }
    }

    /**
     * A hanging transaction (its producer alive but silent, its timeout far away) holds the partition's LSO; the
     * operator aborts it with {@code kafka-transactions.sh abort} (DescribeProducers, then an abort marker written straight to the
     * partition leader): the LSO moves past it and read_committed consumers never see its record.
     */
    @Test
    void kafkaTransactionsToolAbortsAHangingTransaction() throws Exception {
        TopicPartition tp = new TopicPartition("b", 1);
        try (KafkaProducer<String, String> hanging = transactional("hang-tx", Map.of("transaction.timeout.ms", "110000"));
             org.apache.kafka.clients.consumer.KafkaConsumer<String, String> committed = Clients.consumer(bootstrap, Map.of("isolation.level", "read_committed"))) {
            hanging.initTransactions();
            hanging.beginTransaction();
            long start = hanging.send(new ProducerRecord<>(tp.topic(), tp.partition(), "k", "hanging")).get(30, TimeUnit.SECONDS).offset();
            try (KafkaProducer<String, String> plain = Clients.producer(bootstrap)) {
                plain.send(new ProducerRecord<>(tp.topic(), tp.partition(), "k", "after")).get(30, TimeUnit.SECONDS);
            }
            assertThat(committed.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp)).as("LSO held by the open transaction")
                    .isEqualTo(start);

            KafkaTool.Result abort = KafkaTool.run(data.resolve("tool"), "org.apache.kafka.tools.TransactionsCommand",
                    Duration.ofSeconds(60), List.of("--bootstrap-server", bootstrap, "abort", "--topic", tp.topic(),
                            "--partition", Integer.toString(tp.partition()), "--start-offset", Long.toString(start)));
            assertThat(abort.exitCode()).as(abort.output()).isZero();

            await("the LSO passes the aborted transaction").atMost(Duration.ofSeconds(30))
                    .until(() -> committed.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp) == start + 3);
            committed.assign(List.of(tp));
            committed.seek(tp, start);
            List<String> values = new java.util.ArrayList<>();
            await("the records after the aborted one").atMost(Duration.ofSeconds(30)).until(() -> {
                committed.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                return committed.position(tp) >= start + 3;
            });
            assertThat(values).containsExactly("after");
            hanging.close(Duration.ZERO);
        }
    }
}
