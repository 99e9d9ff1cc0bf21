package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.broker.handlers.FetchSessionCache;
import io.fjord.client.consumer.FjordConsumer;
import io.fjord.client.serialization.StringDeserializer;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.api.FetchApi;
import io.fjord.protocol.types.Records;
import io.fjord.protocol.types.Struct;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incremental fetch sessions (KIP-227) on the wire, against one broker: a full fetch with epoch 0 creates a session;
 * incremental fetches carry only partitions with news, add and forget partitions, and are refused with Kafka's
 * errors for a wrong epoch or an unknown session; Fjord's consumer and kafka-clients' consumer use sessions.
 */
class FetchSessionTest {
    private static final short V = 17;

    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = new TestBroker(dir).start();
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    private static FetchSessionCache sessions() {
        return broker.broker().fetchSessions();
    }

    private static UUID topicId(String topic) {
        return broker.broker().controller().image().topic(topic).id();
    }

    private static void produce(String topic, int partition, int count) throws Exception {
        try (KafkaProducer<String, String> p = Clients.producer(broker.bootstrap())) {
            for (int i = 0; i < count; i++) p.send(new ProducerRecord<>(topic, partition, "k" + i, "v" + i)).get();
        }
    }

    /** One raw Fetch (a consumer's) of {@code topicId}'s partitions at the given offsets. */
    private static Struct fetch(RawClient c, int sessionId, int epoch, UUID topicId, Map<Integer, Long> partitions,
                                List<Integer> forgotten, int maxWaitMs) throws Exception {
        Struct req = FetchApi.SPEC.newRequest().set("MaxWaitMs", maxWaitMs).set("MinBytes", 1).set("MaxBytes", 1 << 20)
                .set("IsolationLevel", (byte) 0).set("SessionId", sessionId).set("SessionEpoch", epoch)
                .set("ReplicaState", FetchApi.SPEC.newRequest().child("ReplicaState").set("ReplicaId", -1).set("ReplicaEpoch", -1L));
        if (!partitions.isEmpty()) {
            Struct t = req.child("Topics").set("TopicId", topicId);
            partitions.forEach((p, offset) -> t.add("Partitions", t.child("Partitions").set("Partition", p)
                    .set("CurrentLeaderEpoch", -1).set("FetchOffset", offset).set("LastFetchedEpoch", -1)
                    .set("LogStartOffset", -1L).set("PartitionMaxBytes", 1 << 20)));
            req.add("Topics", t);
        }
        if (!forgotten.isEmpty()) {
            Struct f = req.child("ForgottenTopicsData").set("TopicId", topicId).set("Partitions", forgotten);
            req.add("ForgottenTopicsData", f);
        }
        return c.request(FetchApi.SPEC, V, req);
    }

    /** partition index → its answer, over every topic of a response. */
    private static Map<Integer, Struct> partitions(Struct response) {
        Map<Integer, Struct> out = new LinkedHashMap<>();
        for (Struct t : response.getStructs("Responses")) {
            for (Struct p : t.getStructs("Partitions")) out.put(p.getInt("PartitionIndex"), p);
        }
        return out;
    }

    private static int recordBytes(Struct partition) {
        Records r = (Records) partition.get("Records");
        return r == null ? 0 : r.sizeInBytes();
    }

