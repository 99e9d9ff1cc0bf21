package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupType;
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

    private void produce(int from, int count) {
        try (KafkaProducer<String, String> p = Clients.producer(cluster.bootstrap())) {
            for (int i = from; i < from + count; i++) p.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i));
            p.flush();
        }
    }

    private static KafkaGroupMember member(String name, String bootstrap, Map<String, List<String>> seenBy, String protocol) {
        return new KafkaGroupMember(name, bootstrap, GROUP, TOPIC, protocol, Map.of(),
                r -> seenBy.computeIfAbsent(r.value(), k -> new CopyOnWriteArrayList<>()).add(name));
    }

    private static List<KafkaGroupMember> members(String prefix, String bootstrap, Map<String, List<String>> seenBy) {
        List<KafkaGroupMember> m = new ArrayList<>();
        for (int i = 0; i < 3; i++) m.add(member(prefix + i, bootstrap, seenBy, "consumer"));
        return m;
    }

    @Test
    void aLiveClassicGroupIsUpgradedMemberByMemberWithNothingSkippedOrReadTwice() throws Exception {
        cluster = new TestCluster(dir, 3, Map.of("offsets.topic.num.partitions", "6", "offsets.topic.replication.factor", "3",
                "group.initial.rebalance.delay.ms", "0", "group.consumer.heartbeat.interval.ms", "500")).start();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 6, (short) 3))).all().get();
        }
        cluster.awaitTopicEverywhere(TOPIC);
        produce(0, 2000);
        Map<String, List<String>> seenBy = new ConcurrentHashMap<>();
        List<KafkaGroupMember> live = new ArrayList<>();
        for (int i = 0; i < 3; i++) live.add(member("classic" + i, cluster.bootstrap(), seenBy, "classic"));
        try {
            KafkaGroupMember.awaitSplit(live, 6);
            assertThat(describe(cluster.bootstrap()).type()).isEqualTo(GroupType.CLASSIC);
            // Rolling upgrade: each classic member in turn is replaced by a consumer-protocol member while records flow.
            for (int i = 0; i < 3; i++) {
                live.remove(0).close();
                live.add(member("consumer" + i, cluster.bootstrap(), seenBy, "consumer"));
                KafkaGroupMember.awaitSplit(live, 6);
                produce(2000 + i * 1000, 1000);
                assertThat(describe(cluster.bootstrap()).type()).isEqualTo(GroupType.CONSUMER);
            }
            await("every record read").atMost(Duration.ofSeconds(90)).until(() -> seenBy.size() == 5000);
            ConsumerGroupDescription d = describe(cluster.bootstrap());
            assertThat(d.members()).extracting(m -> m.clientId()).containsExactlyInAnyOrder("consumer0", "consumer1", "consumer2");
        } finally {
            KafkaGroupMember.closeAll(live);
        }
        assertThat(seenBy).hasSize(5000);
        List<String> twice = seenBy.entrySet().stream().filter(e -> e.getValue().size() != 1).map(e -> e.getKey() + e.getValue()).toList();
        assertThat(twice).as("records read more than once").isEmpty();
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
        List<KafkaGroupMember> first = members("a", cluster.bootstrap(), seenBy);
        int coordinator;
        try {
            KafkaGroupMember.awaitSplit(first, 6);
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
            KafkaGroupMember.awaitSplit(first, 6);
            System.out.printf("consumer protocol fail-over: crash of node %d -> group Stable with its 3 members on a new "
                    + "coordinator in %d ms%n", crashed, (System.nanoTime() - t0) / 1_000_000);
        } finally {
            KafkaGroupMember.closeAll(first);
        }
        assertThat(seenBy).hasSize(3000);
        assertThat(seenBy.values()).allMatch(l -> l.size() == 1);

        produce(3000, 3000);
        Map<String, List<String>> seenAfter = new ConcurrentHashMap<>();
        List<KafkaGroupMember> second = members("b", cluster.bootstrap(), seenAfter);
        try {
            KafkaGroupMember.awaitSplit(second, 6);
            await().atMost(Duration.ofSeconds(60)).until(() -> seenAfter.size() >= 3000);
        } finally {
            KafkaGroupMember.closeAll(second);
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
