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
 * Issue 10, check B: the leader of a partition is frozen (SIGSTOP) for longer than {@code broker.session.timeout.ms}
 * while an acks=all producer writes, then continued (SIGCONT). Meanwhile a new leader with a higher leader epoch is
 * elected; the old leader, when it wakes up still believing it leads, must not get any write acknowledged that the
 * new leader's log does not hold; it rejoins the ISR; after a clean stop all replicas' files hold the same batches.
 */
class ReplicationLeaderFreezeTest {
    private static final String TOPIC = "freeze-leader";
    private static final int PARTITIONS = 3;
    private static final long SESSION_MS = 3000;

    @TempDir
    Path dir;

    private ProcessCluster cluster;
    private RecordingProducer producer;

    @AfterEach
    void stopEverything() throws Exception {
        if (producer != null) producer.close();
        if (cluster != null) cluster.close(); // thaws a frozen node before killing it
    }

    /** One freeze: the partition, the frozen leader, the epochs before and during, and when. */
    record Round(int partition, int frozen, int epochBefore, int newLeader, int newEpoch, long frozenAtMs, long thawedAtMs) {
    }

    @Test
    void aFrozenLeaderIsReplacedAndItsWakeUpLosesNoAckedRecord() throws Exception {
        Random random = FaultSettings.random("ReplicationLeaderFreezeTest");
        cluster = new ProcessCluster(dir, "ReplicationLeaderFreezeTest", 3, FaultSettings.fastFailover()).start();
        cluster.createTopic(TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
        producer = new RecordingProducer(cluster.bootstrap(), TOPIC, 1000, 60, Map.of()).start();
        producer.awaitAcks(0, 1000, Duration.ofSeconds(60));

        List<Round> rounds = new ArrayList<>();
        for (int round = 1; round <= FaultSettings.rounds(); round++) {
            int partition = random.nextInt(PARTITIONS);
            int victim = cluster.leader(TOPIC, partition);
            int epochBefore = cluster.view(victim, TOPIC, partition).leaderEpoch();
            int acksBefore = producer.ackCount();
            long frozenAt = System.currentTimeMillis();
            cluster.freeze(victim);
            AtomicReference<ProcessCluster.PartitionView> elected = new AtomicReference<>();
            Awaitility.await("a new leader for partition " + partition + " while node " + victim + " is frozen")
                    .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
                        ProcessCluster.PartitionView v = cluster.newestView(TOPIC, partition);
                        elected.set(v);
                        return v != null && v.leader() >= 0 && v.leader() != victim;
                    });
            long electedMs = System.currentTimeMillis() - frozenAt;
            ProcessCluster.PartitionView v = elected.get();
            assertThat(v.leaderEpoch()).as("the new leader's epoch (partition %d, was %d)", partition, epochBefore)
                    .isGreaterThan(epochBefore);
            assertThat(v.isr()).as("ISR while node %d is frozen", victim).doesNotContain(victim);
            Awaitility.await("acks from partition " + partition + " after the freeze").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(20)).until(() -> producer.firstAckAfter(partition, frozenAt + 1) != null);
            // Stay frozen past the session timeout by a margin, so the wake-up meets a cluster that moved on.
            Awaitility.await("the freeze outlasting the session").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> System.currentTimeMillis() - frozenAt >= SESSION_MS + 1500);
            long thawedAt = System.currentTimeMillis();
            cluster.thaw(victim);
            cluster.awaitInIsr(TOPIC, victim, Duration.ofSeconds(60));
            long rejoinedMs = System.currentTimeMillis() - thawedAt;
            rounds.add(new Round(partition, victim, epochBefore, v.leader(), v.leaderEpoch(), frozenAt, thawedAt));
            System.out.printf("[B] round %d: SIGSTOP of node %d (leader of partition %d, epoch %d): node %d leads at epoch %d"
                            + " after %d ms; frozen %d ms; back in every ISR %d ms after SIGCONT; %d acks during the round%n",
                    round, victim, partition, epochBefore, v.leader(), v.leaderEpoch(), electedMs, thawedAt - frozenAt,
                    rejoinedMs, producer.ackCount() - acksBefore);
        }

        producer.stop(Duration.ofSeconds(60));
        List<RecordingProducer.Ack> acks = producer.acks();
        assertThat(producer.failures()).as("records the producer gave up on").isEmpty();
        long afterFirstFreeze = acks.stream().filter(a -> a.ackMs() >= rounds.get(0).frozenAtMs()).count();
        System.out.printf("[B] %d records acked, %d of them after the first freeze%n", acks.size(), afterFirstFreeze);
        ReplicationChecks.FinalState state = ReplicationChecks.finalCheck(cluster, TOPIC, PARTITIONS,
                acks.stream().map(a -> new ReplicationChecks.Acked(a.partition(), a.offset(), a.value())).toList());
        List<ReplicationChecks.TimedAck> timed =
                acks.stream().map(a -> new ReplicationChecks.TimedAck(a.partition(), a.offset(), a.ackMs())).toList();
        for (int i = 0; i < rounds.size(); i++) {
            Round r = rounds.get(i);
            Long ms = ReplicationChecks.firstAckAtEpochMs(state, r.partition(), r.frozenAtMs(), r.newEpoch(), timed);
            System.out.printf("[B] round %d: SIGSTOP to the first ack of a record the new leader wrote (epoch %d): %s%n",
                    i + 1, r.newEpoch(), ms == null ? "none" : ms + " ms");
        }
        // The new leaders' own writes are in the files, stamped with their epochs.
        for (Round r : rounds) {
            for (int node : state.files().get(r.partition()).keySet()) {
                assertThat(state.batches(r.partition(), node)).as("partition %d on node %d", r.partition(), node)
                        .anyMatch(b -> b.leaderEpoch() >= r.newEpoch());
            }
        }
    }
}
