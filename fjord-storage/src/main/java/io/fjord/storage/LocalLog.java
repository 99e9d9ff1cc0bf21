package io.fjord.storage;

import io.fjord.protocol.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The segments of one partition log and where they end (Kafka's seam between UnifiedLog and LocalLog): the active
 * segment, the log end offset, the recovery point and flushing; writing offset-assigned batches, rolling, reading,
 * cutting and replacing segments. It knows nothing of producers, leader epochs, the log start offset or the high
 * watermark: {@link PartitionLog} keeps those (with {@link LogBounds} and {@link ProducerStateHolder}) and calls in
 * here, itself or through {@link LeaderLog} and {@link FollowerLog}. The files are described by {@link LogSegment} and
 * the classes it names.
 *
 * <p>Threading: mutators run under the owning {@link PartitionLog}'s append lock. {@link #read},
 * {@link #findByTimestamp}, {@link #flush} and the accessors take no lock: a write publishes the segment size and
 * then the log end offset through volatile fields, so lock-free readers see whole batches only.
 */
final class LocalLog {
    private static final Logger log = LoggerFactory.getLogger(LocalLog.class);

    /** Told after every roll, with the log end offset at the roll (PartitionLog snapshots producer state). */
    @FunctionalInterface
    interface RollListener {
        void rolled(long logEndOffset) throws IOException;
    }

    /** Where the first batch of a write went. */
    record Written(long segmentBaseOffset, int position) {
    }

    private final Path dir;
    private final Clock clock;
    private final LogSegments segments;
    private final RollListener onRoll;
    private volatile LogSegment active;
    private volatile long logEndOffset;
    /** Every offset below this is known to be on disk (fsynced); recovery scans from the segment holding it. */
    private volatile long recoveryPoint;
    /**
     * Every offset below this has its .log bytes forced (at least the recovery point; higher after a
     * {@link #forceLog}, which leaves indexes and producer state to recovery and so does not move the recovery
     * point). Changed under the flush lock only.
     */
    private volatile long forcedOffset;
    private volatile long lastFlushMs;
    private long unflushedMessages;
    /** Serialises flushes, so the recovery point only moves after the force that covers it returned. */
    private final ReentrantLock flushLock = new ReentrantLock();

    LocalLog(Path dir, Clock clock, LogSegments segments, long logEndOffset, long recoveryPoint, RollListener onRoll) {
        this.dir = dir;
        this.clock = clock;
        this.segments = segments;
        this.onRoll = onRoll;
        this.active = segments.last();
        this.logEndOffset = logEndOffset;
        this.recoveryPoint = recoveryPoint;
        this.forcedOffset = recoveryPoint;
        this.lastFlushMs = clock.millis();
    }

    LogSegments segments() {
        return segments;
    }

    LogSegment active() {
        return active;
    }

    long logEndOffset() {
        return logEndOffset;
    }

    /** Writer: sets the end ({@link LogBounds} lowers it under its high-watermark lock when truncating). */
    void setLogEndOffset(long end) {
        logEndOffset = end;
    }

    long recoveryPoint() {
        return recoveryPoint;
    }

    /** Offsets below this are on disk (their .log bytes at least): never below the recovery point. */
    long durableOffset() {
        return Math.max(forcedOffset, recoveryPoint);
    }

    long lastFlushMs() {
        return lastFlushMs;
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writer: the segment the next write of {@code size} bytes ({@code batchCount} batches, ending at
     * {@code lastOffset}) goes to, after rolling to a new segment based at {@code nextBase} if the active one is
     * too big, too old ({@code segment.ms}), out of index room, or would overflow its relative offsets.
     */
    LogSegment maybeRoll(int size, int batchCount, long lastOffset, LogConfig cfg, long nextBase) throws IOException {
        LogSegment seg = active;
        if (seg.sizeInBytes() == 0) {
            if (lastOffset - seg.baseOffset() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("append spans more than 2^31 offsets");
            }
            return seg;
        }
        String reason = null;
        if ((long) seg.sizeInBytes() + size > cfg.segmentBytes()) reason = "size";
        else if (clock.millis() - seg.rollingBaseTimeMs() > cfg.segmentMs()) reason = "time";
        else if (!seg.indexesHaveRoomFor(batchCount)) reason = "index full";
        else if (lastOffset - seg.baseOffset() > Integer.MAX_VALUE) reason = "offset overflow";
        if (reason == null) return seg;
        log.debug("Rolling {} at offset {} ({})", dir, nextBase, reason);
        return roll(cfg, nextBase);
    }

    /** Writer: starts a new active segment based at {@code baseOffset} (at or above the log end). */
    LogSegment roll(LogConfig cfg, long baseOffset) throws IOException {
        LogSegment old = active;
        LogSegment next = LogSegment.create(dir, baseOffset, cfg, clock.millis());
        segments.add(next);
        active = next;
        old.onRolled();
        onRoll.rolled(logEndOffset);
        return next;
    }

    /** Writer: writes offset-assigned batches to {@code seg} (the active segment) and publishes the new end. */
    int write(LogSegment seg, ByteBuffer batches, long lastOffset, LogConfig cfg, long nowMs) throws IOException {
        int position = seg.append(batches, lastOffset, cfg.indexIntervalBytes(), nowMs);
        logEndOffset = lastOffset + 1;
        return position;
    }

    /**
     * Writer: writes validated, offset-assigned batches (a follower's fetch) in runs that each fit the active
     * segment, rolling before a run when needed, so a fetch larger than {@code segment.bytes} is fine as long as
     * each batch fits. {@code onRun} sees each run once it is written (before a later roll snapshots state).
     *
     * @throws RecordBatchTooLargeException if one batch is larger than {@code segment.bytes}
     */
    Written writeRuns(ByteBuffer batches, LogConfig cfg, long nowMs, Consumer<ByteBuffer> onRun) throws IOException {
        int limit = batches.limit();
        Written first = null;
        int runStart = batches.position();
        while (runStart < limit) {
            LogSegment seg = segmentFor(batches, runStart, cfg);
            int runEnd = runStart;
            int runBatches = 0;
            long runLast = -1;
            while (runEnd < limit) {
                int batchSize = RecordBatch.sizeInBytes(batches, runEnd);
                long last = RecordBatch.lastOffset(batches, runEnd);
                boolean fits = runBatches == 0
                        || ((long) seg.sizeInBytes() + (runEnd - runStart) + batchSize <= cfg.segmentBytes()
                        && seg.indexesHaveRoomFor(runBatches + 1) && last - seg.baseOffset() <= Integer.MAX_VALUE);
                if (!fits) break;
                runLast = last;
                runBatches++;
                runEnd += batchSize;
            }
            ByteBuffer run = batches.duplicate();
            run.limit(runEnd).position(runStart);
            int position = write(seg, run, runLast, cfg, nowMs);
            onRun.accept(run);
            if (first == null) first = new Written(seg.baseOffset(), position);
            runStart = runEnd;
        }
        return first;
    }

    /** The segment a follower run starting with the batch at {@code p} goes to, rolling (at its base) if needed. */
    private LogSegment segmentFor(ByteBuffer batches, int p, LogConfig cfg) throws IOException {
        int batchSize = RecordBatch.sizeInBytes(batches, p);
        long base = RecordBatch.baseOffset(batches, p);
        if (batchSize > cfg.segmentBytes()) {
            throw new RecordBatchTooLargeException("batch of " + batchSize + " bytes at offset " + base
                    + " exceeds segment.bytes " + cfg.segmentBytes());
        }
        LogSegment seg = active;
        if (seg.sizeInBytes() == 0 && RecordBatch.lastOffset(batches, p) - seg.baseOffset() > Integer.MAX_VALUE) {
            // An empty active segment 2^31 offsets below the leader's next batch (a compacted gap): start over there.
            segments.delete(seg, true, clock.millis());
            LogSegment next = LogSegment.create(dir, base, cfg, clock.millis());
            segments.add(next);
            active = next;
            return next;
        }
        return maybeRoll(batchSize, 1, RecordBatch.lastOffset(batches, p), cfg, base);
    }

    /** Writer: counts toward {@code flush.messages} and flushes when it is reached. */
    void countAppended(long records, LogConfig cfg) throws IOException {
        unflushedMessages += records;
        if (unflushedMessages >= cfg.flushMessages()) flushAll();
    }

    // ---------------------------------------------------------------- reading

    /**
     * Whole batches from the first segment that has any, starting with the batch holding {@code startOffset}, none
     * ending at or after {@code limit}; null if no segment has one.
     */
    LogSegment.Slice read(long startOffset, int maxBytes, long limit, boolean minOneMessage) throws IOException {
        LogSegment floor = segments.floor(startOffset);
        if (floor == null) return null;
        for (LogSegment s : segments.from(floor.baseOffset())) {
            if (s.baseOffset() >= limit) break;
            LogSegment.Slice slice = s.read(startOffset, maxBytes, limit, minOneMessage);
            if (slice != null) return slice;
        }
        return null;
    }

    /** The first batch (by offset, below {@code end}) whose max timestamp is {@code >= timestamp}, or null. */
    TimestampAndOffset findByTimestamp(long timestamp, long end) throws IOException {
        for (LogSegment s : segments.all()) {
            if (s.baseOffset() >= end) break;
            if (s.maxTimestamp() < timestamp) continue;
            TimestampAndOffset found = s.findByTimestamp(timestamp, end);
            if (found != null) return found;
        }
        return null;
    }

    // ---------------------------------------------------------------- truncation, retention, replacement (writer)

    /**
     * Cuts the segments at {@code offset} (see {@link LogSegments#truncateTo}); the holding segment becomes active
     * and the recovery point is clamped. The caller publishes the returned end.
     */
    long truncateTo(long offset, LogConfig cfg, Consumer<String> hook) throws IOException {
        segments.closeRetired(clock.millis(), false);
        long newEnd = segments.truncateTo(offset, cfg, clock.millis(), hook);
        active = segments.last();
        clampRecoveryPoint(newEnd);
        return newEnd;
    }

    /** Leaves one empty segment at {@code newOffset} (see {@link LogSegments#truncateFully}); the caller publishes. */
    void truncateFully(long newOffset, LogConfig cfg, Consumer<String> hook) throws IOException {
        segments.closeRetired(clock.millis(), false);
        active = segments.truncateFully(newOffset, cfg, clock.millis(), hook);
        flushLock.lock();
        try {
            recoveryPoint = newOffset;
            forcedOffset = newOffset;
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * Lowers the recovery point to {@code end} under the flush lock: a flush running concurrently (it takes no
     * partition lock) read the log end before the truncation and would otherwise set the point above the new end.
     */
    private void clampRecoveryPoint(long end) {
        flushLock.lock();
        try {
            if (recoveryPoint > end) recoveryPoint = end;
            if (forcedOffset > end) forcedOffset = end;
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * Deletes whole segments from the oldest while {@code deletable} holds and each ends at or below
     * {@code upperBoundOffset}, rolling first if the (non-empty) active segment is among them.
     *
     * @return how many were deleted
     */
    int deleteOldest(PartitionLog.SegmentPredicate deletable, long upperBoundOffset, LogConfig cfg)
            throws IOException {
        long now = clock.millis();
        segments.closeRetired(now, false);
        List<LogSegment> doomed = new ArrayList<>();
        for (LogSegment s : segments.all()) {
            long end = segments.endOf(s.baseOffset(), logEndOffset);
            if (s == segments.last() && s.sizeInBytes() == 0) break;
            if (end > upperBoundOffset || !deletable.test(s, end)) break;
            doomed.add(s);
        }
        if (doomed.isEmpty()) return 0;
        if (doomed.get(doomed.size() - 1) == active) roll(cfg, logEndOffset);
        for (LogSegment s : doomed) segments.delete(s, false, now); // oldest first: a crash leaves a suffix
        return doomed.size();
    }

    /** See {@link PartitionLog#replaceSegments}; false (and {@code cleaned} deleted) if the segments changed. */
    boolean replaceSegments(List<LogSegment> old, Path cleaned, LogConfig cfg, Consumer<String> hook)
            throws IOException {
        long base = old.get(0).baseOffset();
        boolean current = true;
        for (LogSegment s : old) current &= segments.get(s.baseOffset()) == s && s != active;
        LogSegment after = segments.after(old.get(old.size() - 1).baseOffset());
        if (current && after != null) {
            for (LogSegment s : segments.range(base, after.baseOffset())) current &= old.contains(s);
        }
        if (!current || after == null || !cleaned.equals(SegmentSwap.cleanedFile(dir, base, after.baseOffset()))) {
            Files.deleteIfExists(cleaned);
            return false;
        }
        segments.add(SegmentSwap.install(dir, base, old, cleaned, cfg, clock.millis(), hook));
        for (LogSegment s : old) {
            if (s.baseOffset() != base) segments.remove(s.baseOffset());
        }
        return true;
    }

    // ---------------------------------------------------------------- flushing and closing

    /** Flushes everything written so far and advances the recovery point to the log end seen before the force. */
    /** Told how long each flush took (nanoseconds, the fsyncs only, not the wait for the flush lock). */
    volatile java.util.function.LongConsumer flushObserver = nanos -> { };

    void flushAll() throws IOException {
        flushLock.lock();
        try {
            long end = logEndOffset; // everything below was written before this read
            long t0 = System.nanoTime();
            segments.flushDirty(Long.MAX_VALUE);
            flushObserver.accept(System.nanoTime() - t0);
            if (end > recoveryPoint) recoveryPoint = end;
            if (end > forcedOffset) forcedOffset = end;
            unflushedMessages = 0;
            lastFlushMs = clock.millis();
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * Group commit: forces the .log bytes written since the last force, in the segment holding the forced offset
     * and every later one, and returns the log end read before the force (every offset below it is then on disk).
     * Indexes and producer state are not forced and the recovery point does not move: after a crash recovery scans
     * from the recovery point and rebuilds them from the .log. Serialised with flushes and truncations by the
     * flush lock, so a truncation cannot leave the forced offset above the new end.
     */
    long forceLog() throws IOException {
        flushLock.lock();
        try {
            long end = logEndOffset; // everything below was written before this read
            if (end <= durableOffset()) return durableOffset();
            long t0 = System.nanoTime();
            segments.forceLogsFrom(durableOffset());
            flushObserver.accept(System.nanoTime() - t0);
            forcedOffset = end;
            return end;
        } finally {
            flushLock.unlock();
        }
    }

    /** Flushes segments rolled since the last flush and moves the recovery point to the active segment's base. */
    boolean flushRolledSegments() throws IOException {
        flushLock.lock();
        try {
            long activeBase = active.baseOffset();
            if (recoveryPoint >= activeBase) return false;
            long t0 = System.nanoTime();
            segments.flushDirty(activeBase);
            flushObserver.accept(System.nanoTime() - t0);
            if (activeBase > recoveryPoint) recoveryPoint = activeBase;
            return true;
        } finally {
            flushLock.unlock();
        }
    }

    /** Writer: closes every file (flushed and trimmed first); afterwards the recovery point is the log end. */
    IOException close() {
        IOException failure = segments.closeAll(clock.millis());
        if (failure == null) {
            recoveryPoint = logEndOffset;
            forcedOffset = logEndOffset;
        }
        return failure;
    }
}
