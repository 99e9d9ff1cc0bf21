package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, check C: a rolling restart (SIGTERM of each node in turn, waiting for it to rejoin every ISR before the
 * next) under acks=all load loses no acknowledged record and never refuses a write for lack of in-sync replicas:
 * no NotEnoughReplicas(AfterAppend)Exception reaches a callback, the producer retries no NOT_ENOUGH_REPLICAS answer
 * (its Sender's warnings) and no broker logs a NOT_ENOUGH_REPLICAS answer (brokers log each such refusal at INFO).
 */
class ReplicationRollingRestartTest {
    private static final String TOPIC = "rolling";
    private static final int PARTITIONS = 6;

    @TempDir
    Path dir;

    private ProcessCluster cluster;
    private RecordingProducer producer;
    // The producer retries NOT_ENOUGH_REPLICAS(_AFTER_APPEND) answers, so callbacks rarely see them; its Sender
    // warns about each retry, and that is where a refusal shows.
    private final ClientLogCapture retriedRefusals =
            new ClientLogCapture("org.apache.kafka.clients.producer.internals.Sender", "NOT_ENOUGH_REPLICAS");

    @AfterEach
    void stopEverything() throws Exception {
        retriedRefusals.close();
        if (producer != null) producer.close();
        if (cluster != null) cluster.close();
    }

    @Test
    void aRollingRestartUnderLoadLosesNothingAndRefusesNothing() throws Exception {
        FaultSettings.random("ReplicationRollingRestartTest");
        cluster = new ProcessCluster(dir, "ReplicationRollingRestartTest", 3, FaultSettings.fastFailover()).start();
        cluster.createTopic(TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
        producer = new RecordingProducer(cluster.bootstrap(), TOPIC, 1000, 60, Map.of()).start();
        producer.awaitAcks(0, 1000, Duration.ofSeconds(60));

        // Node 1, 2, 3, 1, ...: each node once in the default suite, more under -Pfault-long.
        // A rolling restart restarts every node once, however few rounds the default suite runs.
        for (int round = 1; round <= Math.max(3, FaultSettings.rounds()); round++) {
            int id = (round - 1) % 3 + 1;
            int acksBefore = producer.ackCount();
            long t0 = System.nanoTime();
            cluster.terminate(id);
            long stoppedMs = (System.nanoTime() - t0) / 1_000_000;
            cluster.restart(id);
            long restartedMs = (System.nanoTime() - t0) / 1_000_000;
            cluster.awaitFullIsr(TOPIC, Duration.ofSeconds(60));
            long inIsrMs = (System.nanoTime() - t0) / 1_000_000;
            producer.awaitAcks(producer.ackCount(), 300, Duration.ofSeconds(30));
            System.out.printf("[C] round %d: SIGTERM of node %d: stopped after %d ms, restarted %d ms, every ISR whole"
                            + " again %d ms; %d acks during the round, %d failures so far%n", round, id, stoppedMs,
                    restartedMs, inIsrMs, producer.ackCount() - acksBefore, producer.failures().size());
        }

        producer.stop(Duration.ofSeconds(60));
        List<RecordingProducer.Ack> acks = producer.acks();
        List<RecordingProducer.Failure> failures = producer.failures();
        assertThat(failures).as("callbacks with NotEnoughReplicas*").noneMatch(f ->
                f.exception() instanceof NotEnoughReplicasException
                        || f.exception() instanceof NotEnoughReplicasAfterAppendException);
        assertThat(failures).as("records the producer gave up on").isEmpty();
        assertThat(retriedRefusals.lines()).as("produce answers the producer retried for lack of in-sync replicas")
                .isEmpty();
        Set<Integer> refusing = cluster.nodesWhoseOutputContains("NOT_ENOUGH_REPLICAS");
        assertThat(refusing).as("nodes that refused a write for lack of in-sync replicas (outputs kept in"
                + " fjord-it/target/fault-logs/ReplicationRollingRestartTest)").isEmpty();
        System.out.printf("[C] %d records acked, %d failed, no NOT_ENOUGH_REPLICAS in any broker's output%n",
                acks.size(), failures.size());
        ReplicationChecks.finalCheck(cluster, TOPIC, PARTITIONS,
                acks.stream().map(a -> new ReplicationChecks.Acked(a.partition(), a.offset(), a.value())).toList());
    }
}
