package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The official Apache Kafka 4.x Java client against one Fjord node: Admin, KafkaProducer with every acks and
 * compression setting, KafkaConsumer with assign(), ListOffsets, and a restart on the same data.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaClientsCompatibilityTest {
    @TempDir
    static Path data;
    TestBroker broker;
    Admin admin;

    @BeforeAll
    void start() throws Exception {
        broker = new TestBroker(data).start();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000));
    }

    @AfterAll
    void stop() {
        if (admin != null) admin.close(Duration.ofSeconds(10));
        if (broker != null) broker.close();
    }

    private KafkaProducer<byte[], byte[]> producer(String acks, String compression) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private void createTopic(String name, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    }

    /** Reads {@code tp} from offset 0 until {@code count} records arrived (bounded in time). */
    private List<ConsumerRecord<byte[], byte[]>> readAll(TopicPartition tp, int count) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer()) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) out.add(r);
            }
        }
        return out;
    }

    private record Sent(byte[] key, byte[] value, long timestamp, List<Header> headers) {
    }

    static List<Object[]> producerSettings() {
        List<Object[]> out = new ArrayList<>();
        for (String acks : List.of("0", "1", "all")) {
            for (String compression : List.of("none", "gzip", "snappy", "lz4", "zstd")) out.add(new Object[]{acks, compression});
        }
        return out;
    }

    @ParameterizedTest(name = "acks={0} compression={1}")
    @MethodSource("producerSettings")
    void producesAndConsumesEveryRecordInOrder(String acks, String compression) throws Exception {
        String topic = "roundtrip-" + acks + "-" + compression;
        createTopic(topic, 2);
        TopicPartition tp = new TopicPartition(topic, 1);
        List<Sent> sent = new ArrayList<>();
        long baseTs = 1_700_000_000_000L;
        try (KafkaProducer<byte[], byte[]> producer = producer(acks, compression)) {
            List<Future<RecordMetadata>> acksBack = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                byte[] key = i % 3 == 0 ? null : ("key-" + i).getBytes(StandardCharsets.UTF_8);
                byte[] value = i % 17 == 0 ? null : ("value-" + i + "-" + "x".repeat(i % 50)).getBytes(StandardCharsets.UTF_8);
                List<Header> headers = i % 2 == 0 ? List.of() : List.of(new RecordHeader("h" + i, ("hv" + i).getBytes(StandardCharsets.UTF_8)),
                        new RecordHeader("null-valued", null));
                Sent s = new Sent(key, value, baseTs + i * 10L, headers);
                sent.add(s);
                acksBack.add(producer.send(new ProducerRecord<>(topic, 1, s.timestamp, key, value, headers)));
            }
            producer.flush();
            long previous = -1;
            for (Future<RecordMetadata> f : acksBack) {
                RecordMetadata md = f.get();
                if (!acks.equals("0")) {
                    assertThat(md.offset()).isGreaterThan(previous);
                    previous = md.offset();
                }
            }
        }
        List<ConsumerRecord<byte[], byte[]>> got = readAll(tp, sent.size());
        assertThat(got).hasSize(sent.size());
        for (int i = 0; i < sent.size(); i++) {
            ConsumerRecord<byte[], byte[]> r = got.get(i);
            Sent s = sent.get(i);
            assertThat(r.offset()).isEqualTo(i);
            assertThat(r.key()).isEqualTo(s.key);
            assertThat(r.value()).isEqualTo(s.value);
            assertThat(r.timestamp()).isEqualTo(s.timestamp);
            List<Header> headers = new ArrayList<>();
            r.headers().forEach(headers::add);
            assertThat(headers).isEqualTo(s.headers);
        }
        assertThat(readAll(new TopicPartition(topic, 0), 0)).isEmpty();
    }

    @Test
    void keyedRecordsWithoutPartitionSpreadByKeyAndKeepPerKeyOrder() throws Exception {
        String topic = "keyed";
        createTopic(topic, 3);
        Map<String, Integer> partitionOfKey = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = producer("all", "lz4")) {
            for (int i = 0; i < 200; i++) {
                String key = "k" + (i % 10);
                RecordMetadata md = producer.send(new ProducerRecord<>(topic, key.getBytes(), ("v" + i).getBytes())).get();
                Integer before = partitionOfKey.putIfAbsent(key, md.partition());
                if (before != null) assertThat(md.partition()).isEqualTo(before);
            }
            for (int i = 0; i < 50; i++) producer.send(new ProducerRecord<>(topic, null, ("keyless" + i).getBytes())).get();
        }
        assertThat(Set.copyOf(partitionOfKey.values()).size()).isGreaterThan(1);
        int total = 0;
        for (int p = 0; p < 3; p++) {
            List<ConsumerRecord<byte[], byte[]>> records = readAll(new TopicPartition(topic, p), 0);
            Map<TopicPartition, Long> end = admin.listOffsets(Map.of(new TopicPartition(topic, p), OffsetSpec.latest())).all().get()
                    .entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
            total += end.get(new TopicPartition(topic, p)).intValue();
            assertThat(records).isEmpty(); // readAll(…, 0) stops at once: only checks that reading works
        }
        assertThat(total).isEqualTo(250);
    }

    @Test
    void adminCreatesListsDescribesAndDeletesTopics() throws Exception {
        admin.createTopics(List.of(new NewTopic("admin-a", 4, (short) 1),
                new NewTopic("admin-b", 1, (short) 1).configs(Map.of("retention.ms", "3600000")))).all().get();
        assertThat(admin.listTopics().names().get()).contains("admin-a", "admin-b");

        Map<String, TopicDescription> described = admin.describeTopics(List.of("admin-a", "admin-b")).allTopicNames().get();
        TopicDescription a = described.get("admin-a");
        assertThat(a.partitions()).hasSize(4);
        assertThat(a.topicId()).isNotNull();
        a.partitions().forEach(p -> {
            assertThat(p.leader().id()).isEqualTo(1);
            assertThat(p.replicas()).extracting(n -> n.id()).containsExactly(1);
            assertThat(p.isr()).extracting(n -> n.id()).containsExactly(1);
        });

        Config cfg = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, "admin-b"))).all().get()
                .get(new ConfigResource(ConfigResource.Type.TOPIC, "admin-b"));
        assertThat(cfg.get("retention.ms").value()).isEqualTo("3600000");
        assertThat(cfg.get("retention.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(cfg.get("segment.bytes").value()).isEqualTo("1073741824");
        Config brokerCfg = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.BROKER, "1"))).all().get()
                .get(new ConfigResource(ConfigResource.Type.BROKER, "1"));
        assertThat(brokerCfg.get("num.partitions").value()).isEqualTo("1");

        DescribeClusterResult cluster = admin.describeCluster();
        assertThat(cluster.clusterId().get()).isNotBlank();
        assertThat(cluster.nodes().get()).extracting(n -> n.port()).containsExactly(broker.port());
        assertThat(cluster.controller().get().id()).isEqualTo(1);

        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("admin-a", 1, (short) 1))).all().get())
                .hasCauseInstanceOf(TopicExistsException.class);
        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("admin-c", 1, (short) 3))).all().get())
                .hasCauseInstanceOf(InvalidReplicationFactorException.class);
        admin.createTopics(List.of(new NewTopic("admin-v", 2, (short) 1)), new CreateTopicsOptions().validateOnly(true)).all().get();
        assertThat(admin.listTopics().names().get()).doesNotContain("admin-v");

        admin.deleteTopics(List.of("admin-a")).all().get();
        await().atMost(Duration.ofSeconds(30)).until(() -> !admin.listTopics().names().get().contains("admin-a"));
        assertThatThrownBy(() -> admin.deleteTopics(List.of("admin-a")).all().get())
                .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
        // The name can be used again, and the new topic starts empty.
        createTopic("admin-a", 1);
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end = admin.listOffsets(
                Map.of(new TopicPartition("admin-a", 0), OffsetSpec.latest())).all().get();
        assertThat(end.get(new TopicPartition("admin-a", 0)).offset()).isZero();
    }

    @Test
    void listOffsetsEarliestLatestAndByTimestamp() throws Exception {
        String topic = "offsets";
        createTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        long base = 1_800_000_000_000L;
        try (KafkaProducer<byte[], byte[]> producer = producer("all", "gzip")) {
            for (int i = 0; i < 100; i++) {
                // Timestamps go up by 100 ms, except offset 50 which carries the largest one.
                long ts = i == 50 ? base + 1_000_000 : base + i * 100L;
                producer.send(new ProducerRecord<>(topic, 0, ts, null, ("v" + i).getBytes()));
            }
            producer.flush();
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r;
        r = admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).all().get();
        assertThat(r.get(tp).offset()).isZero();
        r = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get();
        assertThat(r.get(tp).offset()).isEqualTo(100);
        r = admin.listOffsets(Map.of(tp, OffsetSpec.forTimestamp(base + 2_050))).all().get();
        assertThat(r.get(tp).offset()).isEqualTo(21);
        assertThat(r.get(tp).timestamp()).isEqualTo(base + 2_100);
        r = admin.listOffsets(Map.of(tp, OffsetSpec.maxTimestamp())).all().get();
        assertThat(r.get(tp).offset()).isEqualTo(50);
        r = admin.listOffsets(Map.of(tp, OffsetSpec.forTimestamp(base + 5_000_000))).all().get();
        assertThat(r.get(tp).offset()).isEqualTo(-1);

        try (KafkaConsumer<byte[], byte[]> c = consumer()) {
            assertThat(c.beginningOffsets(List.of(tp))).containsEntry(tp, 0L);
            assertThat(c.endOffsets(List.of(tp))).containsEntry(tp, 100L);
            Map<TopicPartition, OffsetAndTimestamp> byTime = c.offsetsForTimes(Map.of(tp, base + 5_000L));
            assertThat(byTime.get(tp).offset()).isEqualTo(50);
            // The first record at or after the time wins, even if a later one has an earlier time.
            byTime = c.offsetsForTimes(Map.of(tp, base + 4_900L));
            assertThat(byTime.get(tp).offset()).isEqualTo(49);
            assertThat(byTime.get(tp).timestamp()).isEqualTo(base + 4_900L);
            assertThat(c.offsetsForTimes(Map.of(tp, base + 2_000_000L)).get(tp)).isNull();
        }
    }

    @Test
    void consumerLongPollWakesOnProduce() throws Exception {
        String topic = "longpoll";
        createTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "30000");
        p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, "1");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> producer = producer("1", "none")) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            c.poll(Duration.ofMillis(500)); // a fetch is now parked on the broker for up to 30 s
            producer.send(new ProducerRecord<>(topic, 0, null, "wake".getBytes())).get();
            List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                c.poll(Duration.ofMillis(200)).forEach(got::add);
                return !got.isEmpty();
            });
            assertThat(got.get(0).value()).isEqualTo("wake".getBytes());
            // The consumer's next fetch is parked again for up to 30 s, and close() would wait for it (to end the
            // fetch session): 30 s of this suite's time for nothing the test checks.
            c.close(Duration.ofSeconds(2));
        }
    }

    @Test
    void restartKeepsEveryRecordAndOffsetsContinue() throws Exception {
        String topic = "restart";
        createTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<byte[], byte[]> producer = producer("all", "snappy")) {
            for (int i = 0; i < 500; i++) producer.send(new ProducerRecord<>(topic, 0, null, ("before-" + i).getBytes()));
            producer.flush();
        }
        admin.close(Duration.ofSeconds(10));
        broker.restart();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000));
        assertThat(admin.listTopics().names().get()).contains(topic);
        RecordMetadata md;
        try (KafkaProducer<byte[], byte[]> producer = producer("all", "none")) {
            md = producer.send(new ProducerRecord<>(topic, 0, null, "after".getBytes())).get();
        }
        assertThat(md.offset()).isEqualTo(500);
        List<ConsumerRecord<byte[], byte[]>> got = readAll(tp, 501);
        assertThat(got).hasSize(501);
        for (int i = 0; i < 500; i++) assertThat(new String(got.get(i).value())).isEqualTo("before-" + i);
        assertThat(new String(got.get(500).value())).isEqualTo("after");
    }

    @Test
    void autoCreatesTopicsOnMetadataRequest() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer("all", "none")) {
            RecordMetadata md = producer.send(new ProducerRecord<>("auto-created", "x".getBytes())).get();
            assertThat(md.offset()).isZero();
        }
        Collection<String> names = admin.listTopics().names().get();
        assertThat(names).contains("auto-created");
    }

    @Test
    void acksAllRespectsMinInsyncReplicas() throws Exception {
        admin.createTopics(List.of(new NewTopic("strict", 1, (short) 1).configs(Map.of("min.insync.replicas", "2")))).all().get();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.RETRIES_CONFIG, "0");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("strict", "x".getBytes())).get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.NotEnoughReplicasException.class);
        }
        // acks=1 does not need the in-sync set.
        try (KafkaProducer<byte[], byte[]> producer = producer("1", "none")) {
            assertThat(producer.send(new ProducerRecord<>("strict", "y".getBytes())).get().offset()).isZero();
        }
    }
}
