package io.fjord.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.protocol.api.Errors;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.storage.TestBatches.ManualClock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Idempotent-producer checks of {@link PartitionLog#append} and the durability of {@link ProducerStateManager}. */
class ProducerStateTest {
    private static final UUID TOPIC_ID = UUID.randomUUID();
    private static final long PID = 4242L;

    @TempDir
    Path root;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private PartitionLog log;

    @AfterEach
    void closeLog() {
        if (log != null) log.close();
    }

    private Path dir() {
        return root.resolve("p-0");
    }

    private PartitionLog open(LogConfig cfg, boolean clean) {
        return PartitionLog.open(dir(), "p", 0, TOPIC_ID, cfg, clock, clean);
    }

    static ByteBuffer batch(long pid, int epoch, int seq, int records) {
        ByteBuffer b = TestBatches.batch(records, 1L, 40);
        b.putLong(RecordBatch.PRODUCER_ID_OFFSET, pid);
        b.putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, (short) epoch);
        b.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, seq);
        b.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(b, 0));
        return b;
    }

    private LogAppendResult append(long pid, int epoch, int seq, int records) {
        return log.append(batch(pid, epoch, seq, records));
    }

    private void assertRefused(long pid, int epoch, int seq, Errors error) {
        long end = log.logEndOffset();
        assertThatThrownBy(() -> append(pid, epoch, seq, 1)).isInstanceOf(ProducerStateException.class)
                .extracting(e -> ((ProducerStateException) e).error()).isEqualTo(error);
        assertThat(log.logEndOffset()).isEqualTo(end);
    }

    @Test
    void retriedBatchInTheWindowGetsItsOriginalOffsetsAndNothingIsAppended() {
        log = open(LogConfig.DEFAULT, true);
        append(-1, -1, -1, 3); // a plain batch is not tracked
        for (int i = 0; i < 6; i++) assertThat(append(PID, 0, i * 2, 2).firstOffset()).isEqualTo(3 + i * 2);
        long end = log.logEndOffset();
        LogAppendResult dup = append(PID, 0, 4, 2);
        assertThat(dup.isDuplicate()).isTrue();
        assertThat(dup.firstOffset()).isEqualTo(7);
        assertThat(dup.lastOffset()).isEqualTo(8);
        assertThat(log.logEndOffset()).isEqualTo(end);
        // The first batch has left the five-batch window: a retry of it is out of order, not a duplicate.
        assertRefused(PID, 0, 0, Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(append(PID, 0, 12, 1).isDuplicate()).isFalse();
    }

    @Test
    void gapsStaleEpochsAndNewEpochsNotAtZeroAreRefused() {
        log = open(LogConfig.DEFAULT, true);
        append(PID, 3, 0, 2);
        assertRefused(PID, 3, 5, Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertRefused(PID, 2, 2, Errors.INVALID_PRODUCER_EPOCH);
        assertRefused(PID, 4, 7, Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        append(PID, 4, 0, 1); // epoch bump restarts at 0
        assertRefused(PID, 3, 2, Errors.INVALID_PRODUCER_EPOCH);
        assertThat(log.producerState().epochOf(PID)).isEqualTo((short) 4);
        // Another producer is unaffected, and one we have no state for is accepted at any sequence (Kafka 4.x).
        append(PID + 1, 0, 0, 1);
        append(PID + 2, 0, 977, 1);
        assertThat(log.producerState().producerCount()).isEqualTo(3);
    }

    @Test
    void sequencesWrapAndExpiredProducersStartOver() {
        log = open(LogConfig.DEFAULT, true);
        append(PID, 0, Integer.MAX_VALUE - 1, 3); // sequences MAX-1, MAX, 0
        assertThat(log.producerState().lastSequenceOf(PID)).isEqualTo(0);
        append(PID, 0, 1, 1);
        assertThat(append(PID, 0, Integer.MAX_VALUE - 1, 3).isDuplicate()).isTrue();
        clock.advance(ProducerStateManager.DEFAULT_EXPIRATION_MS);
        append(PID, 0, 500, 1); // state expired: any sequence goes
        assertThat(log.producerState().lastSequenceOf(PID)).isEqualTo(500);
    }

    @Test
    void stateSurvivesCleanShutdownThroughTheSnapshot() {
        log = open(LogConfig.DEFAULT, true);
        append(PID, 1, 0, 2);
        append(PID, 1, 2, 2);
        log.close();
        assertThat(Files.exists(ProducerStateManager.snapshotFile(dir(), 4))).isTrue();
        log = open(LogConfig.DEFAULT, true);
        LogAppendResult dup = append(PID, 1, 2, 2);
        assertThat(dup.isDuplicate()).isTrue();
        assertThat(dup.firstOffset()).isEqualTo(2);
        assertRefused(PID, 1, 7, Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
    }

    @Test
    void afterACrashStateComesFromTheLastRollSnapshotPlusTheLogAfterIt() throws IOException {
        LogConfig small = LogConfig.DEFAULT.withSegmentBytes(1024);
        PartitionLog crashed = open(small, true);
        for (int i = 0; i < 30; i++) crashed.append(batch(PID, 0, i, 1));
        assertThat(crashed.numberOfSegments()).isGreaterThan(2);
        assertThat(ProducerStateManager.snapshotOffsets(dir())).isNotEmpty().allMatch(o -> o < 30);
        // No close: as after kill -9 (the page cache keeps the written bytes).
        log = open(small, false);
        assertThat(log.logEndOffset()).isEqualTo(30);
        for (int i = 25; i < 30; i++) assertThat(append(PID, 0, i, 1).firstOffset()).isEqualTo(i);
        assertThat(log.logEndOffset()).isEqualTo(30);
        append(PID, 0, 30, 1);
        crashed.close();
    }

    @Test
    void rebuildWithoutAnySnapshotScansTheWholeLog() throws IOException {
        log = open(LogConfig.DEFAULT.withSegmentBytes(1024), true);
        for (int i = 0; i < 25; i++) append(PID, 2, i, 1);
        log.close();
        for (long o : ProducerStateManager.snapshotOffsets(dir())) Files.delete(ProducerStateManager.snapshotFile(dir(), o));
        log = open(LogConfig.DEFAULT.withSegmentBytes(1024), false);
        assertThat(append(PID, 2, 24, 1).firstOffset()).isEqualTo(24);
        assertThat(log.producerState().epochOf(PID)).isEqualTo((short) 2);
    }

    @Test
    void recoveryTruncationForgetsTheRemovedBatchesAndDeletesNewerSnapshots() throws IOException {
        log = open(LogConfig.DEFAULT, true);
        for (int i = 0; i < 4; i++) append(PID, 0, i, 1);
        int cut = (int) Files.size(log.segments().get(0).logFile()) - 20; // tear the last batch
        log.close();
        log = null;
        assertThat(ProducerStateManager.snapshotOffsets(dir())).containsExactly(4L);
        Path seg = dir().resolve(LogSegment.fileName(0, LogSegment.LOG_SUFFIX));
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.truncate(cut);
        }
        log = open(LogConfig.DEFAULT, false);
        assertThat(log.logEndOffset()).isEqualTo(3);
        assertThat(ProducerStateManager.snapshotOffsets(dir())).isEmpty();
        // Sequence 3 was lost with the torn batch, so its retry is appended (not acknowledged as a duplicate).
        LogAppendResult r = append(PID, 0, 3, 1);
        assertThat(r.isDuplicate()).isFalse();
        assertThat(r.firstOffset()).isEqualTo(3);
        assertThat(append(PID, 0, 1, 1).isDuplicate()).isTrue();
        assertThat(List.of(log.logEndOffset())).containsExactly(4L);
    }
}
