package io.fjord.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Collection;
import java.util.function.ToLongFunction;

/**
 * Retention for the delete cleanup policy: which whole segments of a log may go. Three rules, applied in this
 * order, each deleting from the oldest segment and stopping at the first segment it keeps:
 * <ol>
 *   <li>{@code retention.ms}: the segment's newest record timestamp (the file's modification time when it has no
 *       timestamps) is older than {@code now - retention.ms};</li>
 *   <li>{@code retention.bytes}: the log is larger than {@code retention.bytes} by at least the segment's size;</li>
 *   <li>log start: the segment ends at or below the log start offset (raised by DeleteRecords).</li>
 * </ol>
 * Never beyond the upper bound (the high watermark). The active segment counts like the others: when it must go,
 * {@link PartitionLog#deleteOldSegments} rolls a new empty one first, so the log start offset jumps to the log end
 * (Kafka's behaviour). Stateless; the broker calls {@link #run} every {@code log.retention.check.interval.ms}.
 */
public final class LogRetention {
    private LogRetention() {
    }

    /** Applies retention to every log; returns the number of segments deleted. */
    public static int run(Collection<PartitionLog> logs, long nowMs, ToLongFunction<PartitionLog> upperBound) {
        int deleted = 0;
        for (PartitionLog l : logs) {
            try {
                deleted += apply(l, nowMs, upperBound.applyAsLong(l));
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(LogRetention.class).warn("Retention of {} failed", l, e);
            }
        }
        return deleted;
    }

    /** Applies the three rules to one log (an extension point: compacted logs would skip the first two). */
    public static int apply(PartitionLog log, long nowMs, long upperBoundOffset) {
        LogConfig cfg = log.config();
        int deleted = 0;
        if (cfg.retentionMs() >= 0) {
            long limit = nowMs - cfg.retentionMs();
            deleted += log.deleteOldSegments((s, end) -> largestTimestamp(s) < limit, upperBoundOffset,
                    "retention.ms " + cfg.retentionMs());
        }
        if (cfg.retentionBytes() >= 0) {
            long[] excess = {log.sizeInBytes() - cfg.retentionBytes()};
            deleted += log.deleteOldSegments((s, end) -> {
                if (excess[0] - s.sizeInBytes() < 0) return false;
                excess[0] -= s.sizeInBytes();
                return true;
            }, upperBoundOffset, "retention.bytes " + cfg.retentionBytes());
        }
        long start = log.logStartOffset();
        deleted += log.deleteOldSegments((s, end) -> end <= start, upperBoundOffset, "below log start offset " + start);
        return deleted;
    }

    static long largestTimestamp(LogSegment s) {
        long ts = s.maxTimestamp();
        if (ts >= 0) return ts;
        try {
            return Files.getLastModifiedTime(s.logFile()).toMillis();
        } catch (IOException e) {
            return Long.MAX_VALUE; // cannot tell: keep it
        }
    }
}
