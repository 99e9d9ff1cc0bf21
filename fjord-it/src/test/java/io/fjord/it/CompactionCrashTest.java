package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Fjord process is killed with SIGKILL while its cleaner rewrites a compacted log (when cleaning output is on
 * disk), three times; after each restart every key still reads its latest acknowledged value.
 */
class CompactionCrashTest {
    private static final String TOPIC = "compacted-crash";

    @Test
    void killingTheProcessDuringCleaningNeverLosesALiveKey(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        int port = Clients.freePort();
        List<String> settings = List.of("listeners=PLAINTEXT://127.0.0.1:" + port, "log.dirs=" + data,
                "log.cleaner.backoff.ms=10", "num.io.threads=2", "num.network.threads=1",
                // Slow cleaning down (Kafka's own throttle) so that a kill lands while its output is on disk.
                "log.cleaner.io.max.bytes.per.second=150000");
        Map<String, String> latest = new HashMap<>();
        Random rnd = new Random(5);
        FjordProcess node = FjordProcess.startJava(tmp, tmp.resolve("run0.out"), port, settings).awaitReady(Duration.ofSeconds(60));
        try {
            String bootstrap = "127.0.0.1:" + port;
            try (Admin admin = Clients.admin(bootstrap)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                        "segment.bytes", "16384", "min.cleanable.dirty.ratio", "0.01")))).all().get(60, TimeUnit.SECONDS);
            }
            Path partitionDir = data.resolve(TOPIC + "-0");
            int kills = 0;
            for (int round = 0; round < 3; round++) {
                produce(bootstrap, latest, rnd, 4_000);
                boolean caught = waitForCleaningOutput(partitionDir, Duration.ofSeconds(20));
                node.kill9();
                if (caught) kills++;
                node = FjordProcess.startJava(tmp, tmp.resolve("run" + (round + 1) + ".out"), port, settings)
                        .awaitReady(Duration.ofSeconds(60));
                assertEveryKeyHasItsLatestValue(bootstrap, latest);
            }
            assertThat(kills).as("kills that landed while cleaning output was on disk").isGreaterThanOrEqualTo(1);
        } finally {
            node.close();
        }
    }

    private static void produce(String bootstrap, Map<String, String> latest, Random rnd, int count) throws Exception {
        try (KafkaProducer<String, String> p = Clients.producer(bootstrap)) {
            List<java.util.concurrent.Future<?>> acks = new java.util.ArrayList<>();
            for (int i = 0; i < count; i++) {
                String key = "key-" + rnd.nextInt(300);
                String value = "value-" + rnd.nextLong() + "-" + "x".repeat(rnd.nextInt(80));
                acks.add(p.send(new ProducerRecord<>(TOPIC, 0, key, value)));
                latest.put(key, value);
            }
            p.flush();
            for (java.util.concurrent.Future<?> f : acks) f.get(60, TimeUnit.SECONDS); // every record acknowledged
        }
    }

    /** True once a .cleaned or .swap file exists, i.e. the cleaner is between writing and swapping. */
    private static boolean waitForCleaningOutput(Path dir, Duration atMost) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            try (Stream<Path> files = Files.list(dir)) {
                if (files.anyMatch(f -> f.toString().endsWith(".cleaned") || f.toString().endsWith(".swap"))) return true;
            } catch (java.nio.file.NoSuchFileException e) {
                // a file vanished while listing: look again
            }
            Thread.onSpinWait();
        }
        return false;
    }

    private static void assertEveryKeyHasItsLatestValue(String bootstrap, Map<String, String> latest) {
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        Map<String, String> seen = new HashMap<>();
        long end;
        try (var c = Clients.consumer(bootstrap)) {
            end = c.endOffsets(List.of(tp)).get(tp);
        }
        // Read to the end offset: the compacted log has gaps, so count offsets, not records.
        try (var c = Clients.consumer(bootstrap)) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) seen.put(r.key(), r.value());
            }
            assertThat(c.position(tp)).isEqualTo(end);
        }
        assertThat(seen).isEqualTo(latest);
    }
}
