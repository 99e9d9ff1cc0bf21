package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, checks 2 and 3, with real processes, on the classic and on the consumer (KIP-848) protocol: three Fjord nodes, a group of two kafka-clients members and Kafka's own
 * console consumer splitting a 6-partition RF 3 topic, each record read exactly once; {@code kafka-consumer-groups.sh
 * --describe} through every broker shows the three members, the offsets and no lag. Then {@code kill -9} of the
 * coordinator's broker, as many rounds as {@code fjord.fault.rounds} asks (1 by default; the figure is their
 * median): the group is Stable again with its members on the new leader of its offsets partition. Finally new
 * members resume exactly at the committed offsets: nothing skipped, nothing twice.
 */
class GroupCoordinatorKillTest {
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";
    private static final int PARTITIONS = 6;
    private static final java.util.regex.Pattern VALUE = java.util.regex.Pattern.compile("v[0-9]+");

    @TempDir
    Path dir;
    private ProcessCluster cluster;
    private final List<AutoCloseable> members = new ArrayList<>();

    @AfterEach
    void stopEverything() throws Exception {
        for (AutoCloseable m : members) m.close();
        if (cluster != null) cluster.close();
    }

    private void produce(int from, int count) {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrap(), ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            for (int i = from; i < from + count; i++) p.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i));
            p.flush();
        }
    }

    /** Two kafka-clients members and one console consumer, all reading into {@code seen} (the console's via its file). */
    private ConsoleConsumerProcess startMembers(String prefix, Map<String, AtomicInteger> seen, String protocol) throws Exception {
        for (int i = 0; i < 2; i++) members.add(new KafkaGroupMember(prefix + i, cluster.bootstrap(), GROUP, TOPIC, protocol,
                Map.of(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000", ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500"),
                r -> seen.computeIfAbsent(r.value(), k -> new AtomicInteger()).incrementAndGet()));
        List<String> props = new ArrayList<>(List.of("auto.commit.interval.ms=200", "request.timeout.ms=5000",
                "client.id=" + prefix + "-console", "group.protocol=" + protocol));
        if (protocol.equals("classic")) props.addAll(List.of("session.timeout.ms=10000", "heartbeat.interval.ms=500"));
        ConsoleConsumerProcess console = ConsoleConsumerProcess.start(dir, prefix + "-console", cluster.bootstrap(), TOPIC, GROUP, props);
        members.add(console);
        return console;
    }

    private void stopMembers() throws Exception {
        for (AutoCloseable m : members) m.close();
        members.clear();
    }

    /** Every value read by the kafka-clients members (in {@code seen}) or printed by the console consumer, counted. */
    private static Map<String, Integer> reads(Map<String, AtomicInteger> seen, ConsoleConsumerProcess console) throws Exception {
        Map<String, Integer> all = new HashMap<>();
        seen.forEach((v, n) -> all.merge(v, n.get(), Integer::sum));
        for (String v : console.values(VALUE)) all.merge(v, 1, Integer::sum);
        return all;
    }

    private static void awaitReads(Map<String, AtomicInteger> seen, ConsoleConsumerProcess console, int count) throws Exception {
        try {
            await(count + " records read").atMost(Duration.ofSeconds(120)).until(() -> reads(seen, console).size() >= count);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("read " + reads(seen, console).size() + " distinct records: " + seen.size()
                    + " by the kafka-clients members, " + console.values(VALUE).size() + " by the console consumer; its stderr: "
                    + console.errTail(), e);
        }
    }

    private ConsumerGroupDescription describeGroup(Admin admin) throws Exception {
        return admin.describeConsumerGroups(List.of(GROUP)).all().get().get(GROUP);
    }

    private boolean stableWithThreeMembersSplittingSix(Admin admin) {
        try {
            ConsumerGroupDescription d = describeGroup(admin);
            if (!d.groupState().toString().equalsIgnoreCase("Stable") || d.members().size() != 3) return false;
            Set<TopicPartition> all = new TreeSet<>((a, b) -> a.toString().compareTo(b.toString()));
            for (var m : d.members()) {
                if (m.assignment().topicPartitions().size() != 2) return false;
                all.addAll(m.assignment().topicPartitions());
            }
            return all.size() == PARTITIONS;
        } catch (Exception e) {
            return false;
        }
    }

    /** The leader of the group's {@code __consumer_offsets} partition, as the cluster's metadata says. */
    private int offsetsPartitionLeader(Admin admin) throws Exception {
        TopicDescription d = admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get().get("__consumer_offsets");
        int partition = Math.abs(GROUP.hashCode()) % d.partitions().size();
        return d.partitions().get(partition).leader().id();
    }

    /** {@code classic}: JoinGroup/SyncGroup (check 2); {@code consumer}: KIP-848's ConsumerGroupHeartbeat (check 3). */
    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void theGroupFollowsItsOffsetsPartitionThroughKillMinus9AndNewMembersResumeAtTheCommittedOffsets(String protocol) throws Exception {
        // The default suite runs the classic protocol here (time); ClusterConsumerProtocolTest covers a coordinator
        // crash under the consumer protocol in process. Both run with -Pfault-long or -Dfjord.it.allProtocols=true.
        org.junit.jupiter.api.Assumptions.assumeTrue(protocol.equals("classic") || FaultSettings.rounds() > 3
                || Boolean.getBoolean("fjord.it.allProtocols"), "the consumer-protocol variant runs with -Pfault-long");
        Map<String, String> settings = new HashMap<>(FaultSettings.fastFailover());
        settings.put("group.initial.rebalance.delay.ms", "0");
        // KIP-848 members: a short session and heartbeat for the test (the broker's defaults are 45 s / 5 s).
        settings.put("group.consumer.session.timeout.ms", "10000");
        settings.put("group.consumer.min.session.timeout.ms", "6000");
        settings.put("group.consumer.heartbeat.interval.ms", "500");
        settings.put("group.consumer.min.heartbeat.interval.ms", "500");
        cluster = new ProcessCluster(dir, "GroupCoordinatorKillTest", 3, settings).start();
        cluster.createTopic(TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
        produce(0, 3000);

        Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        ConsoleConsumerProcess console = startMembers("a", seen, protocol);
        Admin admin = cluster.admin();
        await("three members with two partitions each").atMost(Duration.ofSeconds(120))
                .until(() -> stableWithThreeMembersSplittingSix(admin));
        awaitReads(seen, console, 3000);

        // kafka-consumer-groups.sh --describe through every broker: the three members, their offsets, no lag.
        for (int id : cluster.runningIds()) {
            await("describe through node " + id).atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                KafkaTool.Result r = KafkaTool.run(dir.resolve("tools"), "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
                        Duration.ofSeconds(60), List.of("--bootstrap-server", cluster.bootstrap(id), "--describe", "--group", GROUP));
                assertThat(r.exitCode()).as(r.output()).isZero();
                List<String> rows = r.output().lines().filter(l -> l.startsWith(GROUP + " ")).toList();
                assertThat(rows).as(r.output()).hasSize(PARTITIONS);
                Set<String> consumerIds = new TreeSet<>();
                long lag = 0;
                long current = 0;
                for (String row : rows) {
                    String[] f = row.trim().split("\\s+"); // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID ...
                    current += Long.parseLong(f[3]);
                    lag += Long.parseLong(f[5]);
                    consumerIds.add(f[6]);
                }
                assertThat(current).as(r.output()).isEqualTo(3000);
                assertThat(lag).as(r.output()).isZero();
                assertThat(consumerIds).as(r.output()).hasSize(3);
            });
        }

        List<Long> failoverMs = new ArrayList<>();
        int rounds = Integer.getInteger("fjord.fault.rounds", 1);
        for (int round = 1; round <= rounds; round++) {
            int coordinator = describeGroup(admin).coordinator().id();
            assertThat(coordinator).isEqualTo(offsetsPartitionLeader(admin));
            long t0 = System.nanoTime();
            cluster.kill9(coordinator);
            await("group stable on a new coordinator").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        try {
                            ConsumerGroupDescription d = describeGroup(admin);
                            return d.coordinator().id() != coordinator && stableWithThreeMembersSplittingSix(admin);
                        } catch (Exception e) {
                            return false;
                        }
                    });
            long ms = (System.nanoTime() - t0) / 1_000_000;
            failoverMs.add(ms);
            int now = describeGroup(admin).coordinator().id();
            assertThat(now).as("the new coordinator leads the group's offsets partition").isEqualTo(offsetsPartitionLeader(admin));
            System.out.printf("[group fail-over, " + protocol + "] round %d: kill -9 of node %d -> group Stable with its 3 members on node %d in %d ms%n",
                    round, coordinator, now, ms);
            cluster.restart(coordinator);
            cluster.awaitFullIsr("__consumer_offsets", Duration.ofSeconds(90));
        }
        List<Long> sorted = failoverMs.stream().sorted().toList();
        System.out.printf("[group fail-over, " + protocol + "] %d rounds: %s ms, median %d ms%n", sorted.size(), failoverMs, sorted.get(sorted.size() / 2));

        assertThat(console.isAlive()).isTrue();
        stopMembers();
        Map<String, Integer> first = reads(seen, console);
        assertThat(first).hasSize(3000);
        assertThat(first.values()).as("each record read once").allMatch(n -> n == 1);

        // New members resume exactly at the committed offsets.
        produce(3000, 3000);
        Map<String, AtomicInteger> seenAfter = new ConcurrentHashMap<>();
        ConsoleConsumerProcess console2 = startMembers("b", seenAfter, protocol);
        awaitReads(seenAfter, console2, 3000);
        await("the members settle").atMost(Duration.ofSeconds(120)).until(() -> stableWithThreeMembersSplittingSix(admin));
        stopMembers();
        Map<String, Integer> second = reads(seenAfter, console2);
        assertThat(second).hasSize(3000);
        assertThat(second.keySet()).allMatch(v -> Integer.parseInt(v.substring(1)) >= 3000);
        assertThat(second.values()).allMatch(n -> n == 1);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get();
        assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(6000);
    }
}
