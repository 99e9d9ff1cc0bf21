package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.client.admin.FjordAdmin;
import io.fjord.client.admin.NewTopic;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.ConsumerRecord;
import io.fjord.client.consumer.FjordConsumer;
import io.fjord.client.consumer.OffsetAndTimestamp;
import io.fjord.client.producer.FjordProducer;
import io.fjord.client.producer.ProducerRecord;
import io.fjord.client.producer.RecordMetadata;
import io.fjord.client.serialization.StringDeserializer;
import io.fjord.client.serialization.StringSerializer;
import io.fjord.protocol.record.Header;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fjord's own producer, consumer and admin against a Fjord node, and across with kafka-clients. */
class FjordClientTest {
    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = new TestBroker(dir).start();
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    static Map<String, Object> producerConfig(String acks, String compression) {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", broker.bootstrap());
        c.put("acks", acks);
        c.put("compression.type", compression);
        c.put("linger.ms", "2");
        c.put("batch.size", "4096");
        c.put("max.block.ms", "30000");
        return c;
    }

    static FjordConsumer<String, String> consumer() {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", broker.bootstrap());
        c.put("auto.offset.reset", "earliest");
        c.put("fetch.max.wait.ms", "100");
        return new FjordConsumer<>(c, new StringDeserializer(), new StringDeserializer());
    }

