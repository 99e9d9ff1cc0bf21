package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, check A: three broker+controller processes, a topic with replication factor 3 and
 * {@code min.insync.replicas=2}, Kafka's VerifiableProducer (idempotent, acks=all) writing continuously while the
 * leader of a partition is killed with {@code kill -9} and restarted, each time until it is back in every ISR. At the
 * end every acknowledged record is read back exactly once, at its offset, in order, and the replicas' segment files
 * agree.
 */
class ReplicationLeaderKillTest {
    private static final String TOPIC = "kill-leader";
    private static final int PARTITIONS = 4;

    @TempDir
    Path dir;

    private ProcessCluster cluster;
    private VerifiableProducerProcess producer;

    @AfterEach
    void stopEverything() throws Exception {
        if (producer != null) producer.close();
        if (cluster != null) cluster.close();
    }

    @Test
    void everyAckedRecordSurvivesKillMinus9OfLeaders() throws Exception {
        Random random = FaultSettings.random("ReplicationLeaderKillTest");
        cluster = new ProcessCluster(dir, "ReplicationLeaderKillTest", 3, FaultSettings.fastFailover()).start();
        cluster.createTopic(TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
        producer = VerifiableProducerProcess.start(dir, "verifiable-producer", cluster.bootstrap(), TOPIC, 1500, 64, Map.of());
        producer.awaitAcks(0, 1500, Duration.ofSeconds(60));

        List<Round> rounds = new ArrayList<>();
        for (int round = 1; round <= FaultSettings.rounds(); round++) {
            int partition = random.nextInt(PARTITIONS);
            int victim = cluster.leader(TOPIC, partition);
            assertThat(victim).as("leader of partition %d", partition).isPositive();
            int acksBefore = producer.ackCount();
            long killedAt = System.currentTimeMillis();
            cluster.kill9(victim);
            AtomicReference<ProcessCluster.PartitionView> elected = new AtomicReference<>();
            Awaitility.await("a new leader for partition " + partition).atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(20)).until(() -> {
                        ProcessCluster.PartitionView v = cluster.newestView(TOPIC, partition);
                        elected.set(v);
                        return v != null && v.leader() >= 0 && v.leader() != victim;
                    });
            long electedMs = System.currentTimeMillis() - killedAt;
            cluster.restart(victim);
            long restartedMs = System.currentTimeMillis() - killedAt;
            cluster.awaitInIsr(TOPIC, victim, Duration.ofSeconds(60));
            long inIsrMs = System.currentTimeMillis() - killedAt;
            producer.awaitAcks(producer.ackCount(), 300, Duration.ofSeconds(30));
            rounds.add(new Round(partition, killedAt, elected.get().leaderEpoch()));
            System.out.printf("[A] round %d: kill -9 of node %d (leader of partition %d): node %d leads at epoch %d after"
                            + " %d ms, restarted %d ms, back in every ISR %d ms; %d acks during the round%n", round, victim,
                    partition, elected.get().leader(), elected.get().leaderEpoch(), electedMs, restartedMs, inIsrMs,
                    producer.ackCount() - acksBefore);
        }

        producer.stop(Duration.ofSeconds(60));
        List<VerifiableProducerProcess.Ack> acks = producer.acks();
        assertThat(producer.shutdownComplete()).as("the producer's shutdown line").isTrue();
        assertThat(producer.summaryAcked()).as("the producer's own count of acks").isEqualTo(acks.size());
        assertThat(producer.failures()).as("records the producer gave up on (log: %s)", producer.logTail(40)).isEmpty();
        System.out.printf("[A] %d records acked, %d failed%n", acks.size(), producer.failures().size());
        ReplicationChecks.FinalState state =
                ReplicationChecks.finalCheck(cluster, TOPIC, PARTITIONS, ReplicationChecks.fromVerifiable(acks));
        for (int i = 0; i < rounds.size(); i++) {
            Round r = rounds.get(i);
            Long ms = ReplicationChecks.firstAckAtEpochMs(state, r.partition(), r.killedAtMs(), r.newEpoch(),
                    acks.stream().map(a -> new ReplicationChecks.TimedAck(a.partition(), a.offset(), a.timestampMs())).toList());
            System.out.printf("[A] round %d: kill -9 to the first ack of a record the new leader wrote (epoch %d): %s%n",
                    i + 1, r.newEpoch(), ms == null ? "none" : ms + " ms");
        }
    }

    /** One kill: the partition whose leader died, when, and the epoch of the leader elected after it. */
    record Round(int partition, long killedAtMs, int newEpoch) {
    }
}
