package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.protocol.record.Record;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.protocol.record.RecordBatchReader;
import io.fjord.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.InvalidRecordException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Log compaction end to end: kafka-clients produce keyed records and tombstones, the cleaner runs, a consumer reads. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CompactionTest {
    private static final String TOPIC = "compacted";

    @Test
    void consumerSeesLatestValueOfEveryLiveKeyAfterCleaning(@TempDir Path tmp) throws Exception {
        try (TestBroker broker = new TestBroker(tmp.resolve("data"), Map.of("log.cleaner.backoff.ms", "50")).start()) {
            String bootstrap = broker.bootstrap();
            try (Admin admin = Clients.admin(bootstrap)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(Map.of(
                        "cleanup.policy", "compact", "segment.bytes", "1024", "min.cleanable.dirty.ratio", "0.01",
                        "delete.retention.ms", "200", "compression.type", "producer"))))
                        .all().get(60, TimeUnit.SECONDS);
            }
            // key -> (offset, value); a null value is a tombstone.
            Map<String, Map.Entry<Long, String>> latest = new LinkedHashMap<>();
            Random rnd = new Random(11);
            try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                List<String[]> records = new ArrayList<>();
                for (int i = 0; i < 400; i++) {
                    String key = "key-" + rnd.nextInt(25);
                    String value = rnd.nextInt(100) < 15 ? null : "value-" + i + "-" + "v".repeat(rnd.nextInt(40));
                    records.add(new String[] {key, value});
                    sent.add(producer.send(new ProducerRecord<>(TOPIC, 0, key, value)));
                    if (i % 5 == 4) producer.flush(); // batches well below segment.bytes
                }
                producer.flush();
                for (int i = 0; i < sent.size(); i++) {
                    latest.put(records.get(i)[0], Map.entry(sent.get(i).get().offset(), String.valueOf(records.get(i)[1])));
                    if (records.get(i)[1] == null) latest.put(records.get(i)[0], Map.entry(sent.get(i).get().offset(), "\0"));
                }
                // A compacted topic refuses records without a key.
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>(TOPIC, 0, null, "no key")).get(60, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidRecordException.class);
                // Unique keys push the data above out of the active segment, which is never cleaned.
                for (int i = 0; i < 40; i++) {
                    String key = "filler-" + i;
                    RecordMetadata m = producer.send(new ProducerRecord<>(TOPIC, 0, key, "f".repeat(40))).get(60, TimeUnit.SECONDS);
                    latest.put(key, Map.entry(m.offset(), "f".repeat(40)));
                }
            }
            TreeMap<Long, String[]> expected = new TreeMap<>();
            latest.forEach((k, e) -> {
                if (!e.getValue().equals("\0")) expected.put(e.getKey(), new String[] {k, e.getValue()});
            });

            PartitionLog log = broker.broker().replicaManager()
                    .partition(new io.fjord.broker.replica.TopicPartition(TOPIC, 0)).log();
            Awaitility.await("cleaner compacts the log and drops expired tombstones")
                    .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> isCompacted(log));

            TopicPartition tp = new TopicPartition(TOPIC, 0);
            List<ConsumerRecord<String, String>> got = Clients.readFromStart(bootstrap, List.of(tp), expected.size());
            assertThat(got).hasSize(expected.size());
            List<String> gotView = got.stream().map(r -> r.offset() + " " + r.key() + "=" + r.value()).toList();
            List<String> wantView = expected.entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()[0] + "=" + e.getValue()[1]).toList();
            assertThat(gotView).containsExactlyElementsOf(wantView);
        }
    }

    /** No tombstone and no key twice in the log. */
    private static boolean isCompacted(PartitionLog log) {
        Set<String> keys = new HashSet<>();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            ByteBuffer buf = log.read(next, 64 * 1024).records().readAll();
            if (!buf.hasRemaining()) break;
            int p = 0;
            while (p < buf.limit()) {
                for (RecordBatchReader it = new RecordBatchReader(buf, p); it.hasNext(); ) {
                    Record r = it.next();
                    if (r.offset() < next) continue;
                    if (r.value() == null) return false;
                    if (!keys.add(StandardCharsets.UTF_8.decode(r.key()).toString())) return false;
                }
                next = RecordBatch.lastOffset(buf, p) + 1;
                p += RecordBatch.sizeInBytes(buf, p);
            }
        }
        return true;
    }
}
