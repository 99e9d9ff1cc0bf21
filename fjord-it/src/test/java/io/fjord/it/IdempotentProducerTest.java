package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The idempotent producer end to end: kafka-clients and Kafka's own tools with default settings, and exactly-once
 * appends while a proxy loses produce responses and the broker is restarted or killed.
 */
class IdempotentProducerTest {

    /** kafka-clients' defaults (idempotence on, acks=all, 5 in flight) plus bounded timeouts. */
    static KafkaProducer<String, String> defaultProducer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    @Test
    void defaultProducerConsoleProducerAndProducerPerformanceWork(@TempDir Path tmp) throws Exception {
        try (TestBroker b = new TestBroker(tmp.resolve("data")).start()) {
            Clients.createTopic(b.bootstrap(), "defaults", 2);
            try (KafkaProducer<String, String> p = defaultProducer(b.bootstrap())) {
                List<CompletableFuture<Void>> acks = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    CompletableFuture<Void> f = new CompletableFuture<>();
                    p.send(new ProducerRecord<>("defaults", "k" + i, "v" + i),
                            (md, e) -> { if (e == null) f.complete(null); else f.completeExceptionally(e); });
                    acks.add(f);
                }
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            }
            assertThat(Clients.readFromStart(b.bootstrap(),
                    List.of(new TopicPartition("defaults", 0), new TopicPartition("defaults", 1)), 1000)).hasSize(1000);

            Clients.createTopic(b.bootstrap(), "console", 1);
            String lines = IntStream.range(0, 100).mapToObj(i -> "line-" + i + "\n").reduce("", String::concat);
            Tool console = Tool.run(tmp, "org.apache.kafka.tools.ConsoleProducer", lines,
                    "--bootstrap-server", b.bootstrap(), "--topic", "console");
            assertThat(console.exit).as(console.output).isZero();
            List<ConsumerRecord<String, String>> read =
                    Clients.readFromStart(b.bootstrap(), List.of(new TopicPartition("console", 0)), 100);
            assertThat(read).extracting(ConsumerRecord::value).containsExactlyElementsOf(
                    IntStream.range(0, 100).mapToObj(i -> "line-" + i).toList());

            Tool perf = Tool.run(tmp, "org.apache.kafka.tools.ProducerPerformance", "", "--topic", "perf",
                    "--num-records", "20000", "--record-size", "100", "--throughput", "-1",
                    "--producer-props", "bootstrap.servers=" + b.bootstrap());
            assertThat(perf.exit).as(perf.output).isZero();
            assertThat(perf.output).contains("20000 records sent").doesNotContain("Exception");
        }
    }

    /** A Kafka tool run as a child process with this JVM's class path. */
    record Tool(int exit, String output) {
        static Tool run(Path dir, String mainClass, String stdin, String... args) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), mainClass));
            cmd.addAll(List.of(args));
            Path out = Files.createTempFile(dir, "tool", ".out");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
                if (!p.waitFor(90, TimeUnit.SECONDS)) throw new AssertionError(mainClass + " did not finish: " + Files.readString(out));
                return new Tool(p.exitValue(), Files.readString(out));
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void lostProduceResponsesAreRetriedWithoutDuplicates(@TempDir Path tmp) throws Exception {
        int count = 100_000;
        try (ResponseDroppingProxy proxy = new ResponseDroppingProxy();
             TestBroker b = new TestBroker(tmp.resolve("data"),
                     Map.of("advertised.listeners", "PLAINTEXT://127.0.0.1:" + proxy.port())).start()) {
            proxy.target(b.port());
            Clients.createTopic(proxy.bootstrap(), "dups", 3);
            proxy.dropEveryNthProduceResponse(7, 25);
            try (KafkaProducer<String, String> p = defaultProducer(proxy.bootstrap())) {
                Sending s = Sending.start(p, "dups", count);
                s.awaitAcked(count);
            }
            assertThat(proxy.dropped.get()).as("responses lost").isGreaterThanOrEqualTo(3);
            assertExactlyOnceInOrder(proxy.bootstrap(), "dups", 3, count);
        }
    }

    /**
     * Responses of appended batches are lost right before the node is killed with SIGKILL (then before a clean
     * restart); after recovery the client's retries of those batches must be recognised as duplicates.
     */
    @Test
    void retriesAfterKillMinus9AndAfterACleanRestartAreStillDuplicates(@TempDir Path tmp) throws Exception {
        int count = 60_000;
        Path data = tmp.resolve("data");
        int port = Clients.freePort();
        try (ResponseDroppingProxy proxy = new ResponseDroppingProxy().target(port)) {
            List<String> settings = List.of("listeners=PLAINTEXT://127.0.0.1:" + port,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + proxy.port(), "log.dirs=" + data,
                    "log.segment.bytes=262144", "num.io.threads=2", "num.network.threads=1");
            FjordProcess node = FjordProcess.startJava(tmp, tmp.resolve("run1.out"), port, settings).awaitReady(Duration.ofSeconds(60));
            try {
                Clients.createTopic(proxy.bootstrap(), "crash", 2);
                try (KafkaProducer<String, String> p = defaultProducer(proxy.bootstrap())) {
                    Sending s = Sending.startPaused(p, "crash", count, count / 3);
                    s.awaitAcked(count / 3);
                    node = loseResponsesThenBounce(proxy, node, true, tmp.resolve("run2.out"), port, settings,
                            () -> s.allowUpTo(2 * count / 3));
                    s.awaitAcked(2 * count / 3);
                    node = loseResponsesThenBounce(proxy, node, false, tmp.resolve("run3.out"), port, settings,
                            () -> s.allowUpTo(count));
                    s.awaitAcked(count);
                }
                assertExactlyOnceInOrder(proxy.bootstrap(), "crash", 2, count);
            } finally {
                node.close();
            }
        }
    }

    private static FjordProcess loseResponsesThenBounce(ResponseDroppingProxy proxy, FjordProcess node, boolean kill,
                                                        Path output, int port, List<String> settings,
                                                        Runnable moreTraffic) throws Exception {
        int before = proxy.swallowedProduceResponses.get();
        proxy.swallowResponses(true);
        moreTraffic.run(); // the sender was paused: the next batches meet the lost responses
        Awaitility.await("produce responses swallowed").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                .until(() -> proxy.swallowedProduceResponses.get() >= before + 3);
        if (kill) {
            node.kill9();
        } else {
            node.process.destroy(); // SIGTERM: clean shutdown writes the producer snapshots
            assertThat(node.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        proxy.closeConnections();
        proxy.swallowResponses(false);
        return FjordProcess.startJava(output.getParent(), output, port, settings).awaitReady(Duration.ofSeconds(60));
    }

    /** Sends {@code count} values "0000000".."count-1" in order from a background thread; records failures. */
    static final class Sending {
        final AtomicInteger acked = new AtomicInteger();
        final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final CompletableFuture<Void> sent;
        /** The sender stops before this many records until the test lets it go on (so a fault meets live traffic). */
        private volatile int limit;

        private Sending(KafkaProducer<String, String> p, String topic, int count, int firstLimit) {
            limit = firstLimit;
            sent = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < count; i++) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
                    while (i >= limit && System.nanoTime() < deadline) {
                        try {
                            Thread.sleep(1);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                    p.send(new ProducerRecord<>(topic, String.format("%07d", i)), (md, e) -> {
                        if (e == null) acked.incrementAndGet();
                        else errors.add(e);
                    });
                }
            });
        }

        static Sending start(KafkaProducer<String, String> p, String topic, int count) {
            return new Sending(p, topic, count, count);
        }

        /** Sends the first {@code firstLimit} records, then waits for {@link #allowUpTo}. */
        static Sending startPaused(KafkaProducer<String, String> p, String topic, int count, int firstLimit) {
            return new Sending(p, topic, count, firstLimit);
        }

        void allowUpTo(int n) {
            limit = n;
        }

        void awaitAcked(int n) {
            Awaitility.await(n + " records acknowledged").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                    .failFast("a send failed", () -> !errors.isEmpty() || sent.isCompletedExceptionally())
                    .until(() -> acked.get() >= n);
        }
    }

    /** Every value 0..count-1 exactly once, in send order within each partition, and nothing more in the log. */
    static void assertExactlyOnceInOrder(String bootstrap, String topic, int partitions, int count) {
        List<TopicPartition> tps = IntStream.range(0, partitions).mapToObj(i -> new TopicPartition(topic, i)).toList();
        List<ConsumerRecord<String, String>> read = Clients.readFromStart(bootstrap, tps, count);
        try (KafkaConsumer<String, String> c = Clients.consumer(bootstrap)) {
            long total = c.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum();
            assertThat(total).as("records in the log").isEqualTo(count);
        }
        assertThat(read).hasSize(count);
        Map<Integer, Integer> last = new HashMap<>();
        boolean[] seen = new boolean[count];
        for (ConsumerRecord<String, String> r : read) {
            int v = Integer.parseInt(r.value());
            assertThat(seen[v]).as("value %d seen twice", v).isFalse();
            seen[v] = true;
            Integer prev = last.put(r.partition(), v);
            if (prev != null) assertThat(v).as("order in partition %d", r.partition()).isGreaterThan(prev);
        }
    }
}
