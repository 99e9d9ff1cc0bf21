package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.broker.FjordBroker;
import io.fjord.broker.config.BrokerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 checks 1 and 2 end to end with the real pieces on both sides: kafka-clients' transactional producer
 * against Fjord's transaction coordinator, whose markers Fjord's partitions write; kafka-clients' consumer in
 * read_committed sees committed transactions across topics and partitions exactly once and aborted ones never,
 * read_uncommitted sees both; a fenced zombie's writes never become visible.
 */
class TransactionsEndToEndTest {
    @TempDir
    Path data;
    FjordBroker broker;
    String bootstrap;
    static final List<TopicPartition> ALL = List.of(new TopicPartition("in", 0), new TopicPartition("in", 1),
            new TopicPartition("in", 2), new TopicPartition("out", 0), new TopicPartition("out", 1));

    @BeforeEach
    void start() throws Exception {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("listeners", "PLAINTEXT://127.0.0.1:0");
        s.put("fjord.console.listener", "none"); // no fixed port in a test
        s.put("log.dirs", data.resolve("node").toString());
        s.put("offsets.topic.replication.factor", "1");
        s.put("offsets.topic.num.partitions", "3");
        s.put("transaction.state.log.replication.factor", "1");
        s.put("transaction.state.log.min.isr", "1");
        s.put("transaction.state.log.num.partitions", "3");
        s.put("group.initial.rebalance.delay.ms", "0");
        s.put("fjord.console.listener", "http://127.0.0.1:0"); // not the shared default port 8080
        broker = new FjordBroker(BrokerConfig.of(s)).start();
        bootstrap = "127.0.0.1:" + broker.port();
        try (Admin admin = Clients.admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic("in", 3, (short) 1), new NewTopic("out", 2, (short) 1)))
                    .all().get(60, TimeUnit.SECONDS);
        }
    }

    @AfterEach
    void stop() {
        if (broker != null) broker.close();
    }

    KafkaProducer<String, String> transactional(String id) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    private void send(KafkaProducer<String, String> p, String prefix, int n) {
        for (int i = 0; i < n; i++) {
            TopicPartition tp = ALL.get(i % ALL.size());
            p.send(new ProducerRecord<>(tp.topic(), tp.partition(), "k" + i, prefix + "-" + i));
        }
    }

    /** Values readable in {@code isolation} up to the partitions' ends for it. */
    private List<String> read(String isolation) throws Exception {
        Map<TopicPartition, Long> ends = new LinkedHashMap<>();
        try (Admin admin = Clients.admin(bootstrap)) {
            ListOffsetsOptions o = new ListOffsetsOptions(isolation.equals("read_committed")
                    ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED);
            for (TopicPartition tp : ALL) {
                ends.put(tp, admin.listOffsets(Map.of(tp, OffsetSpec.latest()), o).partitionResult(tp)
                        .get(60, TimeUnit.SECONDS).offset());
            }
        }
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = Clients.consumer(bootstrap, Map.of("isolation.level", isolation))) {
            c.assign(ALL);
            c.seekToBeginning(ALL);
            Awaitility.await("reading " + isolation).atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).until(() -> {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) out.add(r.value());
                for (TopicPartition tp : ALL) if (c.position(tp) < ends.get(tp)) return false;
                return true;
            });
        }
        return out;
    }

    private static List<String> values(String prefix, int n) {
        List<String> v = new ArrayList<>();
        for (int i = 0; i < n; i++) v.add(prefix + "-" + i);
        return v;
    }

    @Test
    void committedOnceAbortedNeverAcrossTopicsAndPartitions() throws Exception {
        try (KafkaProducer<String, String> p = transactional("e2e")) {
            p.initTransactions();
            p.beginTransaction();
            send(p, "c1", 25);
            p.commitTransaction();
            p.beginTransaction();
            send(p, "a1", 25);
            p.flush();
            p.abortTransaction();
            p.beginTransaction();
            send(p, "c2", 10);
            p.commitTransaction();
        }
        List<String> committed = new ArrayList<>(values("c1", 25));
        committed.addAll(values("c2", 10));
        assertThat(read("read_committed")).containsExactlyInAnyOrderElementsOf(committed);
        List<String> all = new ArrayList<>(committed);
        all.addAll(values("a1", 25));
        assertThat(read("read_uncommitted")).containsExactlyInAnyOrderElementsOf(all);
    }

    @Test
    void aFencedZombiesWritesNeverBecomeVisible() throws Exception {
        KafkaProducer<String, String> zombie = transactional("fenced");
        try (KafkaProducer<String, String> successor = transactional("fenced")) {
            zombie.initTransactions();
            zombie.beginTransaction();
            send(zombie, "zombie", 5);
            zombie.flush();
            successor.initTransactions(); // fences the zombie and aborts its open transaction
            successor.beginTransaction();
            send(successor, "successor", 5);
            successor.commitTransaction();
            assertThatThrownBy(() -> {
                send(zombie, "late", 5);
                zombie.commitTransaction();
            }).isInstanceOf(org.apache.kafka.common.KafkaException.class); // fenced (PRODUCER_FENCED / INVALID_PRODUCER_EPOCH)
        } finally {
            zombie.close(Duration.ofSeconds(5));
        }
        assertThat(read("read_committed")).containsExactlyInAnyOrderElementsOf(values("successor", 5));
    }
}
