package io.fjord.storage;

import static io.fjord.storage.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.storage.TestBatches.ManualClock;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention, log start offset, checkpoints, recovery from the recovery point, and group commit. */
class LogRetentionTest {
    private static final UUID ID = UUID.randomUUID();
    /** 200-byte batches, 5 per segment of at most 1024 bytes. */
    private static final int PAYLOAD = 139;
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path tmp;
    private final ManualClock clock = new ManualClock(T0);
    private final LogConfig cfg = LogConfig.DEFAULT.withSegmentBytes(1024).withIndexIntervalBytes(300);

    private PartitionLog open(LogConfig c) {
        return PartitionLog.open(tmp.resolve("t-0"), "t", 0, ID, c, clock, true);
    }

    /** n batches of 1 record, the i-th with timestamp ts0 + i. */
    private static void append(PartitionLog l, int n, long ts0) {
        for (int i = 0; i < n; i++) l.append(batch(1, ts0 + i, PAYLOAD));
    }

    @Test
    void timeRetentionDeletesOldWholeSegmentsOnly() {
        PartitionLog l = open(cfg.withRetentionMs(60_000));
        append(l, 10, T0);            // offsets 0-9: segments [0..4], [5..9]
        append(l, 7, T0 + 120_000);   // offsets 10-16: segments [10..14], [15,16] active
        assertThat(l.numberOfSegments()).isEqualTo(4);
        clock.advance(100_000);       // now = T0 + 100 s: only the first two are older than 60 s
        assertThat(LogRetention.apply(l, clock.millis(), l.logEndOffset())).isEqualTo(2);
        assertThat(l.logStartOffset()).isEqualTo(10);
        assertThat(l.segments()).extracting(LogSegment::baseOffset).containsExactly(10L, 15L);
        assertThatThrownBy(() -> l.read(5, 1000)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(l.read(10, 1000).firstOffset()).isEqualTo(10);
        // Everything expired: the active segment goes too, after rolling an empty one at the log end.
        clock.advance(1_000_000);
        assertThat(LogRetention.apply(l, clock.millis(), l.logEndOffset())).isEqualTo(2);
        assertThat(l.logStartOffset()).isEqualTo(17);
        assertThat(l.logEndOffset()).isEqualTo(17);
        assertThat(l.numberOfSegments()).isEqualTo(1);
        l.append(batch(1, clock.millis(), PAYLOAD));
        assertThat(l.read(17, 1000).firstOffset()).isEqualTo(17);
        l.close();
    }

    @Test
    void sizeRetentionKeepsAtMostRetentionBytesAndRespectsTheUpperBound() {
        PartitionLog l = open(cfg.withRetentionBytes(2500));
        append(l, 23, T0); // 4 full segments of 1000 bytes + 600 bytes active = 4600 bytes
        assertThat(l.sizeInBytes()).isEqualTo(4600);
        // The high watermark at 7 lets only the first segment (ending at 5) go.
        assertThat(LogRetention.apply(l, clock.millis(), 7)).isEqualTo(1);
        // 3600 bytes left: dropping one more segment gets within 2500; a second would overshoot.
        assertThat(LogRetention.apply(l, clock.millis(), l.logEndOffset())).isEqualTo(1);
        assertThat(l.sizeInBytes()).isEqualTo(2600);
        assertThat(l.logStartOffset()).isEqualTo(10);
        l.close();
    }

    @Test
    void logStartOffsetMovesOnRequestDeletesSegmentsBelowAndSurvivesRestart() {
        Path d1 = tmp.resolve("d1");
        LogManager m = LogManager.open(d1, cfg, clock);
        PartitionLog l = m.getOrCreate("t", 0, ID, cfg);
        append(l, 12, T0);
        assertThat(l.maybeIncrementLogStartOffset(7)).isTrue();
        assertThat(l.maybeIncrementLogStartOffset(3)).isFalse();
        assertThatThrownBy(() -> l.maybeIncrementLogStartOffset(13)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> l.read(6, 1000)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(l.read(7, 1000).firstOffset()).isEqualTo(7);
        assertThat(LogRetention.run(m.allLogs(), clock.millis(), PartitionLog::logEndOffset)).isEqualTo(1);
        assertThat(l.segments().get(0).baseOffset()).isEqualTo(5);
        assertThat(l.logStartOffset()).isEqualTo(7);
        m.checkpoint();
        assertThat(new OffsetCheckpointFile(d1.resolve(OffsetCheckpointFile.LOG_START_OFFSET)).read())
                .containsEntry(new LogManager.TopicPartition("t", 0), 7L);
        m.close();
        LogManager m2 = LogManager.open(d1, cfg, clock);
        try {
            assertThat(m2.get("t", 0).orElseThrow().logStartOffset()).isEqualTo(7);
        } finally {
            m2.close();
        }
    }

    @Test
    void checkpointFileUsesKafkasTextFormat() throws Exception {
        OffsetCheckpointFile f = new OffsetCheckpointFile(tmp.resolve("cp"));
        f.write(Map.of(new LogManager.TopicPartition("a", 0), 5L));
        assertThat(Files.readString(tmp.resolve("cp"))).isEqualTo("0\n1\na 0 5\n");
        Files.writeString(tmp.resolve("cp"), "0\n2\na 0 5\n");
        assertThat(f.read()).isEmpty(); // malformed: ignored
    }

    @Test
    void uncleanStartScansEverySegmentFromTheRecoveryPoint() throws Exception {
        Path d = tmp.resolve("d");
        LogManager m = LogManager.open(d, cfg, clock);
        PartitionLog l = m.getOrCreate("t", 0, ID, cfg);
        append(l, 10, T0);   // segments 0, 5 (full)
        l.roll();
        l.flush();           // recovery point 10
        append(l, 12, T0);   // segments 10, 15 full, 20 active
        assertThat(l.recoveryPoint()).isEqualTo(10);
        m.checkpoint();
        long end = l.logEndOffset();
        // Simulate a crash: no close (no clean marker); damage a byte in segment 15 (after the recovery point),
        // and in segment 0 (before it: not scanned, so not noticed).
        List<Long> bases = new ArrayList<>(l.segments().stream().map(LogSegment::baseOffset).toList());
        assertThat(bases).containsExactly(0L, 5L, 10L, 15L, 20L);
        corrupt(l.dir().resolve(LogSegment.fileName(15, LogSegment.LOG_SUFFIX)), 450);
        corrupt(l.dir().resolve(LogSegment.fileName(0, LogSegment.LOG_SUFFIX)), 450);
        LogManager m2 = LogManager.open(d, cfg, clock);
        try {
            PartitionLog r = m2.get("t", 0).orElseThrow();
            // Segment 15 is cut at its third batch (offset 17) and everything after is dropped.
            assertThat(r.logEndOffset()).isEqualTo(17).isLessThan(end);
            assertThat(r.segments()).extracting(LogSegment::baseOffset).containsExactly(0L, 5L, 10L, 15L);
            assertThat(r.recoveryPoint()).isEqualTo(10);
        } finally {
            m2.close();
        }
    }

    private static void corrupt(Path file, long pos) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, pos);
            b.flip();
            byte v = b.get(0);
            ch.write(ByteBuffer.wrap(new byte[] {(byte) ~v}), pos);
        }
    }

    @Test
    void flushMovesRecoveryPointAndFlushMsIsHonoured() {
        PartitionLog l = open(cfg.withFlushMs(1000));
        append(l, 3, T0);
        assertThat(l.recoveryPoint()).isZero();
        assertThat(LogFlusher.flushDue(List.of(l), clock.millis())).isZero();
        clock.advance(1000);
        assertThat(LogFlusher.flushDue(List.of(l), clock.millis())).isEqualTo(1);
        assertThat(l.recoveryPoint()).isEqualTo(3);
        append(l, 4, T0); // rolls at offset 5
        assertThat(LogFlusher.flushRolled(List.of(l))).isEqualTo(1);
        assertThat(l.recoveryPoint()).isEqualTo(5);
        l.close();
    }

    @Test
    void groupCommitCompletesAfterTheFlushAndBatchesRequests() throws Exception {
        PartitionLog a = PartitionLog.open(tmp.resolve("a-0"), "a", 0, ID, cfg, clock, true);
        PartitionLog b = PartitionLog.open(tmp.resolve("b-0"), "b", 0, ID, cfg, clock, true);
        try (GroupCommitFlusher f = new GroupCommitFlusher("test-flusher")) {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                PartitionLog l = i % 2 == 0 ? a : b;
                l.append(batch(1, T0, PAYLOAD));
                all.add(f.flushed(l, l.logEndOffset()));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertThat(a.durableOffset()).isEqualTo(a.logEndOffset());
            assertThat(b.durableOffset()).isEqualTo(b.logEndOffset());
            assertThat(f.forces()).isLessThanOrEqualTo(f.requests());
            assertThat(f.rounds()).isLessThanOrEqualTo(f.requests());
            assertThat(f.flushed(a, a.logEndOffset())).isDone(); // already durable
        } finally {
            a.close();
            b.close();
        }
    }
}
