package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.PartitionState;
import io.fjord.protocol.api.AlterPartitionApi;
import io.fjord.protocol.types.Struct;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller's replication APIs on the wire of a three-node cluster: AlterPartition bad input, reassignments
 * (Kafka's Admin and {@code kafka-reassign-partitions.sh}), preferred elections ({@code kafka-leader-election.sh}).
 * Automatic leader balancing is off so that only the requests move leaders.
 */
class ControllerApisTest {
    private static final Map<String, String> NO_REBALANCE = Map.of("auto.leader.rebalance.enable", "false");

    @TempDir
    Path dir;

    private static void awaitEverywhere(TestCluster cluster, String what, Predicate<ClusterImage> condition) {
        Awaitility.await(what).atMost(Duration.ofSeconds(30)).until(() -> {
            for (int id : cluster.running()) {
                if (!condition.test(cluster.node(id).broker().controller().image())) return false;
            }
            return true;
        });
    }

    private static PartitionState state(TestCluster cluster, int node, String topic) {
        return cluster.node(node).broker().controller().image().topic(topic).partition(0);
    }

    /** An AlterPartition v3 request for partition 0 of topic {@code id}, as broker {@code leader}. */
    private static Struct alterPartition(int leader, UUID id, int leaderEpoch, int partitionEpoch, List<Integer> isr) {
        Struct req = AlterPartitionApi.SPEC.newRequest().set("BrokerId", leader).set("BrokerEpoch", -1L);
        Struct topic = req.child("Topics").set("TopicId", id);
        Struct p = topic.child("Partitions").set("PartitionIndex", 0).set("LeaderEpoch", leaderEpoch)
                .set("PartitionEpoch", partitionEpoch).set("LeaderRecoveryState", (byte) 0);
        for (int b : isr) p.add("NewIsrWithEpochs", p.child("NewIsrWithEpochs").set("BrokerId", b).set("BrokerEpoch", -1L));
        topic.add("Partitions", p);
        req.add("Topics", topic);
        return req;
    }

    private static Struct send(RawClient raw, Struct req) throws Exception {
        Struct resp = raw.request(AlterPartitionApi.SPEC, (short) 3, req);
        assertThat(resp.getShort("ErrorCode")).isZero();
        return resp.getStructs("Topics").get(0).getStructs("Partitions").get(0);
    }

    private static short code(RawClient raw, Struct req) throws Exception {
        return send(raw, req).getShort("ErrorCode");
    }

    private static Throwable cause(ClusterTest.ThrowingRunnable r) {
        try {
            r.run();
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }

    @Test
    void badAlterPartitionsAndReassignmentsAreRefusedAndChangeNothing() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3, NO_REBALANCE).start();
             Admin admin = Clients.admin(cluster.node(1).bootstrap())) {
            // Broker 3 goes (it leads nothing yet, so it is simply fenced when its session ends): it stays
            // registered but cannot be in an ISR, and with it down no leader below will change an ISR on its own.
            cluster.stop(3);
            awaitEverywhere(cluster, "3 fenced", img -> !img.isEligible(3) && img.broker(3) != null);
            admin.createTopics(List.of(new NewTopic("ap", Map.of(0, List.of(1, 2, 3))))).all().get();
            cluster.awaitTopicEverywhere("ap");
            PartitionState s0 = state(cluster, 1, "ap");
            assertThat(s0.isr()).as("a new partition's ISR has only live replicas").containsExactly(1, 2);
            assertThat(s0.leader()).isEqualTo(1);
            UUID id = cluster.node(1).broker().controller().image().topic("ap").id();
            TopicPartition ap0 = new TopicPartition("ap", 0);

            try (RawClient raw = new RawClient(cluster.node(2).port())) {
                assertThat(code(raw, alterPartition(1, id, s0.leaderEpoch(), s0.partitionEpoch(), List.of(1, 2, 3))))
                        .as("INELIGIBLE_REPLICA: 3 is fenced").isEqualTo((short) 107);

                // A reordering reassignment completes at once and moves the partition epoch on.
                admin.alterPartitionReassignments(Map.of(ap0, Optional.of(new NewPartitionReassignment(List.of(1, 3, 2)))))
                        .all().get();
                awaitEverywhere(cluster, "reordered", img -> img.topic("ap").partition(0).replicas().equals(List.of(1, 3, 2)));
                PartitionState s1 = state(cluster, 1, "ap");
                assertThat(s1.partitionEpoch()).isEqualTo(s0.partitionEpoch() + 1);
                assertThat(s1.isReassigning()).isFalse();

                // The shrink the leader built on the old state: INVALID_UPDATE_VERSION, and no node changes.
                assertThat(code(raw, alterPartition(1, id, s0.leaderEpoch(), s0.partitionEpoch(), List.of(1))))
                        .isEqualTo((short) 95);
                for (int n : cluster.running()) assertThat(state(cluster, n, "ap")).isEqualTo(s1);

                assertThat(code(raw, alterPartition(2, id, s1.leaderEpoch(), s1.partitionEpoch(), List.of(1, 2))))
                        .as("INVALID_REQUEST: 2 is not the leader").isEqualTo((short) 42);
                assertThat(code(raw, alterPartition(1, id, s1.leaderEpoch(), s1.partitionEpoch(), List.of(2))))
                        .as("INVALID_REQUEST: the ISR must hold the leader").isEqualTo((short) 42);
                assertThat(code(raw, alterPartition(1, id, s1.leaderEpoch() + 1, s1.partitionEpoch(), List.of(1))))
                        .as("NOT_CONTROLLER: an epoch the log has not reached").isEqualTo((short) 41);
                assertThat(code(raw, alterPartition(1, UUID.randomUUID(), 0, 0, List.of(1)))).isEqualTo((short) 100);
                for (int n : cluster.running()) assertThat(state(cluster, n, "ap")).isEqualTo(s1);
            }

            // A reassignment to a broker that does not exist: INVALID_REPLICA_ASSIGNMENT, nothing moves.
            PartitionState before = state(cluster, 1, "ap");
            assertThat(cause(() -> admin.alterPartitionReassignments(
                    Map.of(ap0, Optional.of(new NewPartitionReassignment(List.of(1, 2, 9))))).all().get()))
                    .isInstanceOf(InvalidReplicaAssignmentException.class);
            assertThat(admin.listPartitionReassignments().reassignments().get()).isEmpty();
            for (int n : cluster.running()) assertThat(state(cluster, n, "ap")).isEqualTo(before);
            // KIP-860: a move that would change the replication factor, when the caller forbids that.
            assertThat(cause(() -> admin.alterPartitionReassignments(
                    Map.of(ap0, Optional.of(new NewPartitionReassignment(List.of(1, 2)))),
                    new org.apache.kafka.clients.admin.AlterPartitionReassignmentsOptions().allowReplicationFactorChange(false))
                    .all().get()))
                    .isInstanceOf(org.apache.kafka.common.errors.InvalidReplicationFactorException.class);
            for (int n : cluster.running()) assertThat(state(cluster, n, "ap")).isEqualTo(before);

            // The current epochs: committed, and the answer carries the new state. (Last for this partition: its
            // leader may then let 2 back in on its own.)
            try (RawClient raw = new RawClient(cluster.node(2).port())) {
                Struct ok = send(raw, alterPartition(1, id, before.leaderEpoch(), before.partitionEpoch(), List.of(1)));
                assertThat(ok.getShort("ErrorCode")).isZero();
                assertThat(ok.getInt("LeaderId")).isEqualTo(1);
                assertThat(ok.<Integer>getList("Isr")).containsExactly(1);
                assertThat(ok.getInt("PartitionEpoch")).isEqualTo(before.partitionEpoch() + 1);
            }

            // A move that cannot finish (3 is down): listed with its adding replica, then cancelled.
            admin.createTopics(List.of(new NewTopic("mv", Map.of(0, List.of(1, 2))))).all().get();
            cluster.awaitTopicEverywhere("mv");
            TopicPartition mv0 = new TopicPartition("mv", 0);
            admin.alterPartitionReassignments(Map.of(mv0, Optional.of(new NewPartitionReassignment(List.of(1, 2, 3))))).all().get();
            Map<TopicPartition, PartitionReassignment> ongoing = admin.listPartitionReassignments().reassignments().get();
            assertThat(ongoing).containsOnlyKeys(mv0);
            assertThat(ongoing.get(mv0).replicas()).containsExactly(1, 2, 3);
            assertThat(ongoing.get(mv0).addingReplicas()).containsExactly(3);
            assertThat(ongoing.get(mv0).removingReplicas()).isEmpty();
            admin.alterPartitionReassignments(Map.of(mv0, Optional.empty())).all().get();
            assertThat(admin.listPartitionReassignments().reassignments().get()).isEmpty();
            awaitEverywhere(cluster, "cancelled", img -> img.topic("mv").partition(0).replicas().equals(List.of(1, 2)));
            assertThat(cause(() -> admin.alterPartitionReassignments(Map.of(mv0, Optional.empty())).all().get()))
                    .isInstanceOf(NoReassignmentInProgressException.class);
        }
    }

    /** {@code kafka-leader-election.sh}: a reordered partition's new preferred replica takes over on request. */
    @Test
    void kafkaLeaderElectionToolElectsPreferredLeaders() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3, NO_REBALANCE).start();
             Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic("el", Map.of(0, List.of(1, 2, 3), 1, List.of(2, 3, 1))))).all().get();
            cluster.awaitTopicEverywhere("el");
            // el-0 reordered: 1 keeps leading, 2 becomes the preferred leader.
            admin.alterPartitionReassignments(Map.of(new TopicPartition("el", 0),
                    Optional.of(new NewPartitionReassignment(List.of(2, 1, 3))))).all().get();
            awaitEverywhere(cluster, "reordered", img -> img.topic("el").partition(0).replicas().equals(List.of(2, 1, 3)));
            assertThat(state(cluster, 1, "el").leader()).isEqualTo(1);
            String bootstrap = cluster.bootstrap();

            var elect = IdempotentProducerTest.Tool.run(dir, "org.apache.kafka.tools.LeaderElectionCommand", "",
                    "--bootstrap-server", bootstrap, "--election-type", "PREFERRED", "--all-topic-partitions");
            assertThat(elect.exit()).as(elect.output()).isZero();
            assertThat(elect.output()).contains("Successfully completed leader election (PREFERRED) for partitions el-0");
            awaitEverywhere(cluster, "preferred leader", img -> img.topic("el").partition(0).leader() == 2);
            assertThat(admin.describeTopics(List.of("el")).allTopicNames().get().get("el").partitions().get(1).leader().id())
                    .isEqualTo(2);

            var again = IdempotentProducerTest.Tool.run(dir, "org.apache.kafka.tools.LeaderElectionCommand", "",
                    "--bootstrap-server", bootstrap, "--election-type", "PREFERRED", "--topic", "el", "--partition", "0");
            assertThat(again.exit()).as(again.output()).isZero();
            assertThat(again.output()).contains("Valid replica already elected for partitions el-0");
        }
    }

    /**
     * {@code kafka-reassign-partitions.sh --execute} then {@code --verify} (which also clears replication throttles
     * through IncrementalAlterConfigs). Moves that only reorder or drop replicas complete at once.
     */
    @Test
    void kafkaReassignPartitionsToolExecutesAndVerifies() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3, NO_REBALANCE).start();
             Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic("rp", Map.of(0, List.of(1, 2, 3), 1, List.of(2, 3, 1))))).all().get();
            cluster.awaitTopicEverywhere("rp");
            // rp-0 reordered; rp-1 shrunk, its leader 2 removed.
            Path plan = dir.resolve("reassign.json");
            Files.writeString(plan, "{\"version\":1,\"partitions\":["
                    + "{\"topic\":\"rp\",\"partition\":0,\"replicas\":[2,1,3]},"
                    + "{\"topic\":\"rp\",\"partition\":1,\"replicas\":[3,1]}]}");
            String bootstrap = cluster.bootstrap();
            var execute = IdempotentProducerTest.Tool.run(dir, "org.apache.kafka.tools.reassign.ReassignPartitionsCommand", "",
                    "--bootstrap-server", bootstrap, "--reassignment-json-file", plan.toString(), "--execute");
            assertThat(execute.exit()).as(execute.output()).isZero();
            assertThat(execute.output()).contains("Successfully started partition reassignments for rp-0,rp-1");
            awaitEverywhere(cluster, "moved", img -> img.topic("rp").partition(1).replicas().equals(List.of(3, 1))
                    && img.topic("rp").partition(0).replicas().equals(List.of(2, 1, 3)));
            var verify = IdempotentProducerTest.Tool.run(dir, "org.apache.kafka.tools.reassign.ReassignPartitionsCommand", "",
                    "--bootstrap-server", bootstrap, "--reassignment-json-file", plan.toString(), "--verify");
            assertThat(verify.exit()).as(verify.output()).isZero();
            assertThat(verify.output()).contains("Reassignment of partition rp-0 is completed.",
                    "Reassignment of partition rp-1 is completed.");
            List<TopicPartitionInfo> parts = admin.describeTopics(List.of("rp")).allTopicNames().get().get("rp").partitions();
            assertThat(parts.get(0).leader().id()).isEqualTo(1);
            assertThat(parts.get(1).leader().id()).isEqualTo(3);
            assertThat(parts.get(1).replicas()).extracting(Node::id).containsExactly(3, 1);
        }
    }

    /**
     * A move to a new broker with real data: the new replica follows, catches up, its leader lets it into the ISR,
     * and that ISR change completes the move (the leader, not in the target, hands over). Every acknowledged record
     * is readable from the new replicas; the removed broker drops the partition.
     */
    @Test
    void reassignmentToANewBrokerCopiesTheDataThenCompletes() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3, NO_REBALANCE).start();
             Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic("rx", Map.of(0, List.of(1, 2))))).all().get();
            cluster.awaitTopicEverywhere("rx");
            int count = 500;
            try (org.apache.kafka.clients.producer.KafkaProducer<String, String> p = Clients.producer(cluster.bootstrap())) {
                for (int i = 0; i < count; i++) p.send(new org.apache.kafka.clients.producer.ProducerRecord<>("rx", 0, "k" + i, "v" + i));
                p.flush();
            }
            TopicPartition rx0 = new TopicPartition("rx", 0);
            admin.alterPartitionReassignments(Map.of(rx0, Optional.of(new NewPartitionReassignment(List.of(2, 3))))).all().get();
            awaitEverywhere(cluster, "move completed", img -> {
                PartitionState s = img.topic("rx").partition(0);
                return !s.isReassigning() && s.replicas().equals(List.of(2, 3)) && s.isr().containsAll(List.of(2, 3));
            });
            PartitionState done = state(cluster, 3, "rx");
            assertThat(done.leader()).as("1 left the replicas: the first target ISR member leads").isEqualTo(2);
            assertThat(done.isr()).containsExactlyInAnyOrder(2, 3);
            assertThat(admin.listPartitionReassignments().reassignments().get()).isEmpty();
            Awaitility.await("1 drops its replica").atMost(Duration.ofSeconds(30)).until(() ->
                    cluster.node(1).broker().replicaManager().partition(new io.fjord.broker.replica.TopicPartition("rx", 0)) == null);
            var read = Clients.readFromStart(cluster.bootstrap(), List.of(rx0), count);
            assertThat(read).extracting(org.apache.kafka.clients.consumer.ConsumerRecord::value)
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, count).mapToObj(i -> "v" + i).toList());
        }
    }
}
