package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.client.consumer.ConsumerRecord;
import io.fjord.client.consumer.FjordConsumer;
import io.fjord.client.serialization.StringDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;

/**
 * Fjord's consumer's fetch sessions (KIP-227) and topic ids, checked on the wire through a
 * {@link ResponseDroppingProxy} that decodes every Fetch request. Shared by the test against Fjord's broker
 * ({@code FetchSessionTest}) and against Apache Kafka ({@code RealKafkaCompatTest}), so both brokers face the same
 * assertions. The broker must advertise the proxy, so every fetch after bootstrap passes through it.
 */
final class IncrementalFetchChecks {
    private static final int PARTITIONS = 4;

    private IncrementalFetchChecks() {
    }

    private static FjordConsumer<String, String> consumer(String bootstrap, String clientId) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", bootstrap);
        config.put("client.id", clientId);
        config.put("auto.offset.reset", "earliest");
        config.put("fetch.max.wait.ms", "100");
        config.put("metadata.max.age.ms", "1000");
        // A deleted topic must stay deleted until the test creates it again.
        config.put("allow.auto.create.topics", "false");
        return new FjordConsumer<>(config, new StringDeserializer(), new StringDeserializer());
    }

    private static List<io.fjord.client.common.TopicPartition> partitions(String topic) {
        List<io.fjord.client.common.TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) tps.add(new io.fjord.client.common.TopicPartition(topic, p));
        return tps;
    }

    private static void produce(String bootstrap, String topic, int partition, String prefix, int count) throws Exception {
        try (KafkaProducer<String, String> p = Clients.producer(bootstrap)) {
            for (int i = 0; i < count; i++) p.send(new ProducerRecord<>(topic, partition, "k" + i, prefix + i)).get(30, TimeUnit.SECONDS);
        }
    }

    private static UUID topicId(Admin admin, String topic) throws Exception {
        return toUuid(admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).topicId());
    }

    private static UUID toUuid(org.apache.kafka.common.Uuid id) {
        return new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    private static List<ProxyFetch> fetchesOf(ResponseDroppingProxy proxy, String clientId) {
        List<ProxyFetch> out = new ArrayList<>();
        for (ResponseDroppingProxy.FetchSeen f : proxy.fetchRequests) {
            if (clientId.equals(f.clientId()) || (clientId + "-network").equals(f.clientId())) out.add(new ProxyFetch(f));
        }
        return out;
    }

    /** A fetch seen on the wire, made readable in assertion messages. */
    private record ProxyFetch(ResponseDroppingProxy.FetchSeen seen) {
        @Override
        public String toString() {
            return "v" + seen.version() + " session " + seen.sessionId() + "/" + seen.epoch() + " " + seen.partitions()
                    + (seen.forgotten().isEmpty() ? "" : " forget " + seen.forgotten());
        }
    }

    private static void pollUntil(FjordConsumer<String, String> c, List<String> seen, String what,
                                  java.util.function.BooleanSupplier done) {
        Awaitility.await(what).atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .until(() -> {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                        seen.add(r.partition() + ":" + r.offset() + ":" + r.value());
                    }
                    return done.getAsBoolean();
                });
    }

    /**
     * Four partitions with five records each are read; once the consumer idles in its session, three records are
     * written to partition 2 only. Every incremental Fetch from then on names no partition but partition 2 (the
     * only one whose fetch offset moved), the first Fetch was full with all four, and all went at v13+ by topic id.
     */
    static void incrementalFetchesCarryOnlyChangedPartitions(ResponseDroppingProxy proxy, String bootstrap, String topic)
            throws Exception {
        UUID id;
        try (Admin admin = Clients.admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(60, TimeUnit.SECONDS);
            id = topicId(admin, topic);
        }
        for (int p = 0; p < PARTITIONS; p++) produce(bootstrap, topic, p, "v", 5);
        String clientId = "incremental-" + topic;
        proxy.recordFetchRequests(true);
        List<String> seen = new ArrayList<>();
        try (FjordConsumer<String, String> c = consumer(bootstrap, clientId)) {
            c.assign(partitions(topic));
            pollUntil(c, seen, "20 records, then an idle incremental fetch", () -> seen.size() >= 20
                    && fetchesOf(proxy, clientId).stream().anyMatch(f -> f.seen().incremental() && f.seen().partitions().isEmpty()));
            assertThat(seen).hasSize(20).doesNotHaveDuplicates();
            List<ProxyFetch> early = fetchesOf(proxy, clientId);
            assertThat(early.get(0).seen().epoch()).as("the first fetch asks for a session: %s", early).isZero();
            assertThat(early.get(0).seen().partitions()).as("the first fetch is full").containsExactlyInAnyOrder(
                    id + "-0", id + "-1", id + "-2", id + "-3");
            assertThat(early).as("every fetch names topics by id (v13+)").allSatisfy(f -> assertThat(f.seen().version()).isGreaterThanOrEqualTo((short) 13));

            int from = fetchesOf(proxy, clientId).size();
            produce(bootstrap, topic, 2, "v", 3);
            pollUntil(c, seen, "the 3 new records of partition 2", () -> seen.size() >= 23);
            // And one more idle round, so the fetch carrying partition 2's moved offset is seen too.
            int after = fetchesOf(proxy, clientId).size();
            pollUntil(c, seen, "an idle fetch after partition 2 moved", () -> fetchesOf(proxy, clientId).size() > after + 1);
            List<ProxyFetch> later = fetchesOf(proxy, clientId).subList(from, fetchesOf(proxy, clientId).size());
            assertThat(later).as("fetches after the write").isNotEmpty().allSatisfy(f -> {
                assertThat(f.seen().incremental()).as("still in the session: %s", f).isTrue();
                assertThat(f.seen().partitions()).as("only the changed partition: %s", f).isSubsetOf(Set.of(id + "-2"));
                assertThat(f.seen().forgotten()).isEmpty();
            });
            assertThat(later).as("partition 2's new offset was sent once it moved")
                    .anySatisfy(f -> assertThat(f.seen().partitions()).containsExactly(id + "-2"));
            assertThat(seen.subList(20, 23)).containsExactly("2:5:v0", "2:6:v1", "2:7:v2");
        } finally {
            proxy.recordFetchRequests(false);
        }
    }

    /**
     * A consumer reads an 8-record topic; the topic is deleted and created again with the same name, and 12 records
     * with other values are written. The consumer, still assigned, must not take its old position (8) as a position
     * in the new topic: it resets (auto.offset.reset=earliest) and reads the new topic's 12 records from offset 0,
     * none skipped and none of the old ones again; the new topic has a new id.
     */
    static void aRecreatedTopicIsToldApartById(String bootstrap, String topic) throws Exception {
        UUID first;
        try (Admin admin = Clients.admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            first = topicId(admin, topic);
        }
        produce(bootstrap, topic, 0, "old-", 8);
        List<String> seen = new ArrayList<>();
        io.fjord.client.common.TopicPartition tp = new io.fjord.client.common.TopicPartition(topic, 0);
        try (FjordConsumer<String, String> c = consumer(bootstrap, "recreate-" + topic)) {
            c.assign(List.of(tp));
            pollUntil(c, seen, "the old topic's 8 records", () -> seen.size() >= 8);
            assertThat(c.position(tp)).isEqualTo(8);
            UUID second;
            try (Admin admin = Clients.admin(bootstrap)) {
                admin.deleteTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
                // Deletion completes asynchronously: create again until the name is free.
                Awaitility.await("recreating " + topic).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .ignoreExceptions().until(() -> {
                            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
                            return true;
                        });
                second = topicId(admin, topic);
            }
            assertThat(second).as("a new incarnation has a new id").isNotEqualTo(first);
            produce(bootstrap, topic, 0, "new-", 12);
            pollUntil(c, seen, "the new topic's 12 records", () -> seen.size() >= 20);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 8; i++) expected.add("0:" + i + ":old-" + i);
            for (int i = 0; i < 12; i++) expected.add("0:" + i + ":new-" + i);
            assertThat(seen).containsExactlyElementsOf(expected);
            // Nothing more arrives (no old record again, no duplicate of the new ones).
            pollUntil(c, seen, "a few quiet polls", new java.util.function.BooleanSupplier() {
                int polls;

                @Override
                public boolean getAsBoolean() {
                    return ++polls >= 5;
                }
            });
            assertThat(seen).hasSize(20);
            assertThat(c.position(tp)).isEqualTo(12);
        }
    }
}
