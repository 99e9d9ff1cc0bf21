package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.client.admin.FjordAdmin;
import io.fjord.client.admin.NewTopic;
import io.fjord.client.producer.FjordProducer;
import io.fjord.client.producer.ProducerRecord;
import io.fjord.client.serialization.StringSerializer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker goes away for a while and comes back on the same port: the producer retries; callbacks fire once. */
class ProducerFaultTest {
    @TempDir
    Path dir;

    @Test
    void retriesWhileTheLeaderIsDownAndEveryCallbackFiresOnce() throws Exception {
        TestBroker broker = new TestBroker(dir).start();
        try {
            try (FjordAdmin admin = new FjordAdmin(Map.of("bootstrap.servers", broker.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic("fault", 2, (short) 1)));
            }
            Map<String, Object> c = new HashMap<>();
            c.put("bootstrap.servers", broker.bootstrap());
            c.put("enable.idempotence", "false");
            c.put("acks", "all");
            c.put("linger.ms", "5");
            c.put("request.timeout.ms", "2000");
            c.put("delivery.timeout.ms", "20000");
            c.put("retry.backoff.ms", "50");
            c.put("reconnect.backoff.ms", "20");
            c.put("reconnect.backoff.max.ms", "200");
            c.put("metadata.max.age.ms", "1000");
            Map<Integer, AtomicInteger> calls = new ConcurrentHashMap<>();
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            int n = 600;
            FjordProducer<String, String> p = new FjordProducer<>(c, new StringSerializer(), new StringSerializer());
            try {
                for (int i = 0; i < n; i++) {
                    if (i == 200) {
                        p.flush();
                        long closesBefore = p.metrics().get("connection-close-total");
                        int port = broker.stop();
                        // Records sent now wait in the accumulator and are retried once the node is back.
                        for (int j = 0; j < 200; j++, i++) send(p, i, calls, ok, failed);
                        // The outage lasts until the producer has seen its connection go and failed to reconnect.
                        Awaitility.await().atMost(Duration.ofSeconds(60))
                                .until(() -> p.metrics().get("connection-close-total") >= closesBefore + 3);
                        broker.startAgainOn(port);
                    }
                    send(p, i, calls, ok, failed);
                }
                p.flush();
            } finally {
                closeWithin(p, Duration.ofSeconds(10));
            }
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ok.get() + failed.get() >= n);
            assertThat(calls).hasSize(n);
            calls.forEach((i, count) -> assertThat(count.get()).as("callbacks of record %d", i).isEqualTo(1));
            assertThat(ok.get()).isEqualTo(n); // the outage was well inside delivery.timeout.ms
            assertThat(Clients.readFromStart(broker.bootstrap(), List.of(new org.apache.kafka.common.TopicPartition("fault", 0),
                    new org.apache.kafka.common.TopicPartition("fault", 1)), n)).hasSizeGreaterThanOrEqualTo(n);
        } finally {
            broker.close();
        }
    }

    private static void send(FjordProducer<String, String> p, int i, Map<Integer, AtomicInteger> calls, AtomicInteger ok,
                             AtomicInteger failed) {
        p.send(new ProducerRecord<>("fault", "k" + i, "v" + i), (md, e) -> {
            calls.computeIfAbsent(i, k -> new AtomicInteger()).incrementAndGet();
            if (e == null) ok.incrementAndGet();
            else failed.incrementAndGet();
        });
    }

    @Test
    void closeNeverHangsWhenTheBrokerIsGone() throws Exception {
        TestBroker broker = new TestBroker(dir).start();
        String bootstrap = broker.bootstrap();
        try (FjordAdmin admin = new FjordAdmin(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic("gone", 1, (short) 1)));
        }
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", bootstrap);
        c.put("enable.idempotence", "false");
        c.put("request.timeout.ms", "1000");
        c.put("delivery.timeout.ms", "60000");
        AtomicInteger callbacks = new AtomicInteger();
        FjordProducer<String, String> p = new FjordProducer<>(c, new StringSerializer(), new StringSerializer());
        p.send(new ProducerRecord<>("gone", "warm-up")).get();
        broker.close();
        for (int i = 0; i < 50; i++) p.send(new ProducerRecord<>("gone", "v" + i), (md, e) -> callbacks.incrementAndGet());
        closeWithin(p, Duration.ofMillis(500));
        assertThat(callbacks.get()).isEqualTo(50); // each failed, exactly once
        assertThat(p.metrics().get("record-error-total")).isEqualTo(50);
    }

    /**
     * Closes on another thread and waits for it with a generous bound: a hang fails the test, how long a healthy
     * close takes is not asserted.
     */
    private static void closeWithin(FjordProducer<String, String> p, Duration timeout) {
        java.util.concurrent.CompletableFuture<Void> closing = java.util.concurrent.CompletableFuture.runAsync(() -> p.close(timeout));
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(closing::isDone);
        closing.join();
    }
}
