package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KIP-848 consumer group protocol on three nodes (issue 11, check 3): kafka-clients 4.x members with
 * {@code group.protocol=consumer} split a replicated topic, keep going when the coordinator's node crashes (their
 * membership is in {@code __consumer_offsets}, so the new coordinator knows them), and new members resume at the
 * committed offsets. kafka-consumer-groups.sh --describe shows the members.
 */
class ClusterConsumerProtocolTest {
    static final String TOPIC = "orders";
    static final String GROUP = "billing-848";
    static final String GROUP_TOOL = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";

    @TempDir
    Path dir;
    TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
    }

    /** A kafka-clients member on the consumer protocol, polling on its own thread, committing after each batch. */
    static final class Member implements AutoCloseable {
        final KafkaConsumer<String, String> consumer;
        final Thread thread;
        final AtomicBoolean running = new AtomicBoolean(true);
        volatile Set<TopicPartition> assignment = Set.of();

        Member(String name, String bootstrap, Map<String, List<String>> seenBy) {
            consumer = Clients.consumer(bootstrap, Map.of(ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                    ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer",
                    ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "60000", ConsumerConfig.CLIENT_ID_CONFIG, name));
            thread = new Thread(() -> {
                consumer.subscribe(List.of(TOPIC), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        commit();
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    }
                });
                try {
                    while (running.get()) {
                        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                            seenBy.computeIfAbsent(r.value(), k -> new CopyOnWriteArrayList<>()).add(name);
                        }
                        commit();
                        assignment = Set.copyOf(consumer.assignment());
                    }
                } finally {
                    consumer.close(Duration.ofSeconds(10));
                }
            }, "member-" + name);
            thread.start();
        }

        private void commit() {
            try {
                consumer.commitSync(Duration.ofSeconds(20));
            } catch (KafkaException e) {
                // refused while the coordinator moves: the next loop commits again (nothing processed is lost)
            }
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
        await("three members with two partitions each").atMost(Duration.ofSeconds(90)).until(() -> {
            Set<TopicPartition> all = new HashSet<>();
            for (Member m : members) {
                if (m.assignment.size() != 2) return false;
                all.addAll(m.assignment);
            }
            return all.size() == 6;
        });
    }

    private static void closeAll(List<Member> members) throws InterruptedException {
        for (Member m : members) m.close();
    }

    private ConsumerGroupDescription describe(String bootstrap) throws Exception {
        try (Admin admin = Clients.admin(bootstrap)) {
            return admin.describeConsumerGroups(List.of(GROUP)).all().get().get(GROUP);
        }
    }

    @Test
    void consumerProtocolMembersSplitAReplicatedTopicAndSurviveTheCoordinatorsCrash() throws Exception {
        cluster = new TestCluster(dir, 3, Map.of("offsets.topic.num.partitions", "6", "offsets.topic.replication.factor", "3",
                "group.consumer.session.timeout.ms", "15000", "group.consumer.heartbeat.interval.ms", "500")).start();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 6, (short) 3))).all().get();
        }
        cluster.awaitTopicEverywhere(TOPIC);
        produce(0, 3000);

        Map<String, List<String>> seenBy = new ConcurrentHashMap<>();
        List<Member> first = members("a", cluster.bootstrap(), seenBy);
        int coordinator;
        try {
            awaitSplit(first);
            await().atMost(Duration.ofSeconds(60)).until(() -> seenBy.size() == 3000);
            ConsumerGroupDescription d = describe(cluster.bootstrap());
            assertThat(d.type()).isEqualTo(GroupType.CONSUMER);
            assertThat(d.members()).hasSize(3);
            await().atMost(Duration.ofSeconds(30)).until(() -> describe(cluster.bootstrap()).groupState().toString()
                    .equalsIgnoreCase("Stable"));
            coordinator = d.coordinator().id();
            // kafka-consumer-groups.sh --describe --members, through a broker that is not the coordinator.
            int other = cluster.running().stream().filter(id -> id != coordinator).findFirst().orElseThrow();
            KafkaTool.Result tool = KafkaTool.run(dir, GROUP_TOOL, Duration.ofSeconds(60), List.of("--bootstrap-server",
                    cluster.node(other).bootstrap(), "--describe", "--group", GROUP, "--members"));
            assertThat(tool.exitCode()).as(tool.output()).isZero();
            for (String name : List.of("a0", "a1", "a2")) assertThat(tool.output()).contains(name);
            System.out.println("kafka-consumer-groups.sh --describe --members:\n" + tool.output());

            long t0 = System.nanoTime();
            cluster.crash(coordinator);
            int crashed = coordinator;
            int survivor = cluster.running().get(0);
            await("group stable on a new coordinator").atMost(Duration.ofSeconds(90)).until(() -> {
                try {
                    ConsumerGroupDescription now = describe(cluster.node(survivor).bootstrap());
                    return now.coordinator().id() != crashed && now.members().size() == 3
                            && now.groupState().toString().equalsIgnoreCase("Stable");
                } catch (Exception e) {
                    return false;
                }
            });
            awaitSplit(first);
            System.out.printf("consumer protocol fail-over: crash of node %d -> group Stable with its 3 members on a new "
                    + "coordinator in %d ms%n", crashed, (System.nanoTime() - t0) / 1_000_000);
        } finally {
            closeAll(first);
        }
        assertThat(seenBy).hasSize(3000);
        assertThat(seenBy.values()).allMatch(l -> l.size() == 1);

        produce(3000, 3000);
        Map<String, List<String>> seenAfter = new ConcurrentHashMap<>();
        List<Member> second = members("b", cluster.bootstrap(), seenAfter);
        try {
            awaitSplit(second);
            await().atMost(Duration.ofSeconds(60)).until(() -> seenAfter.size() >= 3000);
        } finally {
            closeAll(second);
        }
        assertThat(seenAfter).hasSize(3000);
        assertThat(seenAfter.keySet()).allMatch(v -> Integer.parseInt(v.substring(1)) >= 3000);
        assertThat(seenAfter.values()).allMatch(l -> l.size() == 1);
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get();
            assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(6000);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(admin.describeConsumerGroups(List.of(GROUP))
                    .all().get().get(GROUP).groupState().toString()).isEqualToIgnoringCase("Empty"));
            admin.deleteConsumerGroups(List.of(GROUP)).all().get();
        }
    }
}
