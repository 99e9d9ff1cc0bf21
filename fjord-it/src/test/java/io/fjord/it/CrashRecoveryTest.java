package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.RecordBatchBuilder;
import io.fjord.storage.LogManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash recovery with real processes and files: a node is killed with SIGKILL after acknowledging records, its
 * files are damaged as a crash (torn write) and a bad disk (lost/garbled indexes) would leave them, and the restarted
 * node must serve every acknowledged record at its offset and continue the offsets.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class CrashRecoveryTest {
    private static final String TOPIC = "crash";
    private static final int SEGMENT_BYTES = 1024 * 1024;
    private static final int RECORDS_P0 = 4500; // ~1 KiB each: 4-5 segments in partition 0
    private static final int RECORDS_P1 = 600;

    @Test
    void killMinus9ThenTornWriteAndDamagedIndexesRecover(@TempDir Path tmp) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        // Acknowledged (offset -> value) per partition.
        List<Map<Long, String>> acked = List.of(new ConcurrentSkipListMap<>(), new ConcurrentSkipListMap<>());

        int port1 = Clients.freePort();
        try (FjordProcess node = FjordProcess.startJava(tmp, tmp.resolve("run1.out"), port1, settings(port1, data))) {
            node.awaitReady(Duration.ofSeconds(90));
            String bootstrap = "127.0.0.1:" + port1;
            Clients.createTopic(bootstrap, TOPIC, 2);
            AtomicReference<Exception> sendError = new AtomicReference<>();
            String pad = "x".repeat(1000);
            try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
                for (int i = 0; i < RECORDS_P0 + RECORDS_P1; i++) {
                    int partition = i < RECORDS_P0 ? 0 : 1;
                    String value = "v" + i + "-" + pad;
                    producer.send(new ProducerRecord<>(TOPIC, partition, "k" + i, value), (md, e) -> {
                        if (e != null) sendError.compareAndSet(null, e);
                        else acked.get(md.partition()).put(md.offset(), value);
                    });
                }
                producer.flush();
            }
            assertThat(sendError.get()).as("send error").isNull();
            assertThat(acked.get(0)).hasSize(RECORDS_P0);
            assertThat(acked.get(1)).hasSize(RECORDS_P1);

            int exit = node.kill9();
            assertThat(exit).as("exit code after SIGKILL").isEqualTo(137);
        }
        assertThat(data.resolve(LogManager.CLEAN_SHUTDOWN_FILE)).doesNotExist();

        // ---- damage the files
        Path p0 = data.resolve(TOPIC + "-0");
        Path p1 = data.resolve(TOPIC + "-1");
        List<Path> segs0 = logFiles(p0);
        assertThat(segs0).as("segments of partition 0").hasSizeGreaterThanOrEqualTo(4);
        Path active0 = segs0.get(segs0.size() - 1);
        long wholeSize = wholeBatchesSize(active0);
        assertThat(Files.size(active0)).as("active segment holds whole batches only before the damage").isEqualTo(wholeSize);

        // Torn write: the first 40 bytes of a real next batch, then garbage.
        long nextOffset = Collections.max(acked.get(0).keySet()) + 1;
        ByteBuffer next = new RecordBatchBuilder(nextOffset, CompressionType.NONE)
                .append(System.currentTimeMillis(), null, "y".repeat(2000).getBytes(StandardCharsets.UTF_8)).build();
        byte[] torn = new byte[40 + 1000];
        next.get(torn, 0, 40);
        byte[] garbage = new byte[1000];
        new Random(99).nextBytes(garbage);
        System.arraycopy(garbage, 0, torn, 40, garbage.length);
        Files.write(active0, torn, StandardOpenOption.APPEND);
        assertThat(Files.size(active0)).isEqualTo(wholeSize + torn.length);

        // Lost indexes: both of the oldest segment of p0, and of the active segment of p1.
        List<Path> deleted = new ArrayList<>();
        deleted.add(sibling(segs0.get(0), ".index"));
        deleted.add(sibling(segs0.get(0), ".timeindex"));
        List<Path> segs1 = logFiles(p1);
        deleted.add(sibling(segs1.get(segs1.size() - 1), ".index"));
        deleted.add(sibling(segs1.get(segs1.size() - 1), ".timeindex"));
        for (Path p : deleted) Files.delete(p);

        // Garbled index of a closed segment: random entries over the whole file.
        Path garbled = sibling(segs0.get(1), ".index");
        long garbledSize = Files.size(garbled);
        assertThat(garbledSize).as("entries in the index of a full segment").isGreaterThanOrEqualTo(8 * 16);
        byte[] junk = new byte[(int) garbledSize];
        new Random(7).nextBytes(junk);
        Files.write(garbled, junk);

        // ---- restart on the damaged data
        int port2 = Clients.freePort();
        try (FjordProcess node = FjordProcess.startJava(tmp, tmp.resolve("run2.out"), port2, settings(port2, data))) {
            node.awaitReady(Duration.ofSeconds(90));
            String bootstrap = "127.0.0.1:" + port2;
            try {
                for (int partition = 0; partition < 2; partition++) {
                    Map<Long, String> expected = acked.get(partition);
                    List<ConsumerRecord<String, String>> got = Clients.readFromStart(bootstrap,
                            List.of(new TopicPartition(TOPIC, partition)), expected.size(),
                            // Small fetches, so that fetch positions land on (and look up) many index entries.
                            Map.of("max.partition.fetch.bytes", "8192", "fetch.max.bytes", "8192"));
                    Map<Long, String> actual = new TreeMap<>();
                    for (ConsumerRecord<String, String> r : got) actual.put(r.offset(), r.value());
                    assertThat(got).extracting(ConsumerRecord::offset).as("offsets of partition %d", partition)
                            .isSorted().doesNotHaveDuplicates();
                    assertThat(actual).as("records of partition %d", partition).isEqualTo(expected);
                }
                assertThat(Files.size(active0)).as("active .log cut back to its last whole batch").isEqualTo(wholeSize);
                for (Path p : deleted) assertThat(p).as("rebuilt index").exists();

                try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
                    for (int partition = 0; partition < 2; partition++) {
                        RecordMetadata md = producer.send(new ProducerRecord<>(TOPIC, partition, "k", "after-crash"))
                                .get(60, TimeUnit.SECONDS);
                        assertThat(md.offset()).as("offset of the first record after recovery, partition %d", partition)
                                .isEqualTo(Collections.max(acked.get(partition).keySet()) + 1);
                    }
                }
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\nnode output:\n" + tail(node.outputSafely()), e);
            }
        }
    }

    @Test
    void cleanRestartInJvmKeepsEverything(@TempDir Path data) throws Exception {
        Map<Long, String> acked = new TreeMap<>();
        try (TestBroker broker = new TestBroker(data).start()) {
            Clients.createTopic(broker.bootstrap(), "plain", 1);
            try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrap())) {
                for (int i = 0; i < 50; i++) {
                    RecordMetadata md = producer.send(new ProducerRecord<>("plain", 0, null, "r" + i)).get(60, TimeUnit.SECONDS);
                    acked.put(md.offset(), "r" + i);
                }
            }
            broker.close();
            assertThat(data.resolve(LogManager.CLEAN_SHUTDOWN_FILE)).exists();
            broker.start();

            TopicPartition tp = new TopicPartition("plain", 0);
            Map<Long, String> actual = new TreeMap<>();
            for (ConsumerRecord<String, String> r : Clients.readFromStart(broker.bootstrap(), List.of(tp), 50)) {
                actual.put(r.offset(), r.value());
            }
            assertThat(actual).isEqualTo(acked);
            try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrap())) {
                assertThat(producer.send(new ProducerRecord<>("plain", 0, null, "more")).get(60, TimeUnit.SECONDS).offset())
                        .isEqualTo(50L);
            }
        }
    }

    private static List<String> settings(int port, Path data) {
        return List.of("listeners=PLAINTEXT://127.0.0.1:" + port, "log.dirs=" + data,
                "log.segment.bytes=" + SEGMENT_BYTES, "num.io.threads=2", "num.network.threads=1");
    }

    private static List<Path> logFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    private static Path sibling(Path log, String suffix) {
        String name = log.getFileName().toString();
        return log.resolveSibling(name.substring(0, name.length() - ".log".length()) + suffix);
    }

    /** Bytes covered by whole batches from the start of a .log file (following the length fields). */
    private static long wholeBatchesSize(Path log) throws IOException {
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ)) {
            long size = ch.size();
            long pos = 0;
            ByteBuffer hdr = ByteBuffer.allocate(12);
            while (pos + 12 <= size) {
                hdr.clear();
                while (hdr.hasRemaining() && ch.read(hdr, pos + hdr.position()) >= 0) {
                    // read the 12-byte log overhead
                }
                int length = hdr.getInt(8);
                if (length <= 0 || pos + 12 + length > size) break;
                pos += 12 + length;
            }
            return pos;
        }
    }

    private static String tail(String s) {
        return s.length() <= 20_000 ? s : s.substring(s.length() - 20_000);
    }
}
