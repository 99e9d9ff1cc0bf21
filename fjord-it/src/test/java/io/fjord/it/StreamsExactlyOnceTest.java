package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 check 4: a Kafka Streams 4.x application with {@code exactly_once_v2} ({@link StreamsSumApp}, a keyed
 * sum, as a child JVM) is killed with {@code kill -9} while one of its transactions is open (seen ONGOING through
 * ListTransactions), started again on the same state dir, and finishes the input. The read_committed output must
 * hold, per key, exactly the sum of the key's input values as the last value: a record processed twice or lost
 * would change it. The running sums of each key must only grow (values are positive), so no aborted or stale sum
 * became visible.
 */
class StreamsExactlyOnceTest {
    private static final String APP = "fjord-eos-sum";
    private static final String INPUT = "sum-input";
    private static final String OUTPUT = "sum-output";
    private static final int KEYS = 8;

    @TempDir
    Path dir;
    private TestBroker broker;
    private Process app;

    @AfterEach
    void stop() throws Exception {
        if (app != null && app.isAlive()) {
            app.destroyForcibly();
            app.waitFor(30, TimeUnit.SECONDS);
        }
        if (broker != null) broker.close();
    }

    @Test
    void exactSumsAcrossAKillOfTheApplicationInsideATransaction() throws Exception {
        Map<String, String> s = new HashMap<>();
        s.put("offsets.topic.replication.factor", "1");
        s.put("offsets.topic.num.partitions", "3");
        s.put("transaction.state.log.replication.factor", "1");
        s.put("transaction.state.log.min.isr", "1");
        s.put("transaction.state.log.num.partitions", "3");
        s.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "500");
        s.put("group.initial.rebalance.delay.ms", "0");
        broker = new TestBroker(dir.resolve("broker"), s).start();
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            admin.createTopics(List.of(new NewTopic(INPUT, 2, (short) 1), new NewTopic(OUTPUT, 2, (short) 1)))
                    .all().get(60, TimeUnit.SECONDS);
        }
        Map<String, Long> expected = new HashMap<>();
        AtomicLong next = new AtomicLong(1);
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrap())) {
            produce(producer, 500, next, expected);
            app = startApp(1);
            awaitOutput("the first sums", 1);

            // Input keeps coming while the application runs, so its transactions hold records when it dies.
            AtomicBoolean feeding = new AtomicBoolean(true);
            Thread feeder = new Thread(() -> {
                while (feeding.get()) {
                    produce(producer, 20, next, expected);
                    try {
                        Thread.sleep(50); // pacing of the input, not a wait for a condition
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "input-feeder");
            feeder.start();
            try (Admin admin = Clients.admin(broker.bootstrap())) {
                Awaitility.await("an ongoing transaction of the application").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(20)).until(() -> ongoing(admin));
                app.destroyForcibly(); // kill -9
                assertThat(app.waitFor(30, TimeUnit.SECONDS)).isTrue();
                System.out.println("[streams] killed the application with its transaction ongoing: " + listing(admin));
            } finally {
                feeding.set(false);
                feeder.join(30_000);
            }
            produce(producer, 300, next, expected);
            app = startApp(2);
        }
        Map<String, List<Long>> sums = new HashMap<>();
        Awaitility.await("the committed sums reach the input's").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(500))
                .failFast("the application exited: " + output(2), () -> !app.isAlive())
                .until(() -> {
                    sums.clear();
                    sums.putAll(committedSums());
                    Map<String, Long> last = new HashMap<>();
                    sums.forEach((k, v) -> last.put(k, v.get(v.size() - 1)));
                    return last.equals(expected);
                });
        sums.forEach((k, v) -> {
            for (int i = 1; i < v.size(); i++) {
                assertThat(v.get(i)).as("sums of key %s grow: %s", k, v).isGreaterThan(v.get(i - 1));
            }
        });
        long committed = sums.values().stream().mapToLong(List::size).sum();
        System.out.printf("[streams] %d input records over %d keys; exact committed sums after the kill: %s; %d committed"
                + " output records, %d more in the log (aborted)%n", next.get() - 1, KEYS, expected, committed,
                outputRecords("read_uncommitted") - committed);
    }

    private static void produce(KafkaProducer<String, String> producer, int n, AtomicLong next, Map<String, Long> expected) {
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        Map<String, Long> add = new HashMap<>();
        for (int i = 0; i < n; i++) {
            long v = next.getAndIncrement();
            String key = "k" + (v % KEYS);
            sent.add(producer.send(new ProducerRecord<>(INPUT, key, Long.toString(v))));
            add.merge(key, v, Long::sum);
        }
        try {
            for (var f : sent) f.get(60, TimeUnit.SECONDS); // counted only once acknowledged
        } catch (Exception e) {
            throw new AssertionError("input not acknowledged", e);
        }
        synchronized (expected) {
            add.forEach((k, v) -> expected.merge(k, v, Long::sum));
        }
    }

    private boolean ongoing(Admin admin) throws Exception {
        return listing(admin).stream().anyMatch(t -> t.transactionalId().startsWith(APP) && t.state() == TransactionState.ONGOING);
    }

    private static java.util.Collection<TransactionListing> listing(Admin admin) throws Exception {
        return admin.listTransactions().all().get(30, TimeUnit.SECONDS);
    }

    private Process startApp(int start) throws IOException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                StreamsSumApp.class.getName(), broker.bootstrap(), APP, dir.resolve("state").toString(), INPUT, OUTPUT);
        return ChildProcesses.track(new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("app-" + start + ".log").toFile()).start());
    }

    private String output(int start) {
        try {
            List<String> all = Files.readAllLines(dir.resolve("app-" + start + ".log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size()));
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    private void awaitOutput(String what, int start) {
        Awaitility.await(what).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .failFast("the application exited: " + output(start), () -> !app.isAlive())
                .until(() -> !committedSums().isEmpty());
    }

    private long outputRecords(String isolation) {
        return readOutput(isolation).values().stream().mapToLong(List::size).sum();
    }

    /** Each key's sums in the committed output, in offset order. */
    private Map<String, List<Long>> committedSums() {
        return readOutput("read_committed");
    }

    private Map<String, List<Long>> readOutput(String isolation) {
        List<TopicPartition> parts = List.of(new TopicPartition(OUTPUT, 0), new TopicPartition(OUTPUT, 1));
        Map<String, List<Long>> sums = new HashMap<>();
        try (KafkaConsumer<String, String> c = Clients.consumer(broker.bootstrap(), Map.of("isolation.level", isolation))) {
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) throw new AssertionError("reading " + OUTPUT + " to " + end + " took too long");
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    sums.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(Long.parseLong(r.value()));
                }
            }
        }
        return sums;
    }
}
