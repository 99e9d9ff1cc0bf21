package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.ConsumerRebalanceListener;
import io.fjord.client.consumer.ConsumerRecord;
import io.fjord.client.consumer.FjordConsumer;
import io.fjord.client.consumer.OffsetAndMetadata;
import io.fjord.client.serialization.StringDeserializer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Fjord's consumer in consumer groups against Fjord's coordinator, alone and mixed with kafka-clients members. */
class FjordConsumerGroupsTest {
    @TempDir
    Path data;
    TestBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = new TestBroker(data, Map.of("group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "5")).start();
    }

    @AfterEach
    void stop() {
        if (broker != null) broker.close();
    }

    static Map<String, Object> fjordConfig(String bootstrap, String group, String name, String strategy) {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", bootstrap);
        c.put("group.id", group);
        c.put("client.id", name);
        c.put("auto.offset.reset", "earliest");
        c.put("enable.auto.commit", "false");
        c.put("session.timeout.ms", "10000");
        c.put("heartbeat.interval.ms", "500");
        c.put("max.poll.interval.ms", "30000");
        if (strategy != null) c.put("partition.assignment.strategy", strategy);
        return c;
    }

    /** A group member polling on its own thread, committing after each batch and when partitions are revoked. */
    private abstract static class Member implements AutoCloseable {
        final String name;
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile Set<Integer> assignment = Set.of();
        Thread thread;

        Member(String name) {
            this.name = name;
        }

        void start() {
            thread = new Thread(() -> {
                try {
                    run();
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "member-" + name);
            thread.start();
        }

        abstract void run();

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
            assertThat(thread.isAlive()).isFalse();
            assertThat(failure.get()).as(name).isNull();
        }
    }

    private static final class FjordMember extends Member {
        FjordMember(String name, String bootstrap, String group, String topic, String strategy, Map<String, List<String>> seenBy) {
            super(name);
            FjordConsumer<String, String> consumer = new FjordConsumer<>(fjordConfig(bootstrap, group, name, strategy),
                    new StringDeserializer(), new StringDeserializer());
            this.body = () -> {
                try (consumer) {
                    consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                        @Override
                        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                            consumer.commitSync();
                        }

                        @Override
                        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        }

                        @Override
                        public void onPartitionsLost(Collection<TopicPartition> partitions) {
                        }
                    });
                    while (running.get()) {
                        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                            seenBy.computeIfAbsent(r.partition() + "@" + r.offset(), k -> new CopyOnWriteArrayList<>()).add(name);
                        }
                        try {
                            consumer.commitSync();
                        } catch (io.fjord.client.consumer.RebalanceInProgressException e) {
                            // rejoining (cooperative: the partitions are still ours): commit after the next poll
                        }
                        Set<Integer> a = new HashSet<>();
                        consumer.assignment().forEach(tp -> a.add(tp.partition()));
                        assignment = Set.copyOf(a);
                    }
                }
            };
            start();
        }

        final Runnable body;

        @Override
        void run() {
            body.run();
        }
    }

    private static final class KafkaMember extends Member {
        final Runnable body;

        KafkaMember(String name, String bootstrap, String group, String topic, String strategy, Map<String, List<String>> seenBy) {
            super(name);
            KafkaConsumer<String, String> consumer = Clients.consumer(bootstrap, Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                    ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000", ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500",
                    ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "30000", ConsumerConfig.CLIENT_ID_CONFIG, name,
                    ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, strategy));
            this.body = () -> {
                try {
                    consumer.subscribe(List.of(topic), new org.apache.kafka.clients.consumer.ConsumerRebalanceListener() {
                        @Override
                        public void onPartitionsRevoked(Collection<org.apache.kafka.common.TopicPartition> partitions) {
                            consumer.commitSync();
                        }

                        @Override
                        public void onPartitionsAssigned(Collection<org.apache.kafka.common.TopicPartition> partitions) {
                        }

                        @Override
                        public void onPartitionsLost(Collection<org.apache.kafka.common.TopicPartition> partitions) {
                        }
                    });
                    while (running.get()) {
                        for (var r : consumer.poll(Duration.ofMillis(100))) {
                            seenBy.computeIfAbsent(r.partition() + "@" + r.offset(), k -> new CopyOnWriteArrayList<>()).add(name);
                        }
                        try {
                            consumer.commitSync();
                        } catch (org.apache.kafka.common.errors.RebalanceInProgressException e) {
                            // Kafka's consumer during a cooperative rebalance: it still owns the partitions and
                            // commits them after the next poll (or when they are revoked).
                        }
                        Set<Integer> a = new HashSet<>();
                        consumer.assignment().forEach(tp -> a.add(tp.partition()));
                        assignment = Set.copyOf(a);
                    }
                } finally {
                    consumer.close(Duration.ofSeconds(10));
                }
            };
            start();
        }

        @Override
        void run() {
            body.run();
        }
    }

    private void produce(String topic, int from, int count) {
        try (KafkaProducer<String, String> p = Clients.producer(broker.bootstrap())) {
            for (int i = from; i < from + count; i++) p.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            p.flush();
        }
    }

    private static boolean split(List<? extends Member> members, int partitions) {
        Set<Integer> all = new HashSet<>();
        int total = 0;
        for (Member m : members) {
            if (m.assignment.size() < partitions / members.size() || m.assignment.size() > (partitions + members.size() - 1) / members.size()) return false;
            all.addAll(m.assignment);
            total += m.assignment.size();
        }
        return all.size() == partitions && total == partitions;
    }

    @Test
    void threeFjordMembersSplitSixPartitionsAndTakeOverWhenOneLeaves() throws Exception {
        Clients.createTopic(broker.bootstrap(), "orders", 6);
        produce("orders", 0, 600);
        Map<String, List<String>> seenBy = new ConcurrentHashMap<>();
        List<Member> members = new ArrayList<>();
        try {
            for (String n : List.of("a", "b", "c")) members.add(new FjordMember(n, broker.bootstrap(), "fg1", "orders", null, seenBy));
            await().atMost(Duration.ofSeconds(60)).until(() -> split(members, 6));
            await().atMost(Duration.ofSeconds(60)).until(() -> seenBy.size() == 600);
            members.remove(2).close();
            await().atMost(Duration.ofSeconds(60)).until(() -> split(members, 6));
            produce("orders", 600, 600);
            await().atMost(Duration.ofSeconds(60)).until(() -> seenBy.size() == 1200);
        } finally {
            for (Member m : members) m.close();
        }
        assertThat(seenBy.values()).allMatch(l -> l.size() == 1);
        try (FjordConsumer<String, String> c = new FjordConsumer<>(fjordConfig(broker.bootstrap(), "fg1", "check", null),
                new StringDeserializer(), new StringDeserializer())) {
            Set<TopicPartition> all = new HashSet<>();
            for (int p = 0; p < 6; p++) all.add(new TopicPartition("orders", p));
            Map<TopicPartition, OffsetAndMetadata> committed = c.committed(all);
            assertThat(committed).hasSize(6);
            assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(1200);
        }
    }

    @Test
    void committedOffsetsSurviveRestartAndAFjordConsumerResumesAfterThem() throws Exception {
        Clients.createTopic(broker.bootstrap(), "events", 1);
        produce("events", 0, 200);
        Map<String, Object> cfg = fjordConfig(broker.bootstrap(), "fg2", "r", null);
        cfg.put("max.poll.records", "10");
        TopicPartition tp = new TopicPartition("events", 0);
        try (FjordConsumer<String, String> consumer = new FjordConsumer<>(cfg, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("events"));
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(got::add);
                return got.size() >= 10;
            });
            assertThat(got.get(0).offset()).isZero();
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(120, "half-way")));
        }
        broker.restart();
        cfg.put("bootstrap.servers", broker.bootstrap());
        try (FjordConsumer<String, String> consumer = new FjordConsumer<>(cfg, new StringDeserializer(), new StringDeserializer())) {
            assertThat(consumer.committed(Set.of(tp))).containsEntry(tp, new OffsetAndMetadata(120, "half-way"));
            consumer.subscribe(Pattern.compile("ev.*"));
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(got::add);
                return !got.isEmpty();
            });
            assertThat(got.get(0).offset()).isEqualTo(120);
            assertThat(got.get(0).value()).isEqualTo("v120");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"range", "cooperative-sticky"})
    void mixedGroupOfKafkaAndFjordConsumersSharesTheWork(String strategy) throws Exception {
        String kafkaStrategy = strategy.equals("range") ? org.apache.kafka.clients.consumer.RangeAssignor.class.getName()
                : org.apache.kafka.clients.consumer.CooperativeStickyAssignor.class.getName();
        String group = "mixed-" + strategy;
        Clients.createTopic(broker.bootstrap(), "mixed", 6);
        produce("mixed", 0, 300);
        Map<String, List<String>> seenBy = new ConcurrentHashMap<>();
        List<Member> members = new ArrayList<>();
        try {
            members.add(new KafkaMember("k1", broker.bootstrap(), group, "mixed", kafkaStrategy, seenBy));
            members.add(new FjordMember("f1", broker.bootstrap(), group, "mixed", strategy, seenBy));
            await().atMost(Duration.ofSeconds(60)).until(() -> split(members, 6));
            members.add(new FjordMember("f2", broker.bootstrap(), group, "mixed", kafkaStrategy, seenBy));
            await().atMost(Duration.ofSeconds(60)).until(() -> split(members, 6));
            await().atMost(Duration.ofSeconds(60)).until(() -> seenBy.size() == 300);
            members.remove(1).close(); // a Fjord member leaves; the Kafka one and the other Fjord one take over
            await().atMost(Duration.ofSeconds(60)).until(() -> split(members, 6));
            produce("mixed", 300, 300);
            await().atMost(Duration.ofSeconds(60)).until(() -> seenBy.size() == 600);
        } finally {
            for (Member m : members) m.close();
        }
        assertThat(seenBy.values()).allMatch(l -> l.size() == 1);
    }

    @Test
    void cooperativeMembersOnlyRevokeWhatMoves() throws Exception {
        Clients.createTopic(broker.bootstrap(), "coop", 6);
        List<Set<TopicPartition>> revokedA = new CopyOnWriteArrayList<>();
        Map<String, Object> ca = fjordConfig(broker.bootstrap(), "coop-g", "a", "cooperative-sticky");
        Map<String, Object> cb = fjordConfig(broker.bootstrap(), "coop-g", "b", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
        try (FjordConsumer<String, String> a = new FjordConsumer<>(ca, new StringDeserializer(), new StringDeserializer());
             FjordConsumer<String, String> b = new FjordConsumer<>(cb, new StringDeserializer(), new StringDeserializer())) {
            a.subscribe(List.of("coop"), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    revokedA.add(Set.copyOf(partitions));
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                }
            });
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                a.poll(Duration.ofMillis(50));
                return a.assignment().size() == 6;
            });
            Set<TopicPartition> before = a.assignment();
            b.subscribe(List.of("coop"));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                a.poll(Duration.ofMillis(50));
                b.poll(Duration.ofMillis(50));
                return a.assignment().size() == 3 && b.assignment().size() == 3;
            });
            // a gave up exactly the three partitions b got, in one revocation, and kept the rest throughout.
            assertThat(revokedA).hasSize(1);
            assertThat(revokedA.get(0)).hasSize(3).isEqualTo(b.assignment());
            assertThat(before).containsAll(a.assignment());
        }
    }

    @Test
    void aMemberThatStopsPollingLeavesAndRejoinsOnItsNextPoll() throws Exception {
        Clients.createTopic(broker.bootstrap(), "slow", 2);
        Map<String, Object> cfg = fjordConfig(broker.bootstrap(), "slow-g", "slow", null);
        cfg.put("max.poll.interval.ms", "1500");
        cfg.put("heartbeat.interval.ms", "200");
        try (FjordConsumer<String, String> c = new FjordConsumer<>(cfg, new StringDeserializer(), new StringDeserializer());
             io.fjord.client.admin.FjordAdmin admin = new io.fjord.client.admin.FjordAdmin(Map.of("bootstrap.servers", broker.bootstrap()))) {
            c.subscribe(List.of("slow"));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                c.poll(Duration.ofMillis(50));
                return c.assignment().size() == 2;
            });
            String first = c.groupMemberId();
            // No poll for longer than max.poll.interval.ms: the heartbeat thread leaves the group.
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeGroups(List.of("slow-g")).get("slow-g").members().isEmpty());
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                c.poll(Duration.ofMillis(50));
                return c.assignment().size() == 2;
            });
            assertThat(c.groupMemberId()).isNotEqualTo(first);
        }
    }

    @Test
    void autoCommitCommitsWhatWasConsumed() throws Exception {
        Clients.createTopic(broker.bootstrap(), "auto", 1);
        produce("auto", 0, 50);
        Map<String, Object> cfg = fjordConfig(broker.bootstrap(), "auto-g", "auto", null);
        cfg.put("enable.auto.commit", "true");
        cfg.put("auto.commit.interval.ms", "100");
        TopicPartition tp = new TopicPartition("auto", 0);
        try (FjordConsumer<String, String> c = new FjordConsumer<>(cfg, new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of("auto"));
            int[] n = {0};
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                n[0] += c.poll(Duration.ofMillis(50)).count();
                return n[0] == 50;
            });
            // Committed on a later poll once the interval passed.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                c.poll(Duration.ofMillis(50));
                OffsetAndMetadata om = c.committed(Set.of(tp)).get(tp);
                return om != null && om.offset() == 50;
            });
        }
        // Manually assigned partitions with group.id are auto-committed too (no group membership).
        cfg.put("group.id", "auto-assigned");
        try (FjordConsumer<String, String> c = new FjordConsumer<>(cfg, new StringDeserializer(), new StringDeserializer())) {
            c.assign(List.of(tp));
            int[] n = {0};
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                n[0] += c.poll(Duration.ofMillis(50)).count();
                OffsetAndMetadata om = n[0] == 50 ? c.committed(Set.of(tp)).get(tp) : null;
                return om != null && om.offset() == 50;
            });
            assertThat(c.groupGeneration()).isEqualTo(-1);
        }
    }
}
