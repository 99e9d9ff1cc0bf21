package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fjord.protocol.api.FindCoordinatorApi;
import io.fjord.protocol.api.HeartbeatApi;
import io.fjord.protocol.api.OffsetCommitApi;
import io.fjord.protocol.api.SyncGroupApi;
import io.fjord.protocol.types.Struct;
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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kafka-clients 4.x consumer groups (classic protocol) against Fjord's group coordinator. */
class ConsumerGroupsTest {
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

    /** A group member polling on its own thread, committing after each batch it processed. */
    private static final class Member implements AutoCloseable {
        final String name;
        final KafkaConsumer<String, String> consumer;
        final Thread thread;
        final AtomicBoolean running = new AtomicBoolean(true);
        volatile Set<TopicPartition> assignment = Set.of();

        Member(String name, String bootstrap, String group, String topic, Map<String, List<String>> seenBy) {
            this.name = name;
            this.consumer = Clients.consumer(bootstrap, Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                    ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000", ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500",
                    ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "30000", ConsumerConfig.CLIENT_ID_CONFIG, name));
            this.thread = new Thread(() -> {
                consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        consumer.commitSync();
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    }
                });
                try {
                    while (running.get()) {
                        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                            seenBy.computeIfAbsent(r.partition() + "@" + r.offset(), k -> new CopyOnWriteArrayList<>()).add(name);
                        }
                        consumer.commitSync();
                        assignment = Set.copyOf(consumer.assignment());
                    }
                } finally {
                    consumer.close(Duration.ofSeconds(10)); // leaves the group
                }
            }, "member-" + name);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
        }
    }

    private void produce(String topic, int from, int count) {
        try (KafkaProducer<String, String> p = Clients.producer(broker.bootstrap())) {
            for (int i = from; i < from + count; i++) p.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            p.flush();
        }
    }

    @Test
    void threeMembersSplitSixPartitionsAndTakeOverWhenOneLeaves() throws Exception {
        Clients.createTopic(broker.bootstrap(), "orders", 6);
        produce("orders", 0, 600);
        Map<String, List<String>> seenBy = new ConcurrentHashMap<>();
        Member a = new Member("a", broker.bootstrap(), "g1", "orders", seenBy);
        Member b = new Member("b", broker.bootstrap(), "g1", "orders", seenBy);
        Member c = new Member("c", broker.bootstrap(), "g1", "orders", seenBy);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> a.assignment.size() == 2 && b.assignment.size() == 2 && c.assignment.size() == 2);
            Set<TopicPartition> all = new HashSet<>(a.assignment);
            all.addAll(b.assignment);
            all.addAll(c.assignment);
            assertThat(all).hasSize(6);
            try (Admin admin = Clients.admin(broker.bootstrap())) {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of("g1")).all().get().get("g1");
                assertThat(d.members()).hasSize(3);
                assertThat(d.groupState().toString()).isEqualToIgnoringCase("Stable");
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> seenBy.size() == 600);

            c.close();
            await().atMost(Duration.ofSeconds(60)).until(() -> a.assignment.size() + b.assignment.size() == 6
                    && a.assignment.size() == 3 && b.assignment.size() == 3);
            produce("orders", 600, 600);
            await().atMost(Duration.ofSeconds(60)).until(() -> seenBy.size() == 1200);
        } finally {
            a.close();
            b.close();
            c.close();
        }
        // Commits after processing and a clean leave: every record was consumed by exactly one member.
        assertThat(seenBy).hasSize(1200);
        assertThat(seenBy.values()).allMatch(l -> l.size() == 1);
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("g1").partitionsToOffsetAndMetadata().get();
            assertThat(committed).hasSize(6);
            assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(1200);
        }
    }

    @Test
    void membersJoinAndLeaveFiveTimesUnderLoadWithoutSkippingOrDuplicating() throws Exception {
        Clients.createTopic(broker.bootstrap(), "stream", 6);
        Map<String, List<String>> seenBy = new ConcurrentHashMap<>();
        AtomicBoolean producing = new AtomicBoolean(true);
        int[] produced = {0};
        Thread producer = new Thread(() -> {
            try (KafkaProducer<String, String> p = Clients.producer(broker.bootstrap())) {
                while (producing.get()) {
                    p.send(new ProducerRecord<>("stream", "k" + produced[0], "v" + produced[0])).get();
                    produced[0]++;
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, "load");
        producer.start();
        List<Member> members = new ArrayList<>();
        try {
            members.add(new Member("m0", broker.bootstrap(), "g4", "stream", seenBy));
            for (int round = 1; round <= 5; round++) {
                members.add(new Member("m" + round, broker.bootstrap(), "g4", "stream", seenBy));
                int live = members.size();
                await().atMost(Duration.ofSeconds(60)).until(() -> members.stream().mapToInt(m -> m.assignment.size()).sum() == 6
                        && members.stream().allMatch(m -> m.assignment.size() >= 6 / live));
                members.remove(0).close();
            }
            producing.set(false);
            producer.join(60_000);
            int total = produced[0];
            assertThat(total).isGreaterThan(0);
            await().atMost(Duration.ofSeconds(60)).until(() -> seenBy.size() == total);
        } finally {
            producing.set(false);
            for (Member m : members) m.close();
        }
        // Every record at least once, none skipped; with commits after processing and clean leaves, exactly once.
        assertThat(seenBy.values()).allMatch(l -> l.size() == 1);
    }

    @Test
    void staticMemberRejoinsWithoutARebalance() throws Exception {
        Clients.createTopic(broker.bootstrap(), "static", 4);
        Map<String, String> one = Map.of(ConsumerConfig.GROUP_ID_CONFIG, "g5", ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "one",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "30000");
        Map<String, String> two = Map.of(ConsumerConfig.GROUP_ID_CONFIG, "g5", ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "two",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "30000");
        try (KafkaConsumer<String, String> c2 = Clients.consumer(broker.bootstrap(), two)) {
            c2.subscribe(List.of("static"));
            Set<TopicPartition> firstAssignment;
            int generation;
            try (KafkaConsumer<String, String> c1 = Clients.consumer(broker.bootstrap(), one)) {
                c1.subscribe(List.of("static"));
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    c1.poll(Duration.ofMillis(50));
                    c2.poll(Duration.ofMillis(50));
                    return c1.assignment().size() == 2 && c2.assignment().size() == 2;
                });
                firstAssignment = Set.copyOf(c1.assignment());
                generation = c1.groupMetadata().generationId();
            } // a static member does not leave the group when it closes
            try (KafkaConsumer<String, String> c1 = Clients.consumer(broker.bootstrap(), one)) {
                c1.subscribe(List.of("static"));
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    c1.poll(Duration.ofMillis(50));
                    c2.poll(Duration.ofMillis(50));
                    return c1.assignment().size() == 2;
                });
                assertThat(c1.assignment()).isEqualTo(firstAssignment);
                assertThat(c1.groupMetadata().generationId()).isEqualTo(generation);
                assertThat(c2.groupMetadata().generationId()).isEqualTo(generation);
            }
        }
    }

    @Test
    void committedOffsetsSurviveRestartAndAConsumerResumesAfterThem() throws Exception {
        Clients.createTopic(broker.bootstrap(), "events", 1);
        produce("events", 0, 200);
        Map<String, String> cfg = Map.of(ConsumerConfig.GROUP_ID_CONFIG, "g2", ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10");
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrap(), cfg)) {
            consumer.subscribe(List.of("events"));
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(got::add);
                return got.size() >= 10;
            });
            consumer.commitSync(Map.of(new TopicPartition("events", 0), new OffsetAndMetadata(120, "half-way")));
        }
        broker.restart();
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            OffsetAndMetadata om = admin.listConsumerGroupOffsets("g2").partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition("events", 0));
            assertThat(om.offset()).isEqualTo(120);
            assertThat(om.metadata()).isEqualTo("half-way");
        }
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrap(), cfg)) {
            consumer.subscribe(List.of("events"));
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(got::add);
                return !got.isEmpty();
            });
            assertThat(got.get(0).offset()).isEqualTo(120);
            assertThat(got.get(0).value()).isEqualTo("v120");
        }
    }

    @Test
    void badGroupRequestsGetTheRightErrorsAndOtherGroupsKeepWorking() throws Exception {
        Clients.createTopic(broker.bootstrap(), "t", 2);
        try (RawClient raw = new RawClient(broker.port())) {
            Struct hb = HeartbeatApi.SPEC.newRequest().set("GroupId", "nope").set("GenerationId", 1).set("MemberId", "m");
            // Before any FindCoordinator there is no offsets topic: nobody coordinates the group yet (Kafka's answer).
            assertThat(raw.request(HeartbeatApi.SPEC, (short) 4, hb).getShort("ErrorCode")).isEqualTo((short) 16); // NOT_COORDINATOR
            Struct find = FindCoordinatorApi.SPEC.newRequest().set("KeyType", (byte) 0).set("CoordinatorKeys", List.of("nope"));
            assertThat(raw.request(FindCoordinatorApi.SPEC, (short) 4, find).getStructs("Coordinators").get(0)
                    .getInt("NodeId")).isEqualTo(broker.broker().config().nodeId());
            // The new partition's shard loads (COORDINATOR_LOAD_IN_PROGRESS meanwhile), then the group is unknown.
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    raw.request(HeartbeatApi.SPEC, (short) 4, hb).getShort("ErrorCode") == 25); // UNKNOWN_MEMBER_ID
            Struct sync = SyncGroupApi.SPEC.newRequest().set("GroupId", "nope").set("GenerationId", 1).set("MemberId", "m");
            assertThat(raw.request(SyncGroupApi.SPEC, (short) 5, sync).getShort("ErrorCode")).isEqualTo((short) 25);
            Struct commit = OffsetCommitApi.SPEC.newRequest().set("GroupId", "nope").set("GenerationIdOrMemberEpoch", 3)
                    .set("MemberId", "m");
            Struct topic = commit.child("Topics").set("Name", "t");
            topic.add("Partitions", topic.child("Partitions").set("PartitionIndex", 0).set("CommittedOffset", 5L));
            commit.add("Topics", topic);
            Struct resp = raw.request(OffsetCommitApi.SPEC, (short) 8, commit);
            assertThat(resp.getStructs("Topics").get(0).getStructs("Partitions").get(0).getShort("ErrorCode"))
                    .isEqualTo((short) 22); // ILLEGAL_GENERATION
        }
        // A live group: wrong generation and a missing partition.
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrap(), Map.of(ConsumerConfig.GROUP_ID_CONFIG, "g3"))) {
            consumer.subscribe(List.of("t"));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(100));
                return consumer.assignment().size() == 2;
            });
            String memberId = consumer.groupMetadata().memberId();
            int generation = consumer.groupMetadata().generationId();
            try (RawClient raw = new RawClient(broker.port())) {
                Struct hb = HeartbeatApi.SPEC.newRequest().set("GroupId", "g3").set("GenerationId", generation + 7).set("MemberId", memberId);
                assertThat(raw.request(HeartbeatApi.SPEC, (short) 4, hb).getShort("ErrorCode")).isEqualTo((short) 22);
                hb = HeartbeatApi.SPEC.newRequest().set("GroupId", "g3").set("GenerationId", generation).set("MemberId", "stranger");
                assertThat(raw.request(HeartbeatApi.SPEC, (short) 4, hb).getShort("ErrorCode")).isEqualTo((short) 25);
                Struct commit = OffsetCommitApi.SPEC.newRequest().set("GroupId", "g3").set("GenerationIdOrMemberEpoch", generation)
                        .set("MemberId", memberId);
                Struct topic = commit.child("Topics").set("Name", "t");
                topic.add("Partitions", topic.child("Partitions").set("PartitionIndex", 9).set("CommittedOffset", 5L));
                commit.add("Topics", topic);
                Struct resp = raw.request(OffsetCommitApi.SPEC, (short) 8, commit);
                assertThat(resp.getStructs("Topics").get(0).getStructs("Partitions").get(0).getShort("ErrorCode"))
                        .isEqualTo((short) 3); // UNKNOWN_TOPIC_OR_PARTITION
            }
            consumer.commitSync(Map.of(new TopicPartition("t", 1), new OffsetAndMetadata(0)));
            assertThat(consumer.committed(Set.of(new TopicPartition("t", 1))).get(new TopicPartition("t", 1)).offset()).isZero();
        }
    }
}
