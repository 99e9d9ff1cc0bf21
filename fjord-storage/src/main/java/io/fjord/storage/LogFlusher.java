package io.fjord.storage;

import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Time-based flushing ({@code flush.ms} / {@code log.flush.interval.ms}): the broker calls {@link #flushDue} every
 * {@code log.flush.scheduler.interval.ms}; a log with unflushed data whose last flush is at least its
 * {@code flush.ms} ago is fsynced. The count-based rule ({@code flush.messages}) runs inside
 * {@link PartitionLog#append}. Kafka's defaults leave both off and rely on replication plus the page cache.
 */
public final class LogFlusher {
    private static final Logger log = LoggerFactory.getLogger(LogFlusher.class);

    private LogFlusher() {
    }

    /** Returns the number of logs flushed. */
    public static int flushDue(Collection<PartitionLog> logs, long nowMs) {
        int n = 0;
        for (PartitionLog l : logs) {
            long flushMs = l.config().flushMs();
            if (flushMs == Long.MAX_VALUE || l.recoveryPoint() >= l.logEndOffset()) continue;
            if (nowMs - l.lastFlushMs() < flushMs) continue;
            try {
                l.flush();
                n++;
            } catch (RuntimeException e) {
                log.error("Flush of {} failed", l, e);
            }
        }
        return n;
    }

    /** Flushes segments rolled since the last flush of every log (moves recovery points); returns how many logs. */
    public static int flushRolled(Collection<PartitionLog> logs) {
        int n = 0;
        for (PartitionLog l : logs) {
            try {
                if (l.flushRolledSegments()) n++;
            } catch (RuntimeException e) {
                log.error("Flush of {} failed", l, e);
            }
        }
        return n;
    }
}
