package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.common.Node;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.junit.jupiter.api.io.TempDir;

/**
 * The fault tests' harness on its own, with replication factor 1 (no follower involved): three processes from
 * server.properties files, Kafka's VerifiableProducer as a child JVM, kill -9 and restart, SIGSTOP/SIGCONT (the
 * frozen node is fenced, then comes back), a clean stop, and the segment-file reader agreeing with what a consumer
 * read.
 */
class ProcessClusterHarnessTest {
    private static final String TOPIC = "harness";
    private static final int PARTITIONS = 3;

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
    void startProduceKillRestartFreezeStopAndReadTheFiles() throws Exception {
        // Not in the default suite (time): every replication fault test drives this harness too. Runs with
        // -Pfault-long or -Dfjord.it.harness=true.
        org.junit.jupiter.api.Assumptions.assumeTrue(FaultSettings.rounds() > 3 || Boolean.getBoolean("fjord.it.harness"),
                "ProcessClusterHarnessTest runs with -Pfault-long");
        cluster = new ProcessCluster(dir, "ProcessClusterHarnessTest", 3, FaultSettings.fastFailover()).start();
        assertThat(cluster.output(1)).contains("=== fjord-it: start 1 of node 1");
        java.util.Properties written = new java.util.Properties();
        try (var r = java.nio.file.Files.newBufferedReader(cluster.node(1).properties())) {
            written.load(r);
        }
        System.out.println("[harness] node 1's server.properties: " + new java.util.TreeMap<>(written));
        assertThat(written.getProperty("listeners")).as("the listener form asked for")
                .isEqualTo(ProcessCluster.KAFKA_LISTENERS
                        ? "PLAINTEXT://127.0.0.1:" + cluster.node(1).port + ",CONTROLLER://127.0.0.1:" + cluster.node(1).raftPort
                        : "PLAINTEXT://127.0.0.1:" + cluster.node(1).port);
        assertThat(written.getProperty("controller.quorum.voters")).contains("1@127.0.0.1:" + cluster.node(1).raftPort);
        cluster.createTopic(TOPIC, PARTITIONS, 1, Map.of());
        producer = VerifiableProducerProcess.start(dir, "vp", cluster.bootstrap(), TOPIC, 2000, 30, Map.of());
        producer.awaitAcks(0, 1000, Duration.ofSeconds(60));
        producer.stop(Duration.ofSeconds(30));
        List<VerifiableProducerProcess.Ack> acks = producer.acks();
        assertThat(producer.shutdownComplete()).isTrue();
        assertThat(producer.summaryAcked()).isEqualTo(acks.size());
        assertThat(acks.stream().map(VerifiableProducerProcess.Ack::partition).collect(Collectors.toSet()))
                .as("keys spread records over every partition").hasSize(PARTITIONS);
        assertThat(producer.failures()).isEmpty();
        List<ReplicationChecks.Acked> acked = ReplicationChecks.fromVerifiable(acks);
        ReplicationChecks.assertAckedReadOnceInOrder(acked, ReplicationChecks.readAll(cluster.bootstrap(), TOPIC, PARTITIONS));

        // kill -9 of partition 0's only replica, then a restart: the partition comes back with everything acked.
        int leader = cluster.leader(TOPIC, 0);
        int epochBefore = cluster.view(leader, TOPIC, 0).leaderEpoch();
        cluster.kill9(leader);
        assertThat(cluster.node(leader).running()).isFalse();
        cluster.restart(leader);
        Awaitility.await("partition 0 led by node " + leader + " again").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> cluster.leader(TOPIC, 0) == leader);
        assertThat(cluster.output(leader)).contains("=== fjord-it: start 2 of node " + leader);
        assertThat(cluster.newestView(TOPIC, 0).leaderEpoch()).isGreaterThanOrEqualTo(epochBefore);
        ReplicationChecks.assertAckedReadOnceInOrder(acked, ReplicationChecks.readAll(cluster.bootstrap(), TOPIC, PARTITIONS));

        // SIGSTOP longer than the session: fenced. SIGCONT: it heartbeats again and is unfenced.
        int frozen = leader == 3 ? 2 : 3;
        cluster.freeze(frozen);
        Awaitility.await("frozen node " + frozen + " fenced").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> !liveBrokers().contains(frozen));
        cluster.thaw(frozen);
        Awaitility.await("node " + frozen + " unfenced").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> liveBrokers().contains(frozen));

        Map<Integer, Long> hw = cluster.highWatermarks(TOPIC, PARTITIONS);
        Map<Integer, org.apache.kafka.common.TopicPartitionInfo> layout = cluster.describe(TOPIC);
        cluster.stopAll();
        for (int id : cluster.ids()) assertThat(cluster.node(id).running()).isFalse();
        long batchRecords = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            int replica = layout.get(p).replicas().get(0).id();
            List<ReplicaLogFiles.Batch> batches = ReplicaLogFiles.batches(cluster.partitionDir(replica, TOPIC, p));
            assertThat(ReplicaLogFiles.endOffset(batches)).as("partition %d's files end at its high watermark", p)
                    .isEqualTo(hw.get(p));
            for (ReplicaLogFiles.Batch b : batches) batchRecords += b.lastOffsetDelta() + 1;
            for (VerifiableProducerProcess.Ack a : acks) {
                if (a.partition() == p) assertThat(ReplicaLogFiles.batchHolding(batches, a.offset())).isNotNull();
            }
            ReplicaLogFiles.assertReplicasAgree(TOPIC + "-" + p, Map.of(replica, batches), hw.get(p));
        }
        assertThat(batchRecords).as("records in the files").isEqualTo(acks.size());
    }

    private Set<Integer> liveBrokers() throws Exception {
        return cluster.admin().describeCluster().nodes().get(5, TimeUnit.SECONDS).stream().map(Node::id)
                .collect(Collectors.toSet());
    }
}
