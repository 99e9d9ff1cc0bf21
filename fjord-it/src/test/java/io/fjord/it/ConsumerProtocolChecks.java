package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.client.consumer.ConsumerRebalanceListener;
import io.fjord.client.consumer.FjordConsumer;
import io.fjord.client.serialization.StringDeserializer;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupType;
import org.awaitility.Awaitility;

/**
 * Fjord's consumer with {@code group.protocol=consumer} (KIP-848) in one group with a kafka-clients member on the
 * same protocol: the coordinator splits the partitions between them, every record is read once, a member that
 * closes revokes first and leaves (epoch -1) so the other is assigned everything, and once both are gone the group
 * is Empty. Runs against a broker that serves ConsumerGroupHeartbeat (Apache Kafka 4.4 in the kafka-compat profile;
 * Fjord's broker once its KIP-848 coordinator is merged).
 */
final class ConsumerProtocolChecks {
    private static final int PARTITIONS = 4;

    private ConsumerProtocolChecks() {
    }

    static void fjordAndKafkaMembersShareAConsumerProtocolGroup(String bootstrap, String topic, String group) throws Exception {
        try (Admin admin = Clients.admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        produce(bootstrap, topic, 0, 400);
        Map<String, List<String>> seenBy = new ConcurrentHashMap<>();
        List<String> events = new CopyOnWriteArrayList<>();
        Map<String, Object> fc = new HashMap<>();
        fc.put("bootstrap.servers", bootstrap);
        fc.put("group.id", group);
        fc.put("group.protocol", "consumer");
        fc.put("auto.offset.reset", "earliest");
        fc.put("auto.commit.interval.ms", "200");
        fc.put("client.id", "fjord-848");
        FjordConsumer<String, String> fjord = new FjordConsumer<>(fc, new StringDeserializer(), new StringDeserializer());
        KafkaConsumer<String, String> kafka = Clients.consumer(bootstrap, Map.of("group.id", group, "group.protocol", "consumer",
                "enable.auto.commit", "true", "auto.commit.interval.ms", "200", "client.id", "kafka-848"));
        boolean kafkaClosed = false;
        try {
            fjord.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<io.fjord.client.common.TopicPartition> partitions) {
                    events.add("revoked " + partitions.size());
                }

                @Override
                public void onPartitionsAssigned(Collection<io.fjord.client.common.TopicPartition> partitions) {
                    events.add("assigned " + partitions.size());
                }
            });
            kafka.subscribe(List.of(topic));
            Awaitility.await("the two members split " + PARTITIONS + " partitions and read 400 records")
                    .atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> {
                        fjord.poll(Duration.ofMillis(50)).forEach(r -> seenBy.computeIfAbsent(r.value(), k -> new CopyOnWriteArrayList<>()).add("fjord"));
                        kafka.poll(Duration.ofMillis(50)).forEach(r -> seenBy.computeIfAbsent(r.value(), k -> new CopyOnWriteArrayList<>()).add("kafka"));
                        return seenBy.size() >= 400 && fjord.assignment().size() == 2 && kafka.assignment().size() == 2;
                    });
            Set<String> all = new HashSet<>();
            fjord.assignment().forEach(tp -> all.add(tp.topic() + "-" + tp.partition()));
            kafka.assignment().forEach(tp -> all.add(tp.topic() + "-" + tp.partition()));
            assertThat(all).as("disjoint halves").hasSize(PARTITIONS);
            assertThat(fjord.groupGeneration()).as("member epoch").isPositive();
            // Once split, new records go to both members, each read once (the first 400 may all have gone to the
            // member that joined first).
            produce(bootstrap, topic, 1000, 100);
            Awaitility.await("both members read the 100 written after the split").atMost(Duration.ofSeconds(60))
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> {
                        fjord.poll(Duration.ofMillis(50)).forEach(r -> seenBy.computeIfAbsent(r.value(), k -> new CopyOnWriteArrayList<>()).add("fjord"));
                        kafka.poll(Duration.ofMillis(50)).forEach(r -> seenBy.computeIfAbsent(r.value(), k -> new CopyOnWriteArrayList<>()).add("kafka"));
                        return seenBy.size() >= 500;
                    });
            List<List<String>> afterSplit = new java.util.ArrayList<>();
            for (int i = 1000; i < 1100; i++) afterSplit.add(seenBy.get("v" + i));
            assertThat(afterSplit).as("each read once").allMatch(l -> l != null && l.size() == 1);
            assertThat(afterSplit).as("read by both members").anyMatch(l -> l.contains("fjord")).anyMatch(l -> l.contains("kafka"));

            try (Admin admin = Clients.admin(bootstrap)) {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
                assertThat(d.type()).isEqualTo(GroupType.CONSUMER);
                assertThat(d.members()).extracting(m -> m.clientId()).containsExactlyInAnyOrder("fjord-848", "kafka-848");
            }

            // kafka-clients' member leaves: Fjord's member is given every partition and reads what is written next.
            kafka.close(Duration.ofSeconds(30));
            kafkaClosed = true;
            produce(bootstrap, topic, 400, 200);
            Awaitility.await("Fjord's member owns all partitions and reads the next 200").atMost(Duration.ofSeconds(60))
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> {
                        fjord.poll(Duration.ofMillis(100)).forEach(r -> seenBy.computeIfAbsent(r.value(), k -> new CopyOnWriteArrayList<>()).add("fjord"));
                        return seenBy.size() >= 700 && fjord.assignment().size() == PARTITIONS;
                    });
            assertThat(events).as("rebalance callbacks").anyMatch(e -> e.startsWith("assigned"));
            for (int i = 400; i < 600; i++) assertThat(seenBy.get("v" + i)).as("v" + i).isNotNull();
            fjord.commitSync();
        } finally {
            fjord.close(Duration.ofSeconds(30));
            if (!kafkaClosed) kafka.close(Duration.ofSeconds(30));
        }
        assertThat(events).as("close revokes what it owns").endsWith("revoked " + PARTITIONS);
        // Records before a member's first commit may be read again by the next owner (at least once); none is lost.
        assertThat(seenBy).hasSize(700);
        try (Admin admin = Clients.admin(bootstrap)) {
            Awaitility.await("the group is Empty once both left").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
                assertThat(d.members()).isEmpty();
                assertThat(d.groupState().toString()).isEqualToIgnoringCase("Empty");
            });
            long committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .values().stream().mapToLong(o -> o.offset()).sum();
            assertThat(committed).as("offsets committed with the member epoch").isEqualTo(700);
        }
    }

    private static void produce(String bootstrap, String topic, int from, int count) throws Exception {
        try (KafkaProducer<String, String> p = Clients.producer(bootstrap)) {
            for (int i = from; i < from + count; i++) p.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            p.flush();
        }
    }
}
