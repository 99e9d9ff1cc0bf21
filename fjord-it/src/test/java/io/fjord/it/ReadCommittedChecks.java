package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.client.consumer.FjordConsumer;
import io.fjord.client.serialization.StringDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;

/**
 * Fjord's consumer against real transaction markers written by kafka-clients' transactional producer (issue 12,
 * the consumer's part): with {@code isolation.level=read_committed} it sees committed transactions exactly once
 * and aborted ones never, across partitions (aborted batches dropped by the Fetch answer's AbortedTransactions,
 * control batches skipped); with read_uncommitted it sees both. Runs against a broker with transactions (Apache
 * Kafka 4.4 in the kafka-compat profile; Fjord's broker once its transaction coordinator is merged).
 */
final class ReadCommittedChecks {
    private ReadCommittedChecks() {
    }

    static void readCommittedSkipsAbortedTransactions(String bootstrap, String topic) throws Exception {
        try (Admin admin = Clients.admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "rc-" + topic);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        List<String> committed = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();
            // Interleaved: committed, aborted, committed, aborted, ... and a plain committed tail.
            for (int t = 0; t < 6; t++) {
                producer.beginTransaction();
                for (int i = 0; i < 20; i++) {
                    String v = "t" + t + "-" + i;
                    producer.send(new ProducerRecord<>(topic, i % 2, "k" + i, v));
                    if (t % 2 == 0) committed.add(v);
                }
                producer.flush();
                if (t % 2 == 0) producer.commitTransaction();
                else producer.abortTransaction();
            }
        }
        List<String> readCommitted = read(bootstrap, topic, "read_committed", committed.size());
        assertThat(readCommitted).as("committed exactly once, aborted never").containsExactlyInAnyOrderElementsOf(committed);
        List<String> readUncommitted = read(bootstrap, topic, "read_uncommitted", 120);
        assertThat(readUncommitted).as("read_uncommitted sees both").hasSize(120).doesNotHaveDuplicates()
                .containsAll(committed).contains("t1-0", "t5-19");
    }

    /** Reads both partitions from the start until {@code expected} records came, then a few quiet polls more. */
    private static List<String> read(String bootstrap, String topic, String isolation, int expected) {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", bootstrap);
        c.put("auto.offset.reset", "earliest");
        c.put("isolation.level", isolation);
        List<String> out = new ArrayList<>();
        List<io.fjord.client.common.TopicPartition> tps = List.of(new io.fjord.client.common.TopicPartition(topic, 0),
                new io.fjord.client.common.TopicPartition(topic, 1));
        try (FjordConsumer<String, String> consumer = new FjordConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(tps);
            Awaitility.await(isolation + ": " + expected + " records").atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(1)).until(() -> {
                        consumer.poll(Duration.ofMillis(100)).forEach(r -> out.add(r.value()));
                        return out.size() >= expected;
                    });
            for (int i = 0; i < 3; i++) consumer.poll(Duration.ofMillis(100)).forEach(r -> out.add(r.value()));
            // Both partitions were read to their end (the markers included), so nothing was left unread.
            for (var tp : tps) assertThat(consumer.position(tp)).isEqualTo(consumer.endOffsets(List.of(tp)).get(tp));
        }
        return out;
    }
}
