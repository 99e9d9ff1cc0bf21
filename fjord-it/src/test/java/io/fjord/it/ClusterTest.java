package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.PartitionState;
import io.fjord.metadata.TopicImage;
import io.fjord.metadata.placement.ReplicaPlacer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A three-node cluster (broker + controller each, Raft quorum) in this JVM. */
class ClusterTest {
    @TempDir
    Path dir;

    private static TopicDescription describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    }

    @Test
    void createTopicPlacesReplicasOnDistinctBrokersWithEvenLeaders() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3, Map.of()).start();
             Admin admin = Clients.admin(cluster.bootstrap())) {
            assertThat(admin.describeCluster().nodes().get()).extracting(Node::id).containsExactlyInAnyOrder(1, 2, 3);
            admin.createTopics(List.of(new NewTopic("spread", 6, (short) 3))).all().get();
            cluster.awaitTopicEverywhere("spread");
            TopicDescription d = describe(admin, "spread");
            List<List<Integer>> placement = new ArrayList<>();
            Map<Integer, Integer> leaders = new HashMap<>();
            for (TopicPartitionInfo p : d.partitions()) {
                List<Integer> replicas = p.replicas().stream().map(Node::id).toList();
                assertThat(new HashSet<>(replicas)).hasSize(3);
                assertThat(p.leader().id()).isEqualTo(replicas.get(0));
                leaders.merge(p.leader().id(), 1, Integer::sum);
                placement.add(replicas);
            }
            assertThat(leaders).containsOnlyKeys(1, 2, 3).containsValues(2);
            boolean matches = false;
            List<ReplicaPlacer.Broker> brokers = List.of(new ReplicaPlacer.Broker(1, null), new ReplicaPlacer.Broker(2, null),
                    new ReplicaPlacer.Broker(3, null));
            for (int start = 0; start < 3; start++) {
                for (int shift = 0; shift < 3; shift++) {
                    matches |= ReplicaPlacer.place(brokers, 6, 3, start, shift, 0, new Random()).equals(placement);
                }
            }
            assertThat(matches).as("placement %s follows the algorithm", placement).isTrue();
            // Every broker serves the same metadata from its own copy of the image.
            for (int id : cluster.running()) {
                assertThat(cluster.node(id).broker().controller().image().topic("spread").partitions())
                        .isEqualTo(cluster.node(1).broker().controller().image().topic("spread").partitions());
            }
            // Produce through the leaders (the client routes each partition to its leader).
            try (KafkaProducer<String, String> p = Clients.producer(cluster.bootstrap())) {
                for (int i = 0; i < 12; i++) p.send(new ProducerRecord<>("spread", i % 6, "k" + i, "v" + i)).get();
            }
        }
    }

    @Test
    void badCreateTopicsAreRefusedAndNothingIsHalfCreated() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3, Map.of()).start();
             Admin admin = Clients.admin(cluster.node(2).bootstrap())) {
            assertThat(cause(() -> admin.createTopics(List.of(new NewTopic("rf4", 3, (short) 4))).all().get()))
                    .isInstanceOf(InvalidReplicationFactorException.class);
            assertThat(cause(() -> admin.createTopics(List.of(new NewTopic("bad/name", 1, (short) 1))).all().get()))
                    .isInstanceOf(InvalidTopicException.class);
            assertThat(cause(() -> admin.createTopics(List.of(new NewTopic("neg", -2, (short) 1))).all().get()))
                    .isInstanceOf(InvalidPartitionsException.class);
            // The same name twice in one request: both refused (INVALID_REQUEST), neither created.
            try (RawClient raw = new RawClient(cluster.node(3).port())) {
                io.fjord.protocol.types.Struct req = io.fjord.protocol.api.CreateTopicsApi.SPEC.newRequest();
                for (int i = 0; i < 2; i++) {
                    req.add("Topics", req.child("Topics").set("Name", "twice").set("NumPartitions", 1)
                            .set("ReplicationFactor", (short) 1));
                }
                io.fjord.protocol.types.Struct resp = raw.request(io.fjord.protocol.api.CreateTopicsApi.SPEC, (short) 7, req);
                assertThat(resp.getStructs("Topics")).extracting(t -> t.getShort("ErrorCode")).containsExactly((short) 42, (short) 42);
            }
            admin.createTopics(List.of(new NewTopic("once", 2, (short) 2))).all().get();
            cluster.awaitTopicEverywhere("once");
            assertThat(cause(() -> admin.createTopics(List.of(new NewTopic("once", 2, (short) 2))).all().get()))
                    .isInstanceOf(org.apache.kafka.common.errors.TopicExistsException.class);
            for (int id : cluster.running()) {
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                        cluster.node(id).broker().controller().image().topic("once") != null);
                ClusterImage img = cluster.node(id).broker().controller().image();
                assertThat(img.topics()).extracting(TopicImage::name).filteredOn(n -> !((String) n).startsWith("__")).containsExactly("once");
            }
        }
    }

    private static Throwable cause(ThrowingRunnable r) {
        try {
            r.run();
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void activeControllerFailsOverAndOneControllerPerEpoch() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3, Map.of()).start()) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.activeController() != -1);
            int first = cluster.activeController();
            long firstEpoch = cluster.controller(first).epoch();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                    Integer.valueOf(first).equals(cluster.controller(first).activeControllersByEpoch().get(firstEpoch)));
            long t0 = System.nanoTime();
            cluster.crash(first);
            Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
                    .until(() -> cluster.activeController() != -1);
            long failoverMs = (System.nanoTime() - t0) / 1_000_000;
            int second = cluster.activeController();
            assertThat(second).isNotEqualTo(first);
            assertThat(cluster.controller(second).epoch()).isGreaterThan(firstEpoch);
            try (Admin admin = Clients.admin(cluster.bootstrap())) {
                admin.createTopics(List.of(new NewTopic("after-failover", 4, (short) 2))).all().get();
                cluster.awaitTopicEverywhere("after-failover");
                assertThat(describe(admin, "after-failover").partitions()).hasSize(4);
            }
            long writeMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("controller failover: new active controller after %d ms, topic created after %d ms%n",
                    failoverMs, writeMs);
            // No two controllers in one epoch, and every node saw the same controller per epoch.
            Map<Long, Integer> seen = new HashMap<>();
            long secondEpoch = cluster.controller(second).epoch();
            for (int id : cluster.running()) {
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                        Integer.valueOf(second).equals(cluster.controller(id).activeControllersByEpoch().get(secondEpoch)));
                assertThat(cluster.controller(id).epochViolations()).isEmpty();
                for (var e : cluster.controller(id).activeControllersByEpoch().entrySet()) {
                    Integer prev = seen.putIfAbsent(e.getKey(), e.getValue());
                    assertThat(prev == null || prev.equals(e.getValue())).as("epoch %s", e.getKey()).isTrue();
                }
            }
            assertThat(seen).containsValue(first).containsValue(second);
            // The old controller comes back as a follower and catches up.
            cluster.restart(first);
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() ->
                    cluster.controller(first).image().topic("after-failover") != null);
        }
    }

    @Test
    void brokerThatStopsHeartbeatingIsFencedAndLosesLeadership() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3, Map.of()).start();
             Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic("fence", 6, (short) 3))).all().get();
            cluster.awaitTopicEverywhere("fence");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.activeController() != -1);
            int victim = cluster.activeController() == 3 ? 2 : 3; // a broker that is not the active controller
            TopicImage before = cluster.node(1).broker().controller().image().topic("fence");
            List<Integer> led = new ArrayList<>();
            for (PartitionState p : before.orderedPartitions()) if (p.leader() == victim) led.add(p.partition());
            assertThat(led).hasSize(2);
            cluster.crash(victim); // no controlled shutdown: only the missed heartbeats tell the controller
            awaitFencedEverywhere(cluster, victim);
            for (int id : cluster.running()) {
                assertThat(cluster.node(id).broker().controller().image().isShuttingDown(victim)).isFalse();
                TopicImage t = cluster.node(id).broker().controller().image().topic("fence");
                for (int p : led) {
                    PartitionState s = t.partition(p);
                    assertThat(s.leader()).isNotIn(victim, -1);
                    assertThat(s.leaderEpoch()).isGreaterThan(before.partition(p).leaderEpoch());
                    assertThat(s.isr()).doesNotContain(victim);
                }
                try (Admin a = Clients.admin(cluster.node(id).bootstrap())) {
                    assertThat(a.describeCluster().nodes().get()).extracting(Node::id).doesNotContain(victim).hasSize(2);
                    for (TopicPartitionInfo p : describe(a, "fence").partitions()) {
                        assertThat(p.leader().id()).isNotEqualTo(victim);
                    }
                }
            }
            cluster.restart(victim);
            for (int id : cluster.running()) {
                Awaitility.await().atMost(Duration.ofSeconds(15)).until(() ->
                        !cluster.node(id).broker().controller().image().isFenced(victim));
            }
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() ->
                    admin.describeCluster().nodes().get().size() == 3);
        }
    }

    private static void awaitFencedEverywhere(TestCluster cluster, int broker) {
        for (int id : cluster.running()) {
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() ->
                    cluster.node(id).broker().controller().image().isFenced(broker));
        }
    }

    /**
     * A clean stop is a controlled shutdown: before the node goes, its leaderships move to other ISR members and it
     * leaves the ISRs, in one metadata change; nobody waits for its session to time out (set to a minute here, so
     * fencing cannot be what moved them). Producers carry on against the new leaders.
     */
    @Test
    void cleanStopMovesLeadershipsBeforeTheNodeGoes() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3, Map.of("broker.session.timeout.ms", "60000",
                "auto.leader.rebalance.enable", "false")).start();
             Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic("moving", 6, (short) 3))).all().get();
            cluster.awaitTopicEverywhere("moving");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.activeController() != -1);
            int victim = cluster.activeController() == 2 ? 3 : 2;
            TopicImage before = cluster.node(1).broker().controller().image().topic("moving");
            List<Integer> led = new ArrayList<>();
            for (PartitionState p : before.orderedPartitions()) if (p.leader() == victim) led.add(p.partition());
            assertThat(led).hasSize(2);
            long t0 = System.nanoTime();
            cluster.stop(victim);
            long stopMs = (System.nanoTime() - t0) / 1_000_000;
            for (int id : cluster.running()) {
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                        cluster.node(id).broker().controller().image().isShuttingDown(victim));
                ClusterImage img = cluster.node(id).broker().controller().image();
                assertThat(img.isFenced(victim)).isTrue();
                for (PartitionState p : img.topic("moving").orderedPartitions()) {
                    assertThat(p.leader()).isNotIn(victim, -1);
                    assertThat(p.isr()).doesNotContain(victim).hasSize(2);
                    if (led.contains(p.partition())) {
                        assertThat(p.leaderEpoch()).isGreaterThan(before.partition(p.partition()).leaderEpoch());
                    }
                }
            }
            System.out.printf("controlled shutdown: node %d stopped in %d ms, leaderships of %s moved%n", victim, stopMs, led);
            try (KafkaProducer<String, String> p = Clients.producer(cluster.bootstrap())) {
                for (int i = 0; i < 12; i++) p.send(new ProducerRecord<>("moving", i % 6, "k" + i, "v" + i)).get();
            }
            // Back with a new registration: eligible again (it rejoins ISRs through its leaders).
            cluster.restart(victim);
            for (int id : cluster.running()) {
                Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> {
                    ClusterImage img = cluster.node(id).broker().controller().image();
                    return img.isEligible(victim) && !img.isShuttingDown(victim);
                });
            }
        }
    }
}
