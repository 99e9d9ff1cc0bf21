package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;

/**
 * Shared by the idempotent-producer tests of kafka-clients and of Fjord's client: a background sender of numbered
 * values, the lost-responses-then-bounce fault, and the exactly-once-in-order check of the log.
 */
final class ExactlyOnce {
    private ExactlyOnce() {
    }

    /** One send: the value to the topic (partition chosen by the producer); {@code done} gets null or the error. */
    interface Sink {
        void send(String topic, String value, Consumer<Exception> done);

        static Sink of(KafkaProducer<String, String> p) {
            return (topic, value, done) -> p.send(new ProducerRecord<>(topic, value), (md, e) -> done.accept(e));
        }

        static Sink of(io.fjord.client.producer.FjordProducer<String, String> p) {
            return (topic, value, done) -> p.send(new io.fjord.client.producer.ProducerRecord<>(topic, value),
                    (md, e) -> done.accept(e));
        }
    }

    /** A sink that owns its producer and closes it. */
    interface OwnedSink extends Sink, AutoCloseable {
        @Override
        void close();

        static OwnedSink of(Sink sink, AutoCloseable producer) {
            return new OwnedSink() {
                @Override
                public void send(String topic, String value, Consumer<Exception> done) {
                    sink.send(topic, value, done);
                }

                @Override
                public void close() {
                    try {
                        producer.close();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            };
        }
    }

    /**
     * Responses of appended batches are lost right before the node is killed with SIGKILL, then before a clean
     * restart; after each recovery the producer's retries of those batches must be recognised as duplicates, so
     * the log holds every one of {@code count} records exactly once, in order.
     */
    static void survivesLostResponsesAcrossKillAndCleanRestart(Path tmp, int count,
                                                               java.util.function.Function<String, OwnedSink> open)
            throws Exception {
        Path data = tmp.resolve("data");
        int port = Clients.freePort();
        try (ResponseDroppingProxy proxy = new ResponseDroppingProxy().target(port)) {
            List<String> settings = List.of("listeners=PLAINTEXT://127.0.0.1:" + port,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + proxy.port(), "log.dirs=" + data,
                    "log.segment.bytes=262144", "num.io.threads=2", "num.network.threads=1");
            FjordProcess node = FjordProcess.startJava(tmp, tmp.resolve("run1.out"), port, settings).awaitReady(Duration.ofSeconds(60));
            try {
                Clients.createTopic(proxy.bootstrap(), "crash", 2);
                try (OwnedSink p = open.apply(proxy.bootstrap())) {
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

    /** Sends {@code count} values "0000000".."count-1" in order from a background thread; records failures. */
    static final class Sending {
        final AtomicInteger acked = new AtomicInteger();
        final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final CompletableFuture<Void> sent;
        /** The sender stops before this many records until the test lets it go on (so a fault meets live traffic). */
        private volatile int limit;

        private Sending(Sink p, String topic, int count, int firstLimit) {
            limit = firstLimit;
            sent = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < count; i++) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
                    synchronized (this) {
                        // Woken by allowUpTo; the deadline bounds the wait if the test never lets it go on.
                        long left;
                        while (i >= limit && (left = deadline - System.nanoTime()) > 0) {
                            try {
                                TimeUnit.NANOSECONDS.timedWait(this, left);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                return;
                            }
                        }
                    }
                    p.send(topic, String.format("%07d", i), e -> {
                        if (e == null) acked.incrementAndGet();
                        else errors.add(e);
                    });
                }
            });
        }

        static Sending start(Sink p, String topic, int count) {
            return new Sending(p, topic, count, count);
        }

        /** Sends the first {@code firstLimit} records, then waits for {@link #allowUpTo}. */
        static Sending startPaused(Sink p, String topic, int count, int firstLimit) {
            return new Sending(p, topic, count, firstLimit);
        }

        synchronized void allowUpTo(int n) {
            limit = n;
            notifyAll();
        }

        void awaitAcked(int n) {
            Awaitility.await(n + " records acknowledged").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                    .failFast("a send failed", () -> !errors.isEmpty() || sent.isCompletedExceptionally())
                    .until(() -> acked.get() >= n);
        }
    }

    /**
     * Swallows produce responses once {@code moreTraffic} lets the sender go on, then kills the node with SIGKILL
     * ({@code kill}) or stops it cleanly, cuts the proxy's connections and starts the node again.
     */
    static FjordProcess loseResponsesThenBounce(ResponseDroppingProxy proxy, FjordProcess node, boolean kill,
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
