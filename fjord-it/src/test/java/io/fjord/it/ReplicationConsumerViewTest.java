package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, check E: through several kill -9s of leaders, a consumer reading continuously (read_uncommitted) never
 * reads a record that is later truncated (each record it read is in the final log at that offset with that value),
 * and the high watermark as {@code ListOffsets(latest)} reports it, polled every 50 ms, never goes back. Retriable
 * errors (OFFSET_NOT_AVAILABLE while a new leader's high watermark has not caught up, NOT_LEADER_OR_FOLLOWER, ...)
 * count as no observation.
 */
class ReplicationConsumerViewTest {
    private static final String TOPIC = "consumer-view";
    private static final int PARTITIONS = 3;

    @TempDir
    Path dir;

    private ProcessCluster cluster;
    private RecordingProducer producer;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;

    @AfterEach
    void stopEverything() throws Exception {
        stopping = true;
        for (Thread t : threads) t.join(TimeUnit.SECONDS.toMillis(30));
        if (producer != null) producer.close();
        if (cluster != null) cluster.close();
    }

    /** A high watermark that went back: partition, the highest seen before, the lower one, when (ms since start). */
    record Regression(int partition, long before, long after, long atMs) {
    }

    @Test
    void consumersNeverSeeTheHighWatermarkGoBackNorReadATruncatedRecord() throws Exception {
        Random random = FaultSettings.random("ReplicationConsumerViewTest");
        cluster = new ProcessCluster(dir, "ReplicationConsumerViewTest", 3, FaultSettings.fastFailover()).start();
        cluster.createTopic(TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
        producer = new RecordingProducer(cluster.bootstrap(), TOPIC, 1000, 60, Map.of()).start();

        List<ReplicationChecks.ReadRecord> consumed = new ArrayList<>();
        List<String> consumerErrors = new ArrayList<>();
        Thread consumer = daemon("view-consumer", () -> consume(consumed, consumerErrors));
        List<Regression> regressions = new ArrayList<>();
        AtomicLong observations = new AtomicLong();
        AtomicLong noObservation = new AtomicLong();
        long start = System.currentTimeMillis();
        Thread poller = daemon("hw-poller", () -> pollHighWatermarks(start, regressions, observations, noObservation));
        producer.awaitAcks(0, 1000, Duration.ofSeconds(60));

        for (int round = 1; round <= FaultSettings.rounds(); round++) {
            int partition = random.nextInt(PARTITIONS);
            int victim = cluster.leader(TOPIC, partition);
            int readBefore = size(consumed);
            long killedAt = System.currentTimeMillis();
            cluster.kill9(victim);
            Awaitility.await("a new leader for partition " + partition).atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(20)).until(() -> {
                        ProcessCluster.PartitionView v = cluster.newestView(TOPIC, partition);
                        return v != null && v.leader() >= 0 && v.leader() != victim;
                    });
            long electedMs = System.currentTimeMillis() - killedAt;
            cluster.restart(victim);
            cluster.awaitInIsr(TOPIC, victim, Duration.ofSeconds(60));
            long inIsrMs = System.currentTimeMillis() - killedAt;
            Awaitility.await("the consumer reading on").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> size(consumed) >= readBefore + 300);
            System.out.printf("[E] round %d: kill -9 of node %d (leader of partition %d): new leader after %d ms, back in"
                            + " every ISR %d ms; consumer read %d records during the round; HW regressions so far %d%n",
                    round, victim, partition, electedMs, inIsrMs, size(consumed) - readBefore, size(regressions));
        }

        producer.stop(Duration.ofSeconds(60));
        assertThat(producer.failures()).as("records the producer gave up on").isEmpty();
        List<RecordingProducer.Ack> acks = producer.acks();
        // Let the consumer reach the end before the final read, then stop the readers.
        Map<Integer, Long> hw = cluster.highWatermarks(TOPIC, PARTITIONS);
        long total = hw.values().stream().mapToLong(Long::longValue).sum();
        Awaitility.await("the consumer at the high watermarks " + hw).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50)).until(() -> size(consumed) >= total);
        stopping = true;
        consumer.join(TimeUnit.SECONDS.toMillis(30));
        poller.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(consumer.isAlive() || poller.isAlive()).as("readers stopped").isFalse();

        System.out.printf("[E] %d records acked; consumer read %d; %d high-watermark observations (%d polls without one)%n",
                acks.size(), size(consumed), observations.get(), noObservation.get());
        assertThat(consumerErrors).as("consumer errors").isEmpty();
        assertThat(regressions).as("high watermarks that went back").isEmpty();
        ReplicationChecks.FinalState state = ReplicationChecks.finalCheck(cluster, TOPIC, PARTITIONS,
                acks.stream().map(a -> new ReplicationChecks.Acked(a.partition(), a.offset(), a.value())).toList());
        Map<Integer, Map<Long, String>> finalLog = new HashMap<>();
        state.log().forEach((p, records) -> {
            Map<Long, String> m = new HashMap<>();
            for (ReplicationChecks.ReadRecord r : records) m.put(r.offset(), r.value());
            finalLog.put(p, m);
        });
        List<ReplicationChecks.ReadRecord> truncated = new ArrayList<>();
        synchronized (consumed) {
            for (ReplicationChecks.ReadRecord r : consumed) {
                if (!r.value().equals(finalLog.get(r.partition()).get(r.offset()))) truncated.add(r);
            }
        }
        assertThat(truncated).as("records the consumer read that the final log does not hold at that offset")
                .isEmpty();
    }

    private Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return t;
    }

    private static int size(List<?> list) {
        synchronized (list) {
            return list.size();
        }
    }

    /** Reads every partition from the start, keeping every record; the same offset read twice must carry one value. */
    private void consume(List<ReplicationChecks.ReadRecord> consumed, List<String> errors) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) tps.add(new TopicPartition(TOPIC, p));
        Map<TopicPartition, Long> next = new HashMap<>();
        try (KafkaConsumer<String, String> c = Clients.consumer(cluster.bootstrap(), Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted",
                ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000",
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100",
                ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500"))) {
            c.assign(tps);
            c.seekToBeginning(tps);
            while (!stopping) {
                try {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                        long expected = next.getOrDefault(tp, 0L);
                        if (r.offset() < expected) {
                            synchronized (errors) {
                                errors.add("re-read " + tp + " offset " + r.offset() + " after reaching " + expected);
                            }
                        }
                        next.put(tp, r.offset() + 1);
                        synchronized (consumed) {
                            consumed.add(new ReplicationChecks.ReadRecord(r.partition(), r.offset(), r.key(), r.value(),
                                    r.leaderEpoch().orElse(-1)));
                        }
                    }
                } catch (RetriableException e) {
                    // a leader moving: poll again
                } catch (RuntimeException e) {
                    synchronized (errors) {
                        errors.add(e.toString());
                    }
                    return;
                }
            }
        }
    }

    /** ListOffsets(latest) for every partition every ~50 ms; a value below the highest seen is a regression. */
    private void pollHighWatermarks(long start, List<Regression> regressions, AtomicLong observations,
                                    AtomicLong noObservation) {
        Map<Integer, Long> highest = new HashMap<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000",
                AdminClientConfig.RETRIES_CONFIG, "0",
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500",
                AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "50"))) {
            while (!stopping) {
                long roundStart = System.nanoTime();
                Map<TopicPartition, OffsetSpec> q = new LinkedHashMap<>();
                for (int p = 0; p < PARTITIONS; p++) q.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
                ListOffsetsResult result = admin.listOffsets(q);
                for (int p = 0; p < PARTITIONS; p++) {
                    try {
                        long hw = result.partitionResult(new TopicPartition(TOPIC, p)).get(5, TimeUnit.SECONDS).offset();
                        observations.incrementAndGet();
                        Long before = highest.get(p);
                        if (before != null && hw < before) {
                            synchronized (regressions) {
                                regressions.add(new Regression(p, before, hw, System.currentTimeMillis() - start));
                            }
                        }
                        highest.merge(p, hw, Math::max);
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof RetriableException)) {
                            System.out.println("[E] ListOffsets partition " + p + ": " + e.getCause());
                        }
                        noObservation.incrementAndGet();
                    } catch (java.util.concurrent.TimeoutException e) {
                        noObservation.incrementAndGet();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                // Pacing: one round of polls every 50 ms.
                long rest = 50_000_000L - (System.nanoTime() - roundStart);
                if (rest > 0) java.util.concurrent.locks.LockSupport.parkNanos(rest);
            }
        }
    }
}
