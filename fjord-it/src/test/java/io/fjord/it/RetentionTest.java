package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.broker.replica.TopicPartition;
import io.fjord.storage.PartitionLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention by time and size, DeleteRecords, and consumers positioned below the log start offset, with kafka-clients
 * against an in-process node whose retention check runs every 200 ms.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RetentionTest {
    private static final String PAD = "x".repeat(250);

    static void produce(KafkaProducer<String, String> p, String topic, int n, long timestamp) throws Exception {
        // One record per request: each batch is small enough for 1 KiB segments.
        for (int i = 0; i < n; i++) p.send(new ProducerRecord<>(topic, 0, timestamp, "k" + i, i + PAD)).get(30, TimeUnit.SECONDS);
    }

    static long earliest(Admin admin, String topic) throws Exception {
        var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
        return admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get(30, TimeUnit.SECONDS).offset();
    }

    static PartitionLog log(TestBroker b, String topic) {
        return b.broker().replicaManager().partition(new TopicPartition(topic, 0)).log();
    }

    @Test
    void retentionDeleteRecordsAndOffsetReset(@TempDir Path tmp) throws Exception {
        try (TestBroker b = new TestBroker(tmp, Map.of("log.retention.check.interval.ms", "200")).start();
             Admin admin = Clients.admin(b.bootstrap());
             KafkaProducer<String, String> p = Clients.producer(b.bootstrap())) {
            admin.createTopics(List.of(
                    new NewTopic("by-time", 1, (short) 1).configs(Map.of("segment.bytes", "1024", "retention.ms", "3600000")),
                    new NewTopic("by-size", 1, (short) 1).configs(Map.of("segment.bytes", "1024", "retention.bytes", "3000")),
                    new NewTopic("deleted", 1, (short) 1).configs(Map.of("segment.bytes", "1024"))))
                    .all().get(30, TimeUnit.SECONDS);
            long now = System.currentTimeMillis();

            // Time: 12 records two hours old, then 6 fresh ones in their own segments (forced by a roll).
            produce(p, "by-time", 12, now - 7_200_000);
            log(b, "by-time").roll();
            produce(p, "by-time", 6, now);
            Awaitility.await("time retention").atMost(Duration.ofSeconds(20)).until(() -> earliest(admin, "by-time") == 12);
            assertThat(log(b, "by-time").segments().get(0).baseOffset()).isEqualTo(12);
            assertThat(Clients.readFromStart(b.bootstrap(), List.of(new org.apache.kafka.common.TopicPartition("by-time", 0)), 6))
                    .extracting(r -> r.offset()).startsWith(12L).hasSize(6);

            // Size: 40 records of ~330 bytes, 3 per segment. As in Kafka, whole segments go while the log stays at
            // least retention.bytes, so it ends below retention.bytes + one segment.
            produce(p, "by-size", 40, now);
            int seg = log(b, "by-size").segments().get(0).sizeInBytes();
            Awaitility.await("size retention").atMost(Duration.ofSeconds(20))
                    .until(() -> log(b, "by-size").sizeInBytes() < 3000 + seg);
            long start = earliest(admin, "by-size");
            assertThat(start).isGreaterThan(0).isEqualTo(log(b, "by-size").segments().get(0).baseOffset());
            assertThat(log(b, "by-size").sizeInBytes()).isGreaterThanOrEqualTo(3000);

            // DeleteRecords: into the middle of a segment; beyond the high watermark fails.
            produce(p, "deleted", 20, now);
            var tp = new org.apache.kafka.common.TopicPartition("deleted", 0);
            assertThat(admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(10))).lowWatermarks().get(tp)
                    .get(30, TimeUnit.SECONDS).lowWatermark()).isEqualTo(10);
            assertThat(earliest(admin, "deleted")).isEqualTo(10);
            assertThatThrownBy(() -> admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(21))).all().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(OffsetOutOfRangeException.class);
            Awaitility.await("segments below the log start go").atMost(Duration.ofSeconds(20))
                    .until(() -> log(b, "deleted").segments().get(0).baseOffset() > 0);
            assertThat(log(b, "deleted").logStartOffset()).isEqualTo(10);

            // Consumers positioned below the log start offset.
            try (KafkaConsumer<String, String> c = Clients.consumer(b.bootstrap(), Map.of("auto.offset.reset", "earliest"))) {
                c.assign(List.of(tp));
                c.seek(tp, 3);
                ConsumerRecords<String, String>[] got = new ConsumerRecords[1];
                Awaitility.await("earliest reset").atMost(Duration.ofSeconds(30))
                        .until(() -> !(got[0] = c.poll(Duration.ofMillis(200))).isEmpty());
                assertThat(got[0].iterator().next().offset()).isEqualTo(10);
            }
            try (KafkaConsumer<String, String> c = Clients.consumer(b.bootstrap(), Map.of("auto.offset.reset", "latest"))) {
                c.assign(List.of(tp));
                c.seek(tp, 3);
                Awaitility.await("latest reset").atMost(Duration.ofSeconds(30)).until(() -> {
                    assertThat(c.poll(Duration.ofMillis(200))).isEmpty();
                    return c.position(tp) == 20;
                });
            }
            try (KafkaConsumer<String, String> c = Clients.consumer(b.bootstrap(), Map.of("auto.offset.reset", "none"))) {
                c.assign(List.of(tp));
                c.seek(tp, 3);
                assertThatThrownBy(() -> Awaitility.await("none throws").atMost(Duration.ofSeconds(30))
                        .until(() -> !c.poll(Duration.ofMillis(200)).isEmpty()))
                        .isInstanceOf(org.apache.kafka.clients.consumer.OffsetOutOfRangeException.class);
            }

            // The log start offsets survive a restart (checkpoint).
            b.restart();
            try (Admin a2 = Clients.admin(b.bootstrap())) {
                assertThat(earliest(a2, "deleted")).isEqualTo(10);
                assertThat(earliest(a2, "by-time")).isEqualTo(12);
            }
        }
    }
}
