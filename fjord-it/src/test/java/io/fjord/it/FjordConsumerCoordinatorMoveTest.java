package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.FjordConsumer;
import io.fjord.client.serialization.StringDeserializer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fjord's own consumer in a group on three nodes (issue 11's client part): FindCoordinator goes to the cluster and
 * the members reach the broker that leads the group's offsets partition; when that broker crashes, NOT_COORDINATOR /
 * COORDINATOR_NOT_AVAILABLE / lost connections send them to look it up again, and the group is Stable on the new
 * coordinator with its three members. New members resume exactly at the committed offsets.
 */
class FjordConsumerCoordinatorMoveTest {
    static final String TOPIC = "orders";
    static final String GROUP = "fjord-billing";

    @TempDir
    Path dir;
    TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
    }

    /** A Fjord member polling on its own thread, committing after each batch (a failed commit is retried next loop). */
    static final class Member implements AutoCloseable {
        final Thread thread;
        final AtomicBoolean running = new AtomicBoolean(true);
        volatile Set<TopicPartition> assignment = Set.of();

        Member(String name, String bootstrap, Map<String, List<String>> seenBy) {
            Map<String, Object> c = new HashMap<>();
            c.put("bootstrap.servers", bootstrap);
            c.put("group.id", GROUP);
            c.put("client.id", name);
            c.put("auto.offset.reset", "earliest");
            c.put("enable.auto.commit", "false");
            c.put("session.timeout.ms", "10000");
            c.put("heartbeat.interval.ms", "500");
            FjordConsumer<String, String> consumer = new FjordConsumer<>(c, new StringDeserializer(), new StringDeserializer());
            thread = new Thread(() -> {
                try (consumer) {
                    consumer.subscribe(List.of(TOPIC));
                    while (running.get()) {
                        try {
                            consumer.poll(Duration.ofMillis(100)).forEach(r ->
                                    seenBy.computeIfAbsent(r.value(), k -> new CopyOnWriteArrayList<>()).add(name));
                            consumer.commitSync(Duration.ofSeconds(20));
                        } catch (RuntimeException e) {
                            // the coordinator moved mid-commit or mid-rebalance: the next loop polls and commits again
                        }
                        assignment = Set.copyOf(consumer.assignment());
                    }
                }
            }, "fjord-member-" + name);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(60_000);
        }
    }

    private void produce(int from, int count) {
        try (KafkaProducer<String, String> p = Clients.producer(cluster.bootstrap())) {
            for (int i = from; i < from + count; i++) p.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i));
            p.flush();
        }
    }

    private static List<Member> members(String prefix, String bootstrap, Map<String, List<String>> seenBy) {
        List<Member> m = new ArrayList<>();
        for (int i = 0; i < 3; i++) m.add(new Member(prefix + i, bootstrap, seenBy));
        return m;
    }

    private static void awaitSplit(List<Member> members) {
        await("three Fjord members with two partitions each").atMost(Duration.ofSeconds(90)).until(() -> {
            Set<TopicPartition> all = new HashSet<>();
            for (Member m : members) {
                if (m.assignment.size() != 2) return false;
                all.addAll(m.assignment);
            }
            return all.size() == 6;
        });
    }

    private ConsumerGroupDescription describe(int node) throws Exception {
        try (Admin admin = Clients.admin(cluster.node(node).bootstrap())) {
            return admin.describeConsumerGroups(List.of(GROUP)).all().get().get(GROUP);
        }
    }

    @Test
    void fjordMembersFollowTheirGroupToTheNewCoordinatorAfterACrash() throws Exception {
        cluster = new TestCluster(dir, 3, Map.of("group.initial.rebalance.delay.ms", "0",
                "offsets.topic.num.partitions", "6", "offsets.topic.replication.factor", "3")).start();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 6, (short) 3))).all().get();
        }
        cluster.awaitTopicEverywhere(TOPIC);
        produce(0, 3000);

        Map<String, List<String>> seenBy = new ConcurrentHashMap<>();
        List<Member> first = members("a", cluster.bootstrap(), seenBy);
        try {
            awaitSplit(first);
            await().atMost(Duration.ofSeconds(60)).until(() -> seenBy.size() == 3000);
            int coordinator = describe(cluster.running().get(0)).coordinator().id();
            var offsets = cluster.node(coordinator).broker().controller().image().topic("__consumer_offsets");
            assertThat(offsets.partition(Math.abs(GROUP.hashCode()) % offsets.partitionCount()).leader())
                    .as("the members found the offsets partition's leader").isEqualTo(coordinator);

            cluster.crash(coordinator);
            int survivor = cluster.running().get(0);
            await("group Stable with its 3 Fjord members on a new coordinator").atMost(Duration.ofSeconds(90)).until(() -> {
                try {
                    ConsumerGroupDescription d = describe(survivor);
                    return d.coordinator().id() != coordinator && d.members().size() == 3
                            && d.groupState().toString().equalsIgnoreCase("Stable");
                } catch (Exception e) {
                    return false;
                }
            });
            awaitSplit(first);
        } finally {
            for (Member m : first) m.close();
        }
        assertThat(seenBy).hasSize(3000);
        assertThat(seenBy.values()).as("each record read once").allMatch(l -> l.size() == 1);

        // New members start at the committed offsets that moved with the offsets partition.
        produce(3000, 3000);
        Map<String, List<String>> seenAfter = new ConcurrentHashMap<>();
        List<Member> second = members("b", cluster.bootstrap(), seenAfter);
        try {
            awaitSplit(second);
            await().atMost(Duration.ofSeconds(60)).until(() -> seenAfter.size() >= 3000);
        } finally {
            for (Member m : second) m.close();
        }
        assertThat(seenAfter).hasSize(3000);
        assertThat(seenAfter.keySet()).allMatch(v -> Integer.parseInt(v.substring(1)) >= 3000);
        assertThat(seenAfter.values()).allMatch(l -> l.size() == 1);
    }
}
