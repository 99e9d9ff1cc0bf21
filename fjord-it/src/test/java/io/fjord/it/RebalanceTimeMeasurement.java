package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Figures, not a check (issue 11): rebalance time of a 10-member kafka-clients group on one Fjord node, classic
 * protocol vs the consumer protocol (KIP-848). Two figures each: the group forming (10 members subscribe at once,
 * until the 20 partitions are split over all 10), and one member leaving (until the other 9 own all 20). Both
 * protocols heartbeat every 500 ms. Opt-in: {@code -Dfjord.measure.rebalance=true}. Prints the figures; asserts only
 * that the split happened.
 */
@EnabledIfSystemProperty(named = "fjord.measure.rebalance", matches = "true")
class RebalanceTimeMeasurement {
    static final String TOPIC = "spread";
    static final int MEMBERS = 10;
    static final int PARTITIONS = 20;

    @TempDir
    Path dir;
    TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
    }

    static final class Member implements AutoCloseable {
        final KafkaConsumer<String, String> consumer;
        final Thread thread;
        final AtomicBoolean running = new AtomicBoolean(true);
        volatile Set<TopicPartition> assignment = Set.of();

        Member(String bootstrap, String group, boolean consumerProtocol, int i) {
            Map<String, String> cfg = new HashMap<>(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                    ConsumerConfig.CLIENT_ID_CONFIG, "m" + i));
            if (consumerProtocol) {
                cfg.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
            } else {
                cfg.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
                cfg.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
            }
            consumer = Clients.consumer(bootstrap, cfg);
            thread = new Thread(() -> {
                consumer.subscribe(List.of(TOPIC));
                try {
                    while (running.get()) {
                        consumer.poll(Duration.ofMillis(50));
                        assignment = Set.copyOf(consumer.assignment());
                    }
                } finally {
                    consumer.close(Duration.ofSeconds(10));
                }
            }, "member-" + i);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(60_000);
        }
    }

    static boolean split(List<Member> members) {
        Set<TopicPartition> all = new HashSet<>();
        int total = 0;
        for (Member m : members) {
            if (m.assignment.isEmpty()) return false;
            total += m.assignment.size();
            all.addAll(m.assignment);
        }
        return all.size() == PARTITIONS && total == PARTITIONS;
    }

    long[] measure(String group, boolean consumerProtocol) throws Exception {
        List<Member> members = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < MEMBERS; i++) members.add(new Member(cluster.bootstrap(), group, consumerProtocol, i));
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(10)).until(() -> split(members));
            long formed = (System.nanoTime() - t0) / 1_000_000;
            Member leaving = members.remove(0);
            long t1 = System.nanoTime();
            leaving.close();
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(10)).until(() -> split(members));
            long afterLeave = (System.nanoTime() - t1) / 1_000_000;
            return new long[] {formed, afterLeave};
        } finally {
            for (Member m : members) m.close();
        }
    }

    @Test
    void tenMembersClassicVersusConsumerProtocol() throws Exception {
        cluster = new TestCluster(dir, 1, Map.of("offsets.topic.num.partitions", "3", "offsets.topic.replication.factor", "1",
                "group.initial.rebalance.delay.ms", "0", "group.consumer.heartbeat.interval.ms", "500")).start();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
        }
        cluster.awaitTopicEverywhere(TOPIC);
        List<String> lines = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            long[] classic = measure("classic-" + round, false);
            long[] consumer = measure("consumer-" + round, true);
            lines.add(String.format("round %d: classic form %d ms, leave %d ms | consumer form %d ms, leave %d ms",
                    round, classic[0], classic[1], consumer[0], consumer[1]));
            assertThat(classic[0]).isPositive();
        }
        lines.forEach(l -> System.out.println("[rebalance 10 members] " + l));
    }
}
