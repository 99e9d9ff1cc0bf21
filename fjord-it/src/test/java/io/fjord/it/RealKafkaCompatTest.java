package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.client.admin.AlterConfigOp;
import io.fjord.client.admin.ConfigResource;
import io.fjord.client.admin.FjordAdmin;
import io.fjord.client.admin.NewTopic;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.ConsumerRecord;
import io.fjord.client.consumer.FjordConsumer;
import io.fjord.client.producer.FjordProducer;
import io.fjord.client.producer.ProducerRecord;
import io.fjord.client.serialization.StringDeserializer;
import io.fjord.client.serialization.StringSerializer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fjord's client against a real Apache Kafka 4.4 broker (KRaft, broker and controller in one process) started as
 * a subprocess on free ports in a temp dir. Runs only with {@code -Pkafka-compat}, which puts kafka_2.13 on the
 * test classpath. Kafka serves InitProducerId, so here the idempotent producer path runs for real.
 */
class RealKafkaCompatTest {
    @TempDir
    static Path dir;
    static Process kafka;
    static String bootstrap;
    /** Kafka advertises this proxy, so every request after bootstrap passes it and Fetch requests can be read. */
    static ResponseDroppingProxy proxy;

    @BeforeAll
    static void startKafka() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("fjord.kafka.compat"), "run with -Pkafka-compat");
        int port = Clients.freePort();
        int controller = Clients.freePort();
        bootstrap = "127.0.0.1:" + port;
        proxy = new ResponseDroppingProxy().target(port);
        Path props = dir.resolve("server.properties");
        Files.writeString(props, String.join("\n",
                "process.roles=broker,controller", "node.id=1",
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controller,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + proxy.port() + ",CONTROLLER://127.0.0.1:" + controller,
                "controller.listener.names=CONTROLLER", "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"), "num.partitions=1", "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1", "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0", ""));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        Process format = new ProcessBuilder(java, "-cp", cp, "kafka.tools.StorageTool", "format", "--config", props.toString(),
                "--cluster-id", "fjordCompatCluster00001", "--standalone")
                .redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
        if (!format.waitFor(90, TimeUnit.SECONDS) || format.exitValue() != 0) {
            format.destroyForcibly();
            throw new IllegalStateException("kafka storage format failed: " + Files.readString(dir.resolve("format.log")));
        }
        kafka = new ProcessBuilder(java, "-Xmx512m", "-cp", cp, "kafka.Kafka", props.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("kafka.log").toFile()).start();
        Awaitility.await("Kafka accepting connections").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!kafka.isAlive()) throw new IllegalStateException("Kafka exited: " + Files.readString(dir.resolve("kafka.log")));
                    return Clients.accepts(port);
                });
        try (FjordAdmin admin = new FjordAdmin(Map.of("bootstrap.servers", bootstrap))) {
            Awaitility.await("Kafka serving").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> admin.describeCluster().nodes().size() == 1);
        }
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (proxy != null) proxy.close();
        if (kafka == null) return;
        kafka.destroy();
        if (!kafka.waitFor(30, TimeUnit.SECONDS)) {
            kafka.destroyForcibly();
            kafka.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static Map<String, Object> producerConfig(String acks, String codec, boolean idempotent) {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", bootstrap);
        c.put("acks", acks);
        c.put("compression.type", codec);
        c.put("enable.idempotence", String.valueOf(idempotent));
        c.put("max.block.ms", "30000");
        return c;
    }

    static List<ConsumerRecord<String, String>> read(String topic, int partitions, int n) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (FjordConsumer<String, String> c = new FjordConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
            c.assign(tps);
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                    .until(() -> {
                        c.poll(Duration.ofMillis(200)).forEach(out::add);
                        return out.size() >= n;
                    });
        }
        return out;
    }

    @Test
    void produceAndConsumeEveryAcksAndCodecIncludingIdempotent() throws Exception {
        try (FjordAdmin admin = new FjordAdmin(Map.of("bootstrap.servers", bootstrap))) {
            int t = 0;
            for (String acks : List.of("0", "1", "all")) {
                for (String codec : List.of("none", "gzip", "snappy", "lz4", "zstd")) {
                    for (boolean idem : acks.equals("all") ? List.of(false, true) : List.of(false)) {
                        String topic = "compat-" + (t++);
                        admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1)));
                        try (FjordProducer<String, String> p = new FjordProducer<>(producerConfig(acks, codec, idem),
                                new StringSerializer(), new StringSerializer())) {
                            for (int i = 0; i < 200; i++) p.send(new ProducerRecord<>(topic, "k" + (i % 7), "v" + i));
                            p.flush();
                        }
                        List<ConsumerRecord<String, String>> got = read(topic, 2, 200);
                        assertThat(got).as(topic + " acks=" + acks + " " + codec + " idempotent=" + idem).hasSize(200);
                        Map<Integer, Integer> last = new HashMap<>();
                        for (ConsumerRecord<String, String> r : got) {
                            int i = Integer.parseInt(r.value().substring(1));
                            assertThat(i).isGreaterThan(last.getOrDefault(r.partition(), -1));
                            last.put(r.partition(), i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void fjordsConsumersIncrementalFetchesCarryOnlyTheChangedPartitionOnTheWire() throws Exception {
        IncrementalFetchChecks.incrementalFetchesCarryOnlyChangedPartitions(proxy, bootstrap, "compat-sessions");
    }

    @Test
    void aTopicDeletedAndRecreatedWithTheSameNameIsToldApartById() throws Exception {
        IncrementalFetchChecks.aRecreatedTopicIsToldApartById(bootstrap, "compat-recreated");
    }

    @Test
    void fjordsConsumerOnTheConsumerGroupProtocolSharesAGroupWithKafkaClients() throws Exception {
        ConsumerProtocolChecks.fjordAndKafkaMembersShareAConsumerProtocolGroup(bootstrap, "compat-848", "compat-848-group");
    }

    @Test
    void fjordsReadCommittedConsumerSkipsTransactionsKafkaAborted() throws Exception {
        ReadCommittedChecks.readCommittedSkipsAbortedTransactions(bootstrap, "compat-read-committed");
    }

    @Test
    void fjordsTransactionalProducerCommitsAbortsCommitsOffsetsAndIsFenced() throws Exception {
        TransactionalProducerChecks.commitsAbortsOffsetsAndFencing(bootstrap, "compat-txn", "compat-txn-group");
    }

    @Test
    void kafkaConsumerReadsFjordProducedRecords() {
        try (FjordAdmin admin = new FjordAdmin(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic("compat-cross", 1, (short) 1)));
        }
        try (FjordProducer<String, String> p = new FjordProducer<>(producerConfig("all", "zstd", true),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 100; i++) p.send(new ProducerRecord<>("compat-cross", "k" + i, "v" + i));
            p.flush();
        }
        var got = Clients.readFromStart(bootstrap, List.of(new org.apache.kafka.common.TopicPartition("compat-cross", 0)), 100);
        assertThat(got).extracting(r -> r.value()).startsWith("v0", "v1", "v2");
    }

    @Test
    void adminAgainstKafka() {
        try (FjordAdmin admin = new FjordAdmin(Map.of("bootstrap.servers", bootstrap))) {
            String name = "compat-admin-" + UUID.randomUUID();
            admin.createTopics(List.of(new NewTopic(name, 3, (short) 1, Map.of("retention.ms", "3600000"))));
            assertThat(admin.listTopics(false)).contains(name);
            assertThat(admin.describeTopics(List.of(name)).get(name).partitions()).hasSize(3);
            ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, name);
            admin.incrementalAlterConfigs(Map.of(res, List.of(new AlterConfigOp("retention.ms", "7200000", AlterConfigOp.OpType.SET))));
            // Kafka applies the change through its metadata log: it shows up shortly after.
            Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(admin.describeConfigs(List.of(res)).get(res))
                    .anySatisfy(e -> assertThat(e.name() + "=" + e.value()).isEqualTo("retention.ms=7200000")));
            assertThat(admin.describeCluster().clusterId()).isNotBlank();
            admin.deleteTopics(List.of(name));
        }
    }

}
