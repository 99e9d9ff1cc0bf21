package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 check 3, modelled on Kafka's transactions system test: Kafka's VerifiableProducer fills an input topic;
 * one Kafka {@code TransactionalMessageCopier} per input partition copies it to an output topic in transactions
 * (offsets committed with the group metadata); meanwhile brokers and copiers are hard-bounced ({@code kill -9}) in
 * turn, a killed copier restarted with the same transactional id. A read_committed consumer then reads the output:
 * exactly the input's values, none twice, none missing. One round by default (one broker bounce, one copier
 * bounce), {@code fjord.fault.rounds} rounds when set (10 with {@code -Pfault-long}).
 */
class TransactionalCopierBounceTest {
    private static final String INPUT = "copier-input";
    private static final String OUTPUT = "copier-output";
    private static final int PARTITIONS = 2;
    private static final String GROUP = "transactions-test-consumer-group";

    @TempDir
    Path dir;
    private ProcessCluster cluster;
    private VerifiableProducerProcess producer;
    private final TransactionalCopierProcess[] copiers = new TransactionalCopierProcess[PARTITIONS];
    private final int[] starts = new int[PARTITIONS];

    @AfterEach
    void stopEverything() throws Exception {
        for (TransactionalCopierProcess c : copiers) if (c != null) c.close();
        if (producer != null) producer.close();
        if (cluster != null) cluster.close();
    }

    @Test
    void outputEqualsInputAcrossBrokerAndCopierKills() throws Exception {
        Random random = FaultSettings.random("TransactionalCopierBounceTest");
        // The default suite runs one round (one broker bounce, one copier bounce); -Pfault-long sets the rounds.
        int rounds = System.getProperty("fjord.fault.rounds") == null ? 1 : FaultSettings.rounds();
        int records = 8000 * rounds;
        Map<String, String> settings = new HashMap<>(FaultSettings.fastFailover());
        settings.put("transaction.state.log.num.partitions", "3");
        cluster = new ProcessCluster(dir, "TransactionalCopierBounceTest", 3, settings).start();
        cluster.createTopic(INPUT, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
        cluster.createTopic(OUTPUT, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));

        producer = VerifiableProducerProcess.start(dir, "verifiable-producer", cluster.bootstrap(), INPUT, 5000, 16,
                Map.of(), records);
        producer.awaitExit(Duration.ofSeconds(60));
        assertThat(producer.acks()).as("input records acknowledged").hasSize(records);
        assertThat(producer.failures()).as("input records the producer gave up on").isEmpty();
        List<String> input = readAll(INPUT, "read_uncommitted");
        assertThat(input).hasSize(producer.acks().size());

        System.out.printf("[copier] %d rounds over %d input records%n", rounds, records);
        for (int p = 0; p < PARTITIONS; p++) startCopier(p);
        for (int round = 1; round <= rounds; round++) {
            awaitProgress(records / (rounds * 4 + 2));
            int broker = cluster.leader(OUTPUT, random.nextInt(PARTITIONS));
            long killedAt = System.currentTimeMillis();
            cluster.kill9(broker);
            awaitProgress(records / (rounds * 8 + 4));
            cluster.restart(broker);
            cluster.awaitInIsr(OUTPUT, broker, Duration.ofSeconds(60));
            long backMs = System.currentTimeMillis() - killedAt;
            awaitProgress(records / (rounds * 8 + 4));
            int victim = random.nextInt(PARTITIONS);
            if (copiers[victim].alive()) copiers[victim].kill9();
            startCopier(victim);
            System.out.printf("[copier] round %d: kill -9 of broker %d (back in the ISR after %d ms), kill -9 of copier %d;"
                    + " copied so far %s%n", round, broker, backMs, victim, progress());
        }
        for (int p = 0; p < PARTITIONS; p++) {
            TransactionalCopierProcess c = copiers[p];
            assertThat(c.awaitExit(Duration.ofSeconds(90))).as("copier %d finished (%s): %s", p, c, c.logTail(30)).isTrue();
            assertThat(c.exitCode()).as("copier %d exit code (%s): %s", p, c, c.logTail(30)).isZero();
            assertThat(c.remaining()).as("copier %d remaining", p).isZero();
        }

        List<String> output = readAll(OUTPUT, "read_committed");
        Map<String, Long> counts = output.stream().collect(Collectors.groupingBy(v -> v, Collectors.counting()));
        List<String> duplicates = counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        assertThat(duplicates).as("values copied more than once").isEmpty();
        assertThat(output).as("committed output against the input").containsExactlyInAnyOrderElementsOf(input);
        List<String> uncommitted = readAll(OUTPUT, "read_uncommitted");
        System.out.printf("[copier] %d input records, %d committed in the output, %d in the output log with aborted ones,"
                + " %d copier starts%n", input.size(), output.size(), uncommitted.size(), starts[0] + starts[1]);
    }

    private void startCopier(int partition) throws Exception {
        starts[partition]++;
        copiers[partition] = TransactionalCopierProcess.start(dir, "copier-" + partition, starts[partition],
                cluster.bootstrap(), INPUT, partition, OUTPUT, GROUP, 50);
    }

    private String progress() {
        StringBuilder b = new StringBuilder();
        for (int p = 0; p < PARTITIONS; p++) b.append(p == 0 ? "" : ", ").append("copier ").append(p).append(": ")
                .append(copiers[p].processed()).append(" this start, remaining ").append(copiers[p].remaining());
        return b.toString();
    }

    /** Waits until the running copiers together copied {@code n} more records (or all of them are done). */
    private void awaitProgress(long n) {
        long[] base = new long[PARTITIONS];
        for (int p = 0; p < PARTITIONS; p++) base[p] = copiers[p].processed();
        Awaitility.await("copiers progress by " + n).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    long sum = 0;
                    boolean allDone = true;
                    for (int p = 0; p < PARTITIONS; p++) {
                        TransactionalCopierProcess c = copiers[p];
                        if (!c.alive() && c.exitCode() != 0) {
                            throw new AssertionError("copier " + p + " died (" + c + "): " + c.logTail(30));
                        }
                        sum += Math.max(0, c.processed() - base[p]);
                        allDone &= !c.alive();
                    }
                    return sum >= n || allDone;
                });
    }

    /** Every value of the topic up to its end (read_committed: up to the last stable offset). */
    private List<String> readAll(String topic, String isolation) {
        List<TopicPartition> parts = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) parts.add(new TopicPartition(topic, p));
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> c = Clients.consumer(cluster.bootstrap(), Map.of("isolation.level", isolation))) {
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(60));
            Awaitility.await("reading " + topic + " to " + end).atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO)
                    .until(() -> {
                        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) values.add(r.value());
                        for (TopicPartition tp : parts) if (c.position(tp) < end.get(tp)) return false;
                        return true;
                    });
        }
        return values;
    }
}
