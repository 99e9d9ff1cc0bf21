package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, check D: a fourth node joins as {@code process.roles=broker}; Kafka's own reassignment tool
 * ({@code kafka-reassign-partitions.sh}'s class, {@code --execute} then {@code --verify} until done) moves one
 * partition's replicas to include it and drop one old replica, while an acks=all producer writes. No acknowledged
 * record is lost, the new replica set is in effect (all of it in sync), the dropped replica's partition folder is
 * gone from its broker's log dir, and the new replica's files hold the same batches as the others.
 */
class ReplicationReassignmentTest {
    private static final String TOPIC = "reassign";
    private static final int PARTITIONS = 3;
    private static final String TOOL = "org.apache.kafka.tools.reassign.ReassignPartitionsCommand";

    @TempDir
    Path dir;

    private ProcessCluster cluster;
    private RecordingProducer producer;

    @AfterEach
    void stopEverything() throws Exception {
        if (producer != null) producer.close();
        if (cluster != null) cluster.close();
    }

    @Test
    void movingAReplicaOntoANewBrokerUnderLoadLosesNothing() throws Exception {
        Random random = FaultSettings.random("ReplicationReassignmentTest");
        cluster = new ProcessCluster(dir, "ReplicationReassignmentTest", 3, FaultSettings.fastFailover()).start();
        cluster.createTopic(TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
        producer = new RecordingProducer(cluster.bootstrap(), TOPIC, 1000, 60, Map.of()).start();
        producer.awaitAcks(0, 2000, Duration.ofSeconds(60));

        long t0 = System.nanoTime();
        cluster.addBroker(4);
        long joinedMs = (System.nanoTime() - t0) / 1_000_000;
        int partition = random.nextInt(PARTITIONS);
        List<Integer> before = cluster.describe(TOPIC).get(partition).replicas().stream().map(Node::id).toList();
        int removed = before.get(random.nextInt(before.size()));
        List<Integer> target = new ArrayList<>(before);
        target.set(before.indexOf(removed), 4);
        Path plan = dir.resolve("reassignment.json");
        Files.writeString(plan, "{\"version\":1,\"partitions\":[{\"topic\":\"" + TOPIC + "\",\"partition\":" + partition
                + ",\"replicas\":" + target + "}]}");
        System.out.printf("[D] node 4 registered %d ms after its launch; moving %s-%d from %s to %s (dropping node %d)%n",
                joinedMs, TOPIC, partition, before, target, removed);

        long moveStart = System.nanoTime();
        KafkaTool.Result execute = KafkaTool.run(dir, TOOL, Duration.ofSeconds(60), List.of(
                "--bootstrap-server", cluster.bootstrap(), "--reassignment-json-file", plan.toString(), "--execute"));
        assertThat(execute.exitCode()).as("--execute output:\n%s", execute.output()).isZero();
        assertThat(execute.output()).contains("Successfully started partition reassignment");
        AtomicReference<KafkaTool.Result> verify = new AtomicReference<>();
        String done = "Reassignment of partition " + TOPIC + "-" + partition + " is completed";
        try {
            Awaitility.await("--verify reporting the reassignment completed").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500)).until(() -> {
                        verify.set(KafkaTool.run(dir, TOOL, Duration.ofSeconds(60), List.of("--bootstrap-server",
                                cluster.bootstrap(), "--reassignment-json-file", plan.toString(), "--verify")));
                        return verify.get().output().contains(done);
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "; last --verify (exit " + (verify.get() == null ? "-" : verify.get().exitCode())
                    + "):\n" + (verify.get() == null ? "" : verify.get().output()) + "\n" + cluster.tails(20), e);
        }
        long movedMs = (System.nanoTime() - moveStart) / 1_000_000;
        assertThat(verify.get().exitCode()).as("--verify output:\n%s", verify.get().output()).isZero();

        TopicPartitionInfo after = cluster.describe(TOPIC).get(partition);
        assertThat(after.replicas().stream().map(Node::id).toList()).as("replicas after the move").isEqualTo(target);
        cluster.awaitFullIsr(TOPIC, Duration.ofSeconds(30));
        Path old = cluster.partitionDir(removed, TOPIC, partition);
        Awaitility.await(old + " deleted").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> !Files.exists(old));
        assertThat(cluster.partitionDir(4, TOPIC, partition)).isDirectory();
        int acksAtMove = producer.ackCount();
        producer.awaitAcks(acksAtMove, 500, Duration.ofSeconds(30));
        System.out.printf("[D] --execute to --verify completed: %d ms; node %d's log dir now holds %s%n", movedMs, removed,
                list(cluster.node(removed).logDir()));

        producer.stop(Duration.ofSeconds(60));
        assertThat(producer.failures()).as("records the producer gave up on").isEmpty();
        List<RecordingProducer.Ack> acks = producer.acks();
        System.out.printf("[D] %d records acked during the test%n", acks.size());
        ReplicationChecks.finalCheck(cluster, TOPIC, PARTITIONS,
                acks.stream().map(a -> new ReplicationChecks.Acked(a.partition(), a.offset(), a.value())).toList());
    }

    private static String list(Path logDir) throws java.io.IOException {
        try (Stream<Path> s = Files.list(logDir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.joining(", "));
        }
    }
}
