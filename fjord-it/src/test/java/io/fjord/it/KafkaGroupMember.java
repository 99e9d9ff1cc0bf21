package io.fjord.it;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * A kafka-clients group member on its own thread, as the group fail-over tests run it: it polls, hands every
 * record to {@code onRecord}, commits synchronously after each poll and before it gives partitions up. A commit
 * refused while the coordinator moves is retried on the next loop; the records it covered were handed on, so
 * they may be read again by the next owner only if the test's own checks allow it (they count duplicates).
 */
final class KafkaGroupMember implements AutoCloseable {
    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile Set<TopicPartition> assignment = Set.of();

    /**
     * @param protocol "classic" (10 s sessions, 500 ms heartbeats) or "consumer" (KIP-848: both come from the broker)
     * @param extra further consumer settings, applied last
     */
    KafkaGroupMember(String name, String bootstrap, String group, String topic, String protocol,
                     Map<String, String> extra, Consumer<ConsumerRecord<String, String>> onRecord) {
        Map<String, String> props = new HashMap<>(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol, ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "60000",
                ConsumerConfig.CLIENT_ID_CONFIG, name));
        if (protocol.equals("classic")) {
            props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
            props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
        }
        props.putAll(extra);
        consumer = Clients.consumer(bootstrap, props);
        thread = new Thread(() -> {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
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
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) onRecord.accept(r);
                    commit();
                    assignment = Set.copyOf(consumer.assignment());
                }
            } finally {
                consumer.close(Duration.ofSeconds(10));
            }
        }, "member-" + name);
        thread.start();
    }

    /** The partitions this member held after its last poll. */
    Set<TopicPartition> assignment() {
        return assignment;
    }

    private void commit() {
        try {
            consumer.commitSync(Duration.ofSeconds(20));
        } catch (KafkaException e) {
            // refused while the coordinator moves: the next loop commits again
        }
    }

    /** Waits until the members hold {@code partitions} partitions between them, the same number each. */
    static void awaitSplit(List<KafkaGroupMember> members, int partitions) {
        await(members.size() + " members sharing " + partitions + " partitions evenly").atMost(Duration.ofSeconds(90)).until(() -> {
            Set<TopicPartition> all = new HashSet<>();
            for (KafkaGroupMember m : members) {
                if (m.assignment.size() != partitions / members.size()) return false;
                all.addAll(m.assignment);
            }
            return all.size() == partitions;
        });
    }

    static void closeAll(List<KafkaGroupMember> members) throws InterruptedException {
        for (KafkaGroupMember m : members) m.close();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(60_000);
    }
}
