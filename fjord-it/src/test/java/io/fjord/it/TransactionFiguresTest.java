package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.broker.FjordBroker;
import io.fjord.broker.config.BrokerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Figures, not a check of speed: transactional (1,000 records of 100 B per transaction) against idempotent
 * throughput with kafka-clients, and commit latency p50/p99, on Fjord and (with {@code -Dfjord.kafka.compat=true}
 * and the {@code kafka-compat} profile) on Apache Kafka 4.4 in the same run. Run with {@code -Dfjord.figures=true}.
 */
@EnabledIfSystemProperty(named = "fjord.figures", matches = "true")
class TransactionFiguresTest {
    static final int TXNS = 60;
    static final int PER_TXN = 1000;
    @TempDir
    Path dir;

    @Test
    void figures() throws Exception {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("listeners", "PLAINTEXT://127.0.0.1:0");
        s.put("fjord.console.listener", "none"); // no fixed port in a test
        s.put("log.dirs", dir.resolve("fjord").toString());
        s.put("offsets.topic.replication.factor", "1");
        s.put("transaction.state.log.replication.factor", "1");
        s.put("transaction.state.log.min.isr", "1");
        s.put("fjord.console.listener", "http://127.0.0.1:0"); // not the shared default port 8080
        try (FjordBroker b = new FjordBroker(BrokerConfig.of(s)).start()) {
            report("Fjord", "127.0.0.1:" + b.port());
        }
        if (Boolean.getBoolean("fjord.kafka.compat")) {
            Process kafka = null;
            try {
                int port = Clients.freePort();
                kafka = startKafka(port);
                report("Kafka 4.4", "127.0.0.1:" + port);
            } finally {
                if (kafka != null) {
                    kafka.destroyForcibly();
                    kafka.waitFor(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    private void report(String name, String bootstrap) throws Exception {
        try (Admin admin = Clients.admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic("fig", 3, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        byte[] value = new byte[100];
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        double idempotent;
        try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(p)) {
            for (int i = 0; i < PER_TXN * 5; i++) prod.send(new ProducerRecord<>("fig", value)); // warm-up
            prod.flush();
            long t0 = System.nanoTime();
            for (int i = 0; i < TXNS * PER_TXN; i++) prod.send(new ProducerRecord<>("fig", value));
            prod.flush();
            idempotent = TXNS * PER_TXN / ((System.nanoTime() - t0) / 1e9);
        }
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "fig-" + name.replace(' ', '-'));
        long[] commits = new long[TXNS];
        double transactional;
        try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(p)) {
            prod.initTransactions();
            for (int w = 0; w < 5; w++) { // warm-up
                prod.beginTransaction();
                for (int i = 0; i < PER_TXN; i++) prod.send(new ProducerRecord<>("fig", value));
                prod.commitTransaction();
            }
            long t0 = System.nanoTime();
            for (int t = 0; t < TXNS; t++) {
                prod.beginTransaction();
                for (int i = 0; i < PER_TXN; i++) prod.send(new ProducerRecord<>("fig", value));
                long c = System.nanoTime();
                prod.commitTransaction();
                commits[t] = System.nanoTime() - c;
            }
            transactional = TXNS * PER_TXN / ((System.nanoTime() - t0) / 1e9);
        }
        Arrays.sort(commits);
        assertThat(commits[0]).isPositive();
        System.out.printf("FIGURES %s: idempotent %.0f rec/s, transactional %.0f rec/s (%d x %d), commit p50 %.1f ms p99 %.1f ms%n",
                name, idempotent, transactional, TXNS, PER_TXN, commits[TXNS / 2] / 1e6, commits[(int) (TXNS * 0.99)] / 1e6);
    }

    private Process startKafka(int port) throws Exception {
        int controller = Clients.freePort();
        Path kdir = dir.resolve("kafka");
        Files.createDirectories(kdir);
        Path props = kdir.resolve("server.properties");
        Files.writeString(props, String.join("\n",
                "process.roles=broker,controller", "node.id=1",
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controller,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "controller.listener.names=CONTROLLER", "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + kdir.resolve("data"), "num.partitions=1", "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1", "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0", ""));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        Process format = ChildProcesses.track(new ProcessBuilder(java, "-cp", cp, "kafka.tools.StorageTool", "format",
                "--config", props.toString(), "--cluster-id", "fjordFiguresCluster0001", "--standalone")
                .redirectErrorStream(true).redirectOutput(kdir.resolve("format.log").toFile()).start());
        if (!format.waitFor(90, TimeUnit.SECONDS) || format.exitValue() != 0) {
            format.destroyForcibly();
            throw new IllegalStateException("kafka storage format failed: " + Files.readString(kdir.resolve("format.log")));
        }
        Process kafka = ChildProcesses.track(new ProcessBuilder(java, "-Xmx512m", "-cp", cp, "kafka.Kafka", props.toString())
                .redirectErrorStream(true).redirectOutput(kdir.resolve("kafka.log").toFile()).start());
        Awaitility.await("Kafka accepting connections").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!kafka.isAlive()) throw new IllegalStateException("Kafka exited: " + Files.readString(kdir.resolve("kafka.log")));
                    return Clients.accepts(port);
                });
        return kafka;
    }
}