    @Test
    void incrementalFetchesCarryOnlyPartitionsWithNewsAndBadSessionsAreRefused() throws Exception {
        String topic = "sessions-raw";
        Clients.createTopic(broker.bootstrap(), topic, 3);
        for (int p = 0; p < 3; p++) produce(topic, p, 5);
        UUID id = topicId(topic);
        try (RawClient c = new RawClient(broker.port())) {
            // Full fetch asking for a session: every partition, with its records, and a session id.
            Struct full = fetch(c, 0, 0, id, Map.of(0, 0L, 1, 0L, 2, 0L), List.of(), 0);
            assertThat(full.getShort("ErrorCode")).isZero();
            int session = full.getInt("SessionId");
            assertThat(session).isNotZero();
            assertThat(sessions().sessionIds()).contains(session);
            assertThat(partitions(full)).containsOnlyKeys(0, 1, 2);
            partitions(full).values().forEach(p -> {
                assertThat(p.getShort("ErrorCode")).isZero();
                assertThat(p.getLong("HighWatermark")).isEqualTo(5L);
                assertThat(recordBytes(p)).isPositive();
            });

            // Moving the offsets to the end: nothing new (same high watermarks, no records), no partitions.
            Struct moved = fetch(c, session, 1, id, Map.of(0, 5L, 1, 5L, 2, 5L), List.of(), 0);
            assertThat(moved.getShort("ErrorCode")).isZero();
            assertThat(moved.getInt("SessionId")).isEqualTo(session);
            assertThat(partitions(moved)).isEmpty();
            // An incremental fetch naming nothing, with nothing new: waits like a full one, then no partitions.
            Struct idle = fetch(c, session, 2, id, Map.of(), List.of(), 200);
            assertThat(idle.getShort("ErrorCode")).isZero();
            assertThat(partitions(idle)).isEmpty();

            // A produce to one of the three: only that one comes back.
            produce(topic, 1, 1);
            Struct one = fetch(c, session, 3, id, Map.of(), List.of(), 5_000);
            assertThat(partitions(one)).containsOnlyKeys(1);
            assertThat(partitions(one).get(1).getLong("HighWatermark")).isEqualTo(6L);
            assertThat(recordBytes(partitions(one).get(1))).isPositive();

            // Forget partition 2, then write to 2 and 0: only 0 comes back.
            Struct forget = fetch(c, session, 4, id, Map.of(1, 6L), List.of(2), 0);
            assertThat(partitions(forget)).isEmpty();
            assertThat(sessions().partitionsOf(session)).containsExactlyInAnyOrder(id + "-0", id + "-1");
            produce(topic, 2, 1);
            produce(topic, 0, 1);
            Struct zero = fetch(c, session, 5, id, Map.of(), List.of(), 5_000);
            assertThat(partitions(zero)).containsOnlyKeys(0);

            // A wrong epoch is refused as a whole and does not move the session.
            Struct stale = fetch(c, session, 5, id, Map.of(), List.of(), 0);
            assertThat(Errors.forCode(stale.getShort("ErrorCode"))).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
            assertThat(stale.getStructs("Responses")).isEmpty();
            assertThat(Errors.forCode(fetch(c, session, 42, id, Map.of(), List.of(), 0).getShort("ErrorCode")))
                    .isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
            Struct after = fetch(c, session, 6, id, Map.of(0, 6L), List.of(), 0);
            assertThat(after.getShort("ErrorCode")).isZero();
            assertThat(partitions(after)).isEmpty();

            // A session id the broker never gave out.
            int unknown = session == Integer.MAX_VALUE ? 1 : session + 1;
            while (sessions().sessionIds().contains(unknown)) unknown++;
            Struct notFound = fetch(c, unknown, 1, id, Map.of(), List.of(), 0);
            assertThat(Errors.forCode(notFound.getShort("ErrorCode"))).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
            assertThat(notFound.getStructs("Responses")).isEmpty();

            // A topic id nobody has, added to the session: UNKNOWN_TOPIC_ID under that id.
            UUID nobody = UUID.randomUUID();
            Struct unknownTopic = fetch(c, session, 7, nobody, Map.of(0, 0L), List.of(), 0);
            assertThat(unknownTopic.getStructs("Responses")).hasSize(1);
            Struct t = unknownTopic.getStructs("Responses").get(0);
            assertThat(t.getUuid("TopicId")).isEqualTo(nobody);
            assertThat(Errors.forCode(t.getStructs("Partitions").get(0).getShort("ErrorCode"))).isEqualTo(Errors.UNKNOWN_TOPIC_ID);

            // The final epoch closes the session: a full fetch outside any session, and the id is gone.
            Struct close = fetch(c, session, -1, id, Map.of(0, 0L), List.of(), 0);
            assertThat(close.getInt("SessionId")).isZero();
            assertThat(partitions(close)).containsOnlyKeys(0);
            assertThat(sessions().sessionIds()).doesNotContain(session);
            assertThat(Errors.forCode(fetch(c, session, 8, id, Map.of(), List.of(), 0).getShort("ErrorCode")))
                    .isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
        }
    }

