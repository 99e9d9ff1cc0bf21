package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.broker.quota.ClientQuotaManager;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 check 3: a kafka-clients producer under {@code producer_byte_rate} is held to it (the broker answers
 * with ThrottleTimeMs and mutes the connection; the client backs off) while an unlimited producer on the same broker
 * is not. The default run is short and checks that the quota throttles at all; the minute-long 1 MB/s run that
 * checks "within 10 %" runs with {@code -Pfault-long} (which sets {@code fjord.quota.seconds=60}).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ClientQuotaTest {
    private static final int RECORD = 10_000;

    private static KafkaProducer<String, String> producer(String bootstrap, String clientId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "65536");
        // A small buffer: what is still buffered at the end is sent (throttled) after the measurement.
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(256 * 1024));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "60000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "120000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /** What one producer got acknowledged during the run: all of it, and what was sent after the warm-up. */
    private record Run(long totalBytes, long steadyBytes, double maxThrottleMs) {
    }

    /** Produces as fast as the client lets it for {@code seconds}; counts value bytes acknowledged. */
    private static Run produce(String bootstrap, String clientId, String topic, int warmupSeconds, int seconds) throws Exception {
        String value = "x".repeat(RECORD);
        AtomicLong acked = new AtomicLong();
        AtomicLong ackedAfterWarmup = new AtomicLong();
        long start = System.nanoTime();
        long warm = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
        long end = warm + TimeUnit.SECONDS.toNanos(seconds);
        try (KafkaProducer<String, String> p = producer(bootstrap, clientId)) {
            while (System.nanoTime() < end) {
                long sentAt = System.nanoTime();
                p.send(new ProducerRecord<>(topic, value), (md, e) -> {
                    if (e != null) return;
                    long now = System.nanoTime();
                    if (now <= end) acked.addAndGet(RECORD);
                    if (sentAt >= warm && now <= end) ackedAfterWarmup.addAndGet(RECORD);
                });
            }
            p.flush();
            double maxThrottle = 0;
            for (java.util.Map.Entry<org.apache.kafka.common.MetricName, ? extends Metric> m : p.metrics().entrySet()) {
                if (m.getKey().name().equals("produce-throttle-time-max") && m.getKey().group().equals("producer-metrics")) {
                    Object v = m.getValue().metricValue();
                    if (v instanceof Double d && !d.isNaN()) maxThrottle = Math.max(maxThrottle, d);
                }
            }
            return new Run(acked.get(), ackedAfterWarmup.get(), maxThrottle);
        }
    }

    private static double maxThrottleMs(KafkaProducer<String, String> p) {
        double max = 0;
        for (java.util.Map.Entry<org.apache.kafka.common.MetricName, ? extends Metric> m : p.metrics().entrySet()) {
            if (m.getKey().name().equals("produce-throttle-time-max") && m.getKey().group().equals("producer-metrics")) {
                Object v = m.getValue().metricValue();
                if (v instanceof Double d && !d.isNaN()) max = Math.max(max, d);
            }
        }
        return max;
    }

    /** What {@code kafka-configs.sh --alter --entity-type <type> --entity-name <name> --add-config key=value} sends. */
    private static void setQuota(String bootstrap, String type, String name, String key, Double value) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = Clients.admin(bootstrap)) {
            java.util.Map<String, String> entity = new java.util.HashMap<>();
            entity.put(type, name);
            admin.alterClientQuotas(java.util.List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration(
                    new org.apache.kafka.common.quota.ClientQuotaEntity(entity),
                    java.util.List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration.Op(key, value)))))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void quotasAreSetAndDescribedThroughKafkaClientsAdmin(@TempDir Path dir) throws Exception {
        try (TestBroker broker = new TestBroker(dir).start()) {
            String user = org.apache.kafka.common.quota.ClientQuotaEntity.USER;
            String client = org.apache.kafka.common.quota.ClientQuotaEntity.CLIENT_ID;
            setQuota(broker.bootstrap(), user, "alice", ClientQuotaManager.PRODUCER_BYTE_RATE, 1_048_576.0);
            setQuota(broker.bootstrap(), user, null, ClientQuotaManager.CONSUMER_BYTE_RATE, 2_000_000.0); // <default>
            setQuota(broker.bootstrap(), client, "app", ClientQuotaManager.REQUEST_PERCENTAGE, 50.0);
            assertThat(broker.broker().clientQuotas().quota(ClientQuotaManager.PRODUCER_BYTE_RATE, "alice", "x")).isEqualTo(1_048_576.0);
            assertThat(broker.broker().clientQuotas().quota(ClientQuotaManager.CONSUMER_BYTE_RATE, "bob", "x")).isEqualTo(2_000_000.0);
            try (org.apache.kafka.clients.admin.Admin admin = Clients.admin(broker.bootstrap())) {
                var all = admin.describeClientQuotas(org.apache.kafka.common.quota.ClientQuotaFilter.all()).entities().get(30, TimeUnit.SECONDS);
                assertThat(all).hasSize(3);
                var users = admin.describeClientQuotas(org.apache.kafka.common.quota.ClientQuotaFilter.containsOnly(java.util.List.of(
                        org.apache.kafka.common.quota.ClientQuotaFilterComponent.ofEntityType(user)))).entities().get(30, TimeUnit.SECONDS);
                assertThat(users).hasSize(2);
                var alice = admin.describeClientQuotas(org.apache.kafka.common.quota.ClientQuotaFilter.contains(java.util.List.of(
                        org.apache.kafka.common.quota.ClientQuotaFilterComponent.ofEntity(user, "alice")))).entities().get(30, TimeUnit.SECONDS);
                assertThat(alice.values()).containsExactly(java.util.Map.of(ClientQuotaManager.PRODUCER_BYTE_RATE, 1_048_576.0));
                var defaults = admin.describeClientQuotas(org.apache.kafka.common.quota.ClientQuotaFilter.contains(java.util.List.of(
                        org.apache.kafka.common.quota.ClientQuotaFilterComponent.ofDefaultEntity(user)))).entities().get(30, TimeUnit.SECONDS);
                assertThat(defaults.keySet()).extracting(e -> e.entries().get(user)).containsExactly((String) null);
                // An unknown key is refused with Kafka's InvalidRequestException; nothing changes.
                var bad = admin.alterClientQuotas(java.util.List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration(
                        new org.apache.kafka.common.quota.ClientQuotaEntity(java.util.Map.of(user, "alice")),
                        java.util.List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration.Op("bytes_please", 1.0))))).all();
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> bad.get(30, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidRequestException.class);
            }
            // Removing a quota (a null value) takes it away.
            setQuota(broker.bootstrap(), user, "alice", ClientQuotaManager.PRODUCER_BYTE_RATE, null);
            assertThat(broker.broker().clientQuotas().quota(ClientQuotaManager.PRODUCER_BYTE_RATE, "alice", "x")).isNull();
        }
    }

    /**
     * Quotas live in the metadata log: set through one node with Kafka's own {@code kafka-configs.sh} (ConfigCommand),
     * every node enforces and describes them from its image
     * (a producer to a partition led by another node is throttled), a restarted node still has them, and a removal
     * reaches every node.
     */
    @Test
    void quotasLiveInTheMetadataLogOfAThreeNodeCluster(@TempDir Path dir) throws Exception {
        String client = org.apache.kafka.common.quota.ClientQuotaEntity.CLIENT_ID;
        // Short windows, so a burst is over the quota within a second.
        try (TestCluster cluster = new TestCluster(dir, 3, java.util.Map.of("quota.window.num", "3", "quota.window.size.seconds", "1")).start()) {
            String viaNodeOne = cluster.node(1).bootstrap();
            // kafka-configs.sh --bootstrap-server <node 1> --alter --entity-type clients --entity-name limited ...
            KafkaTool.Result alter = KafkaTool.run(dir.resolve("tool"), "org.apache.kafka.tools.ConfigCommand", java.time.Duration.ofSeconds(90),
                    java.util.List.of("--bootstrap-server", viaNodeOne, "--alter", "--entity-type", "clients", "--entity-name", "limited",
                            "--add-config", "producer_byte_rate=50000"));
            assertThat(alter.exitCode()).as(alter.output()).isZero();
            setQuota(viaNodeOne, org.apache.kafka.common.quota.ClientQuotaEntity.USER, null, ClientQuotaManager.REQUEST_PERCENTAGE, 200.0);
            org.awaitility.Awaitility.await("every node has the quota").atMost(java.time.Duration.ofSeconds(30)).until(() -> {
                for (int id = 1; id <= 3; id++) {
                    if (!Double.valueOf(50_000.0).equals(cluster.node(id).broker().clientQuotas()
                            .quota(ClientQuotaManager.PRODUCER_BYTE_RATE, "ANONYMOUS", "limited"))) return false;
                }
                return true;
            });
            // A partition led by node 3: its producer is throttled there.
            try (org.apache.kafka.clients.admin.Admin admin = Clients.admin(cluster.node(3).bootstrap())) {
                admin.createTopics(java.util.List.of(new org.apache.kafka.clients.admin.NewTopic("q3",
                        java.util.Map.of(0, java.util.List.of(3, 1, 2))))).all().get(30, TimeUnit.SECONDS);
                var described = admin.describeClientQuotas(org.apache.kafka.common.quota.ClientQuotaFilter.all()).entities()
                        .get(30, TimeUnit.SECONDS);
                assertThat(described).hasSize(2);
                assertThat(described.get(new org.apache.kafka.common.quota.ClientQuotaEntity(java.util.Map.of(client, "limited"))))
                        .isEqualTo(java.util.Map.of(ClientQuotaManager.PRODUCER_BYTE_RATE, 50_000.0));
            }
            cluster.awaitTopicEverywhere("q3");
            KafkaTool.Result describe = KafkaTool.run(dir.resolve("tool"), "org.apache.kafka.tools.ConfigCommand", java.time.Duration.ofSeconds(90),
                    java.util.List.of("--bootstrap-server", cluster.node(3).bootstrap(), "--describe", "--entity-type", "clients",
                            "--entity-name", "limited"));
            assertThat(describe.exitCode()).as(describe.output()).isZero();
            assertThat(describe.output()).contains("producer_byte_rate=50000.0");
            try (KafkaProducer<String, String> p = producer(cluster.bootstrap(), "limited")) {
                String value = "x".repeat(RECORD);
                long started = System.nanoTime();
                org.awaitility.Awaitility.await("node 3 throttles the limited producer").atMost(java.time.Duration.ofSeconds(60))
                        .pollDelay(java.time.Duration.ZERO).until(() -> {
                            p.send(new ProducerRecord<>("q3", value));
                            return maxThrottleMs(p) > 0;
                        });
                System.out.printf("[ClientQuotaTest] 3 nodes: quota set via node 1, producer throttled by node 3 after %d ms (%.0f ms)%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), maxThrottleMs(p));
                p.close(java.time.Duration.ZERO); // what is still buffered would only wait out the throttle
            }
            // A restarted node replays the quota from the metadata log.
            cluster.restart(2);
            cluster.awaitEveryNodeSeesAllBrokers();
            org.awaitility.Awaitility.await("node 2 has the quota after its restart").atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> Double.valueOf(50_000.0).equals(cluster.node(2).broker().clientQuotas()
                            .quota(ClientQuotaManager.PRODUCER_BYTE_RATE, "ANONYMOUS", "limited")));
            assertThat(cluster.node(2).broker().clientQuotas().quota(ClientQuotaManager.REQUEST_PERCENTAGE, "anyone", "x")).isEqualTo(200.0);
            // Removed through node 2: gone everywhere.
            setQuota(cluster.node(2).bootstrap(), client, "limited", ClientQuotaManager.PRODUCER_BYTE_RATE, null);
            org.awaitility.Awaitility.await("the removal reaches every node").atMost(java.time.Duration.ofSeconds(30)).until(() -> {
                for (int id = 1; id <= 3; id++) {
                    if (cluster.node(id).broker().clientQuotas().quota(ClientQuotaManager.PRODUCER_BYTE_RATE, "ANONYMOUS", "limited") != null) {
                        return false;
                    }
                }
                return true;
            });
        }
    }

    @Test
    void aProducerOverItsQuotaIsThrottledAndAnotherIsNot(@TempDir Path dir) throws Exception {
        try (TestBroker broker = new TestBroker(dir).start()) {
            double quota = 200_000; // bytes per second
            setQuota(broker.bootstrap(), org.apache.kafka.common.quota.ClientQuotaEntity.CLIENT_ID, "limited", ClientQuotaManager.PRODUCER_BYTE_RATE, quota);
            Clients.createTopic(broker.bootstrap(), "quota", 1);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                var limited = pool.submit(() -> produce(broker.bootstrap(), "limited", "quota", 0, 10));
                var free = pool.submit(() -> produce(broker.bootstrap(), "free", "quota", 0, 10));
                Run l = limited.get(3, TimeUnit.MINUTES);
                Run f = free.get(3, TimeUnit.MINUTES);
                System.out.printf("[ClientQuotaTest] 10 s: limited %d bytes (quota %.0f B/s), free %d bytes, limited max throttle %.0f ms%n",
                        l.totalBytes(), quota, f.totalBytes(), l.maxThrottleMs());
                // Over ~10 s a 200 kB/s budget is ~2 MB (plus what was buffered when the quota was first reached).
                assertThat(l.totalBytes()).isLessThan((long) (quota * 10 * 1.5));
                assertThat(l.totalBytes()).isGreaterThan((long) (quota * 2));
                assertThat(l.maxThrottleMs()).as("kafka-clients saw ThrottleTimeMs").isPositive();
                assertThat(f.maxThrottleMs()).isZero();
                assertThat(f.totalBytes()).isGreaterThan(l.totalBytes() * 2);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aProducerLimitedToOneMegabyteASecondIsHeldToItOverAMinute(@TempDir Path dir) throws Exception {
        int seconds = Integer.getInteger("fjord.quota.seconds", 0);
        Assumptions.assumeTrue(seconds > 0, "the minute-long run is behind -Pfault-long");
        try (TestBroker broker = new TestBroker(dir).start()) {
            double quota = 1_000_000;
            setQuota(broker.bootstrap(), org.apache.kafka.common.quota.ClientQuotaEntity.CLIENT_ID, "limited", ClientQuotaManager.PRODUCER_BYTE_RATE, quota);
            Clients.createTopic(broker.bootstrap(), "quota", 1);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                // The first window absorbs a burst (the rate is read over at least 10 s); measure after it.
                var limited = pool.submit(() -> produce(broker.bootstrap(), "limited", "quota", 15, seconds));
                var free = pool.submit(() -> produce(broker.bootstrap(), "free", "quota", 15, seconds));
                Run l = limited.get(5, TimeUnit.MINUTES);
                Run f = free.get(5, TimeUnit.MINUTES);
                double rate = l.steadyBytes() / (double) seconds;
                System.out.printf("[ClientQuotaTest] %d s: limited %.0f B/s against %.0f (%.1f %%), free %.0f B/s%n",
                        seconds, rate, quota, (rate / quota - 1) * 100, f.steadyBytes() / (double) seconds);
                assertThat(rate).isBetween(quota * 0.9, quota * 1.1);
                assertThat(f.steadyBytes() / (double) seconds).isGreaterThan(quota * 2);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
