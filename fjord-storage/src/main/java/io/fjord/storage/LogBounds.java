package io.fjord.storage;

/**
 * The lower bounds of one partition log that {@link LocalLog} does not keep: the log start offset (at or above the
 * first segment's base; DeleteRecords and retention raise it) and the high watermark (set by the broker, only
 * clamped here to {@code [logStartOffset, logEndOffset]}). Both are kept consistent with the log end, which
 * {@link LocalLog} owns and which a truncation lowers through {@link #lowerLogEnd}.
 *
 * <p>Threading: both values are volatile and read without a lock. {@link #updateHighWatermark} may run on any
 * thread; every other mutator runs under the owning {@link PartitionLog}'s append lock. A private monitor makes a
 * high-watermark update atomic with a truncation's lowering of the log end, so an update that read the old end
 * cannot set the high watermark above the new one.
 */
final class LogBounds {
    private final LocalLog local;
    private volatile long logStartOffset;
    private volatile long highWatermark;
    /** Makes a high-watermark update and a truncation's lowering of the log end atomic with each other. */
    private final Object hwLock = new Object();

    LogBounds(LocalLog local, long logStartOffset, long highWatermark) {
        this.local = local;
        this.logStartOffset = logStartOffset;
        this.highWatermark = highWatermark;
    }

    long logStartOffset() {
        return logStartOffset;
    }

    long highWatermark() {
        return highWatermark;
    }

    /** Sets the high watermark, clamped to {@code [logStartOffset, logEndOffset]}. Any thread. */
    void updateHighWatermark(long hw) {
        synchronized (hwLock) {
            highWatermark = Math.max(logStartOffset, Math.min(hw, local.logEndOffset()));
        }
    }

    /** Lowers the log end and clamps the high watermark to it, atomically for {@link #updateHighWatermark}. */
    void lowerLogEnd(long end) {
        synchronized (hwLock) {
            local.setLogEndOffset(end);
            if (highWatermark > end) highWatermark = end;
        }
    }

    /** Under the append lock, after a truncation to {@code end}: the log start may not lie beyond the end. */
    void clampLogStartTo(long end) {
        if (logStartOffset > end) logStartOffset = end;
    }

    /** Under the append lock: the log now starts at {@code newStart}; the high watermark is raised to it if below. */
    void moveLogStart(long newStart) {
        synchronized (hwLock) {
            logStartOffset = newStart;
            if (highWatermark < newStart) highWatermark = newStart;
        }
    }

    /** Under the append lock, after a full truncation: log start = log end = high watermark = {@code offset}. */
    void resetTo(long offset) {
        synchronized (hwLock) {
            logStartOffset = offset;
            local.setLogEndOffset(offset);
            highWatermark = offset;
        }
    }
}