    @Test
    void fjordsConsumersIncrementalFetchesCarryOnlyTheChangedPartitionOnTheWire(@TempDir Path tmp) throws Exception {
        try (ResponseDroppingProxy proxy = new ResponseDroppingProxy();
             TestBroker b = new TestBroker(tmp, Map.of("advertised.listeners", "PLAINTEXT://127.0.0.1:" + proxy.port())).start()) {
            proxy.target(b.port());
            IncrementalFetchChecks.incrementalFetchesCarryOnlyChangedPartitions(proxy, proxy.bootstrap(), "sessions-wire");
        }
    }

    @Test
    void aTopicDeletedAndRecreatedWithTheSameNameIsToldApartById() throws Exception {
        IncrementalFetchChecks.aRecreatedTopicIsToldApartById(broker.bootstrap(), "recreated");
    }

    @Test
    void fjordsConsumerAndKafkaClientsConsumerUseSessionsAndReadEverything() throws Exception {
        String topic = "sessions-clients";
        Clients.createTopic(broker.bootstrap(), topic, 3);
        for (int p = 0; p < 3; p++) produce(topic, p, 20);

        long before = sessions().incrementalFetches();
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", broker.bootstrap());
        config.put("auto.offset.reset", "earliest");
        config.put("fetch.max.wait.ms", "50");
        List<io.fjord.client.common.TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < 3; p++) tps.add(new io.fjord.client.common.TopicPartition(topic, p));
        List<String> seen = new ArrayList<>();
        try (FjordConsumer<String, String> c = new FjordConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            c.assign(tps);
            c.seekToBeginning(tps);
            // Read everything, then keep polling until the broker has served this consumer incremental fetches.
            Awaitility.await("Fjord's consumer reads 60 records in incremental fetches").atMost(Duration.ofSeconds(60))
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> {
                        for (var r : c.poll(Duration.ofMillis(100))) seen.add(r.partition() + ":" + r.offset());
                        return seen.size() >= 60 && sessions().incrementalFetches() > before + 3 && sessions().size() > 0;
                    });
            assertThat(seen).hasSize(60).doesNotHaveDuplicates();
            // Records written while the consumer idles in its session arrive through incremental fetches.
            produce(topic, 2, 3);
            Awaitility.await("the new records of partition 2").atMost(Duration.ofSeconds(60))
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> {
                        for (var r : c.poll(Duration.ofMillis(100))) seen.add(r.partition() + ":" + r.offset());
                        return seen.size() >= 63;
                    });
            assertThat(seen).hasSize(63).contains("2:20", "2:21", "2:22");
        }

        long beforeKafka = sessions().incrementalFetches();
        List<TopicPartition> ktps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1), new TopicPartition(topic, 2));
        List<String> kafkaSeen = new ArrayList<>();
        try (KafkaConsumer<String, String> k = Clients.consumer(broker.bootstrap(), Map.of("fetch.max.wait.ms", "50"))) {
            k.assign(ktps);
            k.seekToBeginning(ktps);
            Awaitility.await("kafka-clients' consumer reads 63 records in incremental fetches").atMost(Duration.ofSeconds(60))
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> {
                        for (ConsumerRecord<String, String> r : k.poll(Duration.ofMillis(100))) kafkaSeen.add(r.partition() + ":" + r.offset());
                        return kafkaSeen.size() >= 63 && sessions().incrementalFetches() > beforeKafka + 3;
                    });
        }
        assertThat(kafkaSeen).hasSize(63).doesNotHaveDuplicates();
        assertThat(sessions().incrementalFetches()).isGreaterThan(beforeKafka);
    }
}
