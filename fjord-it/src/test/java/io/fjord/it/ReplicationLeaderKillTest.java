package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
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

        for (int round = 1; round <= FaultSettings.rounds(); round++) {
            int partition = random.nextInt(PARTITIONS);
            int victim = cluster.leader(TOPIC, partition);
            assertThat(victim).as("leader of partition %d", partition).isPositive();
            int acksBefore = producer.ackCount();
            long killedAt = System.currentTimeMillis();
            cluster.kill9(victim);
            Awaitility.await("a new leader for partition " + partition).atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(20)).until(() -> {
                        ProcessCluster.PartitionView v = cluster.newestView(TOPIC, partition);
                        return v != null && v.leader() >= 0 && v.leader() != victim;
                    });
            long electedMs = System.currentTimeMillis() - killedAt;
            Awaitility.await("an ack from partition " + partition + "'s new leader").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(20)).until(() -> producer.firstAckAfter(partition, killedAt + 1) != null);
            long firstAckMs = producer.firstAckAfter(partition, killedAt + 1).timestampMs() - killedAt;
            cluster.restart(victim);
            long restartedMs = System.currentTimeMillis() - killedAt;
            cluster.awaitInIsr(TOPIC, victim, Duration.ofSeconds(60));
            long inIsrMs = System.currentTimeMillis() - killedAt;
            producer.awaitAcks(producer.ackCount(), 300, Duration.ofSeconds(30));
            System.out.printf("[A] round %d: kill -9 of node %d (leader of partition %d): new leader after %d ms,"
                            + " first ack in that partition %d ms, restarted %d ms, back in every ISR %d ms; %d acks during the round%n",
                    round, victim, partition, electedMs, firstAckMs, restartedMs, inIsrMs, producer.ackCount() - acksBefore);
        }

        producer.stop(Duration.ofSeconds(60));
        List<VerifiableProducerProcess.Ack> acks = producer.acks();
        assertThat(producer.shutdownComplete()).as("the producer's shutdown line").isTrue();
        assertThat(producer.summaryAcked()).as("the producer's own count of acks").isEqualTo(acks.size());
        assertThat(producer.failures()).as("records the producer gave up on (log: %s)", producer.logTail(40)).isEmpty();
        System.out.printf("[A] %d records acked, %d failed%n", acks.size(), producer.failures().size());
        ReplicationChecks.finalCheck(cluster, TOPIC, PARTITIONS, ReplicationChecks.fromVerifiable(acks));
    }
}