    static void createTopic(String name, int partitions) {
        try (FjordAdmin admin = new FjordAdmin(Map.of("bootstrap.servers", broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)));
        }
    }

    static List<ConsumerRecord<String, String>> readAll(String topic, int partitions, int expected) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (FjordConsumer<String, String> c = consumer()) {
            c.assign(tps);
            c.seekToBeginning(tps);
            Awaitility.await("reading " + expected + " records of " + topic).atMost(Duration.ofSeconds(30))
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> {
                        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) out.add(r);
                        return out.size() >= expected;
                    });
        }
        return out;
    }

    @Test
    void everyAcksAndCodecRoundTripsInOrderPerPartition() throws Exception {
        int n = 300;
        for (String acks : List.of("0", "1", "all")) {
            for (String codec : List.of("none", "gzip", "snappy", "lz4", "zstd")) {
                String topic = "rt-" + acks + "-" + codec;
                createTopic(topic, 3);
                List<Future<RecordMetadata>> futures = new ArrayList<>();
                try (FjordProducer<String, String> p = new FjordProducer<>(producerConfig(acks, codec),
                        new StringSerializer(), new StringSerializer())) {
                    for (int i = 0; i < n; i++) {
                        futures.add(p.send(new ProducerRecord<>(topic, null, null, "k" + (i % 17), "v" + i,
                                List.of(new Header("h", ("x" + i).getBytes(StandardCharsets.UTF_8))))));
                    }
                    p.flush();
                }
                for (Future<RecordMetadata> f : futures) {
                    RecordMetadata md = f.get(10, TimeUnit.SECONDS);
                    if (!acks.equals("0")) assertThat(md.offset()).isGreaterThanOrEqualTo(0);
                }
                List<ConsumerRecord<String, String>> got = readAll(topic, 3, n);
                assertThat(got).as(topic).hasSize(n);
                Map<Integer, List<Integer>> perPartition = new HashMap<>();
                for (ConsumerRecord<String, String> r : got) {
                    int i = Integer.parseInt(r.value().substring(1));
                    assertThat(r.key()).isEqualTo("k" + (i % 17));
                    assertThat(new String(r.headers().get(0).value(), StandardCharsets.UTF_8)).isEqualTo("x" + i);
                    // keyed: same partition as Kafka's partitioner would pick
                    assertThat(r.partition()).isEqualTo(
                            io.fjord.client.producer.BuiltInPartitioner.partitionForKey(r.key().getBytes(StandardCharsets.UTF_8), 3));
                    perPartition.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(i);
                }
                perPartition.values().forEach(l -> assertThat(l).as(topic + " order").isSorted());
            }
        }
    }

    @Test
    void fjordProducerToKafkaConsumerAndBack() throws Exception {
        createTopic("cross-a", 2);
        createTopic("cross-b", 2);
        try (FjordProducer<String, String> p = new FjordProducer<>(producerConfig("all", "lz4"),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 200; i++) p.send(new ProducerRecord<>("cross-a", "key" + i, "value" + i));
            p.flush();
        }
        List<org.apache.kafka.common.TopicPartition> tps = List.of(new org.apache.kafka.common.TopicPartition("cross-a", 0),
                new org.apache.kafka.common.TopicPartition("cross-a", 1));
        var theirs = Clients.readFromStart(broker.bootstrap(), tps, 200);
        assertThat(theirs).hasSize(200);
        for (var r : theirs) {
            assertThat(r.value()).isEqualTo("value" + r.key().substring(3));
            // Both partitioners agree on keyed placement.
            assertThat(r.partition()).isEqualTo(org.apache.kafka.clients.producer.internals.BuiltInPartitioner
                    .partitionForKey(r.key().getBytes(StandardCharsets.UTF_8), 2));
        }

        try (KafkaProducer<String, String> kp = Clients.producer(broker.bootstrap())) {
            for (int i = 0; i < 200; i++) kp.send(new org.apache.kafka.clients.producer.ProducerRecord<>("cross-b", "key" + i, "value" + i));
            kp.flush();
        }
        List<ConsumerRecord<String, String>> ours = readAll("cross-b", 2, 200);
        assertThat(ours).hasSize(200);
        for (ConsumerRecord<String, String> r : ours) assertThat(r.value()).isEqualTo("value" + r.key().substring(3));
    }

    @Test
    void consumerSeeksAndFindsOffsetsByTime() throws Exception {
        createTopic("seek", 1);
        TopicPartition tp = new TopicPartition("seek", 0);
        long t0 = System.currentTimeMillis() - 100_000;
        try (FjordProducer<String, String> p = new FjordProducer<>(producerConfig("1", "none"),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>("seek", 0, t0 + i * 1000L, null, "v" + i, List.of()));
            p.flush();
        }
        try (FjordConsumer<String, String> c = consumer()) {
            c.assign(List.of(tp));
            assertThat(c.endOffsets(List.of(tp), Duration.ofSeconds(10))).containsEntry(tp, 10L);
            Map<TopicPartition, OffsetAndTimestamp> found = c.offsetsForTimes(Map.of(tp, t0 + 4500), Duration.ofSeconds(10));
            assertThat(found.get(tp).offset()).isEqualTo(5);
            c.seek(tp, 7);
            assertThat(c.position(tp)).isEqualTo(7);
            List<String> vals = new ArrayList<>();
            Awaitility.await().atMost(Duration.ofSeconds(20)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> {
                c.poll(Duration.ofMillis(100)).forEach(r -> vals.add(r.value()));
                return vals.size() >= 3;
            });
            assertThat(vals).containsExactly("v7", "v8", "v9");
            c.seekToEnd(List.of(tp));
            assertThat(c.position(tp)).isEqualTo(10);
        }
        try (KafkaConsumer<String, String> kc = Clients.consumer(broker.bootstrap())) {
            var ktp = new org.apache.kafka.common.TopicPartition("seek", 0);
            assertThat(kc.offsetsForTimes(Map.of(ktp, t0 + 4500)).get(ktp).offset()).isEqualTo(5);
        }
    }

    @Test
    void adminDescribesClusterAndTopicsAndConfigs() {
        try (FjordAdmin admin = new FjordAdmin(Map.of("bootstrap.servers", broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("adm", 2, (short) 1, Map.of("segment.bytes", "1048576"))));
            assertThat(admin.listTopics(false)).contains("adm");
            var d = admin.describeTopics(List.of("adm")).get("adm");
            assertThat(d.partitions()).hasSize(2);
            assertThat(d.topicId()).isNotNull();
            var cluster = admin.describeCluster();
            assertThat(cluster.nodes()).hasSize(1);
            var cfg = admin.describeConfigs(List.of(new io.fjord.client.admin.ConfigResource(
                    io.fjord.client.admin.ConfigResource.Type.TOPIC, "adm")));
            assertThat(cfg.values().iterator().next()).anySatisfy(e -> {
                assertThat(e.name()).isEqualTo("segment.bytes");
                assertThat(e.value()).isEqualTo("1048576");
            });
            admin.deleteTopics(List.of("adm"));
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !admin.listTopics(false).contains("adm"));
        }
    }

    @Test
    void adminGrowsTopicsDeletesRecordsAndEditsGroupOffsets() throws Exception {
        try (FjordAdmin admin = new FjordAdmin(Map.of("bootstrap.servers", broker.bootstrap()));
             FjordProducer<String, String> p = new FjordProducer<>(producerConfig("all", "none"), new StringSerializer(),
                     new StringSerializer())) {
            admin.createTopics(List.of(new NewTopic("ops", 1, (short) 1)));
            admin.createPartitions(Map.of("ops", 3));
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> admin.describeTopics(List.of("ops")).get("ops").partitions().size() == 3);

            TopicPartition p0 = new TopicPartition("ops", 0);
            for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>("ops", 0, "k", "v" + i));
            p.flush();
            assertThat(p.metrics().get("record-send-total")).isEqualTo(10);
            assertThat(admin.deleteRecords(Map.of(p0, 4L))).containsEntry(p0, 4L);
            assertThat(admin.listOffsets(Map.of(p0, io.fjord.client.admin.OffsetSpec.earliest())).get(p0).offset()).isEqualTo(4);
            assertThat(readAll("ops", 1, 6)).extracting(ConsumerRecord::value).startsWith("v4");

            TopicPartition p1 = new TopicPartition("ops", 1);
            admin.alterConsumerGroupOffsets("ops-g", Map.of(p0, new io.fjord.client.consumer.OffsetAndMetadata(7, "reset"),
                    p1, new io.fjord.client.consumer.OffsetAndMetadata(0)));
            assertThat(admin.listGroupOffsets("ops-g")).containsEntry(p0, new io.fjord.client.consumer.OffsetAndMetadata(7, "reset"))
                    .containsKey(p1);
            admin.deleteConsumerGroupOffsets("ops-g", java.util.Set.of(p1));
            assertThat(admin.listGroupOffsets("ops-g")).containsOnlyKeys(p0);
        }
    }
}
