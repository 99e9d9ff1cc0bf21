package io.fjord.storage;

import io.fjord.storage.TestBatches.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;

import static io.fjord.storage.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LogManagerTest {
    private static final UUID ORDERS = UUID.randomUUID();
    private static final UUID USERS = UUID.randomUUID();

    @TempDir
    Path tmp;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final LogConfig cfg = LogConfig.DEFAULT.withSegmentBytes(1024).withIndexIntervalBytes(256);

    private LogManager open() {
        return LogManager.open(List.of(tmp.resolve("d1"), tmp.resolve("d2")), cfg, clock);
    }

    @Test
    void createsSpreadsAndReloadsPartitions() {
        LogManager m = open();
        for (int p = 0; p < 3; p++) {
            PartitionLog l = m.getOrCreate("orders", p, ORDERS, cfg);
            for (int i = 0; i <= p * 5; i++) l.append(batch(2, i, 100));
        }
        m.getOrCreate("users", 0, USERS, cfg).append(batch(1, 0, 10));
        assertThat(m.getOrCreate("orders", 1, ORDERS, cfg)).isSameAs(m.get("orders", 1).orElseThrow());
        assertThatThrownBy(() -> m.getOrCreate("orders", 1, USERS, cfg)).isInstanceOf(IllegalStateException.class);
        assertThat(tmp.resolve("d1").resolve("orders-0")).isDirectory();
        assertThat(tmp.resolve("d2").resolve("orders-1")).isDirectory();
        m.close();
        assertThat(tmp.resolve("d1").resolve(LogManager.CLEAN_SHUTDOWN_FILE)).exists();
        assertThat(tmp.resolve("d2").resolve(LogManager.CLEAN_SHUTDOWN_FILE)).exists();

        LogManager m2 = open();
        try {
            assertThat(tmp.resolve("d1").resolve(LogManager.CLEAN_SHUTDOWN_FILE)).doesNotExist();
            assertThat(m2.allLogs()).hasSize(4);
            assertThat(m2.get("orders", 0).orElseThrow().logEndOffset()).isEqualTo(2);
            assertThat(m2.get("orders", 1).orElseThrow().logEndOffset()).isEqualTo(12);
            assertThat(m2.get("orders", 2).orElseThrow().logEndOffset()).isEqualTo(22);
            assertThat(m2.get("orders", 2).orElseThrow().numberOfSegments()).isGreaterThan(1);
            assertThat(m2.get("orders", 2).orElseThrow().topicId()).contains(ORDERS);
            assertThat(m2.get("users", 0).orElseThrow().topicId()).contains(USERS);
            assertThat(m2.get("users", 1)).isEmpty();
            assertThat(m2.logsOf("orders")).hasSize(3);
        } finally {
            m2.close();
        }
    }

    @Test
    void deleteRemovesAllPartitionsOfTopic() {
        LogManager m = open();
        for (int p = 0; p < 4; p++) m.getOrCreate("orders", p, ORDERS, cfg).append(batch(1, 0, 10));
        m.getOrCreate("users", 0, USERS, cfg).append(batch(1, 0, 10));
        assertThat(m.delete("orders")).isEqualTo(4);
        assertThat(m.get("orders", 0)).isEmpty();
        assertThat(tmp.resolve("d1").resolve("orders-0")).doesNotExist();
        assertThat(tmp.resolve("d2").resolve("orders-1")).doesNotExist();
        m.close();
        LogManager m2 = open();
        try {
            assertThat(m2.allLogs()).extracting(PartitionLog::topic).containsExactly("users");
            // the topic can be created again from scratch
            assertThat(m2.getOrCreate("orders", 0, UUID.randomUUID(), cfg).logEndOffset()).isZero();
        } finally {
            m2.close();
        }
    }

    @Test
    void missingMarkerTriggersRecoveryAndLeftoversAreCleaned() throws IOException {
        LogManager m = open();
        PartitionLog l = m.getOrCreate("orders", 0, ORDERS, cfg);
        for (int i = 0; i < 3; i++) l.append(batch(1, i, 100));
        Path active = l.segments().get(0).logFile();
        // crash: no close; a torn write at the end
        Files.write(active, new byte[40], StandardOpenOption.APPEND);
        Files.createDirectories(tmp.resolve("d2").resolve("old-3.abc-delete"));
        Files.createDirectories(tmp.resolve("d2").resolve("not_a_partition"));
        LogManager m2 = open();
        try {
            PartitionLog r = m2.get("orders", 0).orElseThrow();
            assertThat(r.logEndOffset()).isEqualTo(3);
            assertThat(Files.size(active)).isEqualTo(3 * 161);
            assertThat(tmp.resolve("d2").resolve("old-3.abc-delete")).doesNotExist();
            assertThat(m2.allLogs()).hasSize(1);
        } finally {
            m2.close();
        }
    }

    @Test
    void recoveryAtStartLogsPartitionsAndSegmentsDoneAndLeftThenAFinalLine() throws IOException {
        LogManager m = open();
        for (int p = 0; p < 3; p++) {
            PartitionLog l = m.getOrCreate("orders", p, ORDERS, cfg);
            for (int i = 0; i < 15; i++) l.append(batch(1, i, 100)); // 161-byte batches, 1 KiB segments: 3 segments
        }
        int segments = 0;
        for (PartitionLog l : m.allLogs()) segments += l.segments().size();
        assertThat(segments).isGreaterThan(3);
        // crash: no close, so no clean-shutdown marker. Every partition reports (interval 0), then a final line.
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(LogManager.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines = new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        ch.qos.logback.classic.Level level = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.INFO); // the test config may keep this logger quieter
        logger.addAppender(lines);
        LogManager m2 = LogManager.open(List.of(tmp.resolve("d1"), tmp.resolve("d2")), cfg, clock, 0);
        try {
            logger.detachAppender(lines);
            List<String> messages = lines.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                    .filter(s -> s.startsWith("log dir ")).toList();
            int total = segments;
            assertThat(messages).anyMatch(s -> s.contains("recovering") && s.matches(".*: recovering \\d+ partitions, \\d+ segments"));
            assertThat(messages).anyMatch(s -> s.matches(".*recovering, 1/\\d partitions and \\d+/\\d+ segments done; \\d partitions and \\d+ segments left.*"));
            long finals = messages.stream().filter(s -> s.matches(".*recovered \\d+ partitions, \\d+ segments in \\d+ ms")).count();
            assertThat(finals).as(messages.toString()).isBetween(1L, 2L); // one per dir holding partitions
            int recoveredPartitions = 0;
            int recoveredSegments = 0;
            for (String s : messages) {
                var mt = java.util.regex.Pattern.compile("recovered (\\d+) partitions, (\\d+) segments").matcher(s);
                if (mt.find()) {
                    recoveredPartitions += Integer.parseInt(mt.group(1));
                    recoveredSegments += Integer.parseInt(mt.group(2));
                }
            }
            assertThat(recoveredPartitions).isEqualTo(3);
            assertThat(recoveredSegments).isEqualTo(total);
        } finally {
            logger.detachAppender(lines);
            logger.setLevel(level);
            m2.close();
        }
    }

    @Test
    void highWatermarksAreCheckpointedAndRestored() throws IOException {
        LogManager m = open();
        PartitionLog l0 = m.getOrCreate("orders", 0, ORDERS, cfg);
        PartitionLog l1 = m.getOrCreate("orders", 1, ORDERS, cfg);
        for (int i = 0; i < 10; i++) {
            l0.append(batch(1, i, 10));
            l1.append(batch(1, i, 10));
        }
        l0.updateHighWatermark(6);
        l1.updateHighWatermark(10);
        m.checkpoint();
        Path hw1 = tmp.resolve("d1").resolve(OffsetCheckpointFile.REPLICATION_OFFSET);
        Path hw2 = tmp.resolve("d2").resolve(OffsetCheckpointFile.REPLICATION_OFFSET);
        assertThat(Files.readString(hw1)).isEqualTo("0\n1\norders 0 6\n"); // Kafka's format
        assertThat(Files.readString(hw2)).isEqualTo("0\n1\norders 1 10\n");
        m.close();

        LogManager m2 = open();
        assertThat(m2.get("orders", 0).orElseThrow().highWatermark()).isEqualTo(6);
        assertThat(m2.get("orders", 1).orElseThrow().highWatermark()).isEqualTo(10);
        m2.close();
        // A checkpoint above the log end (the tail was lost) gives the log end.
        Files.writeString(hw1, "0\n1\norders 0 999\n");
        // No entry (data from before replication) after a clean shutdown: the log end.
        Files.delete(hw2);
        LogManager m3 = open();
        assertThat(m3.get("orders", 0).orElseThrow().highWatermark()).isEqualTo(10);
        PartitionLog r1 = m3.get("orders", 1).orElseThrow();
        assertThat(r1.highWatermark()).isEqualTo(10);
        // No entry after a crash: only the recovery point (fsynced) is trusted.
        r1.flush();
        m3.checkpoint();
        for (int i = 0; i < 5; i++) r1.append(batch(1, i, 10));
        Files.delete(hw2); // crash: m3 is never closed
        LogManager m4 = open();
        try {
            PartitionLog r = m4.get("orders", 1).orElseThrow();
            assertThat(r.logEndOffset()).isEqualTo(15);
            assertThat(r.recoveryPoint()).isEqualTo(10);
            assertThat(r.highWatermark()).isEqualTo(10);
        } finally {
            m4.close();
        }
    }

    @Test
    void parsesPartitionDirectoryNames() {
        assertThat(LogManager.parseDirName("my-topic-12")).isEqualTo(new LogManager.TopicPartition("my-topic", 12));
        assertThat(LogManager.parseDirName("topic")).isNull();
        assertThat(LogManager.parseDirName("topic-x")).isNull();
        assertThat(LogManager.parseDirName("-1")).isNull();
    }
}
