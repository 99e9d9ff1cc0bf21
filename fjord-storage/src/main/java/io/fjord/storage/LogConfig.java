package io.fjord.storage;

/**
 * Per-partition log settings, named after the Kafka topic/broker keys they mirror. Immutable.
 *
 * @param segmentBytes       {@code segment.bytes}: a segment's .log file is rolled before it would grow past this
 * @param segmentMs          {@code segment.ms} ({@code log.roll.ms}): a non-empty segment older than this is rolled
 * @param indexIntervalBytes {@code index.interval.bytes}: bytes of batches between two sparse index entries
 * @param segmentIndexBytes  {@code segment.index.bytes}: size the .index/.timeindex files are preallocated to
 * @param flushMessages      {@code flush.messages}: fsync after this many appended records ({@link Long#MAX_VALUE}
 *                           leaves flushing to the OS and to explicit {@link PartitionLog#flush()} calls)
 * @param flushMs            {@code flush.ms}: the background flusher fsyncs a log whose last flush is older than
 *                           this ({@link Long#MAX_VALUE}: never)
 * @param retentionMs        {@code retention.ms}: segments whose newest record is older than this are deleted
 *                           (-1: no time limit)
 * @param retentionBytes     {@code retention.bytes}: oldest segments are deleted while the partition is larger than
 *                           this (-1: no size limit)
 * @param compaction         the log-compaction settings ({@link Compaction#NONE} unless cleanup.policy has compact)
 */
public record LogConfig(int segmentBytes, long segmentMs, int indexIntervalBytes, int segmentIndexBytes,
                        long flushMessages, long flushMs, long retentionMs, long retentionBytes, Compaction compaction) {
    public static final int DEFAULT_SEGMENT_BYTES = 1 << 30;
    public static final long DEFAULT_SEGMENT_MS = 7L * 24 * 60 * 60 * 1000;
    public static final int DEFAULT_INDEX_INTERVAL_BYTES = 4096;
    public static final int DEFAULT_SEGMENT_INDEX_BYTES = 10 * 1024 * 1024;
    public static final long DEFAULT_FLUSH_MESSAGES = Long.MAX_VALUE;
    public static final long DEFAULT_FLUSH_MS = Long.MAX_VALUE;
    public static final long DEFAULT_RETENTION_MS = 7L * 24 * 60 * 60 * 1000;
    public static final long DEFAULT_RETENTION_BYTES = -1;

    public static final LogConfig DEFAULT = new LogConfig(DEFAULT_SEGMENT_BYTES, DEFAULT_SEGMENT_MS,
            DEFAULT_INDEX_INTERVAL_BYTES, DEFAULT_SEGMENT_INDEX_BYTES, DEFAULT_FLUSH_MESSAGES);

    /**
     * Compaction settings, read by the log cleaner ({@code io.fjord.storage.cleaner.LogCleaner}).
     *
     * @param compact                {@code cleanup.policy} contains {@code compact}
     * @param deleteRetentionMs      {@code delete.retention.ms}: how long a tombstone stays after the cleaner first
     *                               passed it
     * @param minCleanableDirtyRatio {@code min.cleanable.dirty.ratio}: dirty bytes / cleanable bytes needed to clean
     * @param minCompactionLagMs     {@code min.compaction.lag.ms}: segments holding records newer than this stay dirty
     */
    public record Compaction(boolean compact, long deleteRetentionMs, double minCleanableDirtyRatio,
                             long minCompactionLagMs) {
        public static final Compaction NONE = new Compaction(false, 86_400_000L, 0.5, 0L);

        public Compaction {
            if (deleteRetentionMs < 0) throw new IllegalArgumentException("delete.retention.ms must be >= 0");
            if (!(minCleanableDirtyRatio >= 0 && minCleanableDirtyRatio <= 1)) {
                throw new IllegalArgumentException("min.cleanable.dirty.ratio must be in [0, 1]");
            }
            if (minCompactionLagMs < 0) throw new IllegalArgumentException("min.compaction.lag.ms must be >= 0");
        }
    }

    /** A config without compaction. */
    public LogConfig {
        if (compaction == null) compaction = Compaction.NONE;
        if (segmentBytes < 1024) throw new IllegalArgumentException("segment.bytes must be >= 1024: " + segmentBytes);
        if (segmentMs < 1) throw new IllegalArgumentException("segment.ms must be >= 1: " + segmentMs);
        if (indexIntervalBytes < 0) throw new IllegalArgumentException("index.interval.bytes must be >= 0");
        if (segmentIndexBytes < 12) throw new IllegalArgumentException("segment.index.bytes must be >= 12");
        if (flushMessages < 1) throw new IllegalArgumentException("flush.messages must be >= 1");
        if (flushMs < 0) throw new IllegalArgumentException("flush.ms must be >= 0");
        if (retentionMs < -1) throw new IllegalArgumentException("retention.ms must be >= -1");
    }

    /** Settings without retention or time-based flush overrides (Kafka's defaults for those). */
    public LogConfig(int segmentBytes, long segmentMs, int indexIntervalBytes, int segmentIndexBytes, long flushMessages) {
        this(segmentBytes, segmentMs, indexIntervalBytes, segmentIndexBytes, flushMessages, DEFAULT_FLUSH_MS,
                DEFAULT_RETENTION_MS, DEFAULT_RETENTION_BYTES, Compaction.NONE);
    }

    public LogConfig(int segmentBytes, long segmentMs, int indexIntervalBytes, int segmentIndexBytes, long flushMessages,
                     Compaction compaction) {
        this(segmentBytes, segmentMs, indexIntervalBytes, segmentIndexBytes, flushMessages, DEFAULT_FLUSH_MS,
                DEFAULT_RETENTION_MS, DEFAULT_RETENTION_BYTES, compaction);
    }

    public LogConfig withSegmentBytes(int v) {
        return new LogConfig(v, segmentMs, indexIntervalBytes, segmentIndexBytes, flushMessages, flushMs, retentionMs, retentionBytes, compaction);
    }

    public LogConfig withSegmentMs(long v) {
        return new LogConfig(segmentBytes, v, indexIntervalBytes, segmentIndexBytes, flushMessages, flushMs, retentionMs, retentionBytes, compaction);
    }

    public LogConfig withIndexIntervalBytes(int v) {
        return new LogConfig(segmentBytes, segmentMs, v, segmentIndexBytes, flushMessages, flushMs, retentionMs, retentionBytes, compaction);
    }

    public LogConfig withSegmentIndexBytes(int v) {
        return new LogConfig(segmentBytes, segmentMs, indexIntervalBytes, v, flushMessages, flushMs, retentionMs, retentionBytes, compaction);
    }

    public LogConfig withFlushMessages(long v) {
        return new LogConfig(segmentBytes, segmentMs, indexIntervalBytes, segmentIndexBytes, v, flushMs, retentionMs, retentionBytes, compaction);
    }

    public LogConfig withFlushMs(long v) {
        return new LogConfig(segmentBytes, segmentMs, indexIntervalBytes, segmentIndexBytes, flushMessages, v, retentionMs, retentionBytes, compaction);
    }

    public LogConfig withRetentionMs(long v) {
        return new LogConfig(segmentBytes, segmentMs, indexIntervalBytes, segmentIndexBytes, flushMessages, flushMs, v, retentionBytes, compaction);
    }

    public LogConfig withRetentionBytes(long v) {
        return new LogConfig(segmentBytes, segmentMs, indexIntervalBytes, segmentIndexBytes, flushMessages, flushMs, retentionMs, v, compaction);
    }

    public LogConfig withCompaction(Compaction v) {
        return new LogConfig(segmentBytes, segmentMs, indexIntervalBytes, segmentIndexBytes, flushMessages, flushMs, retentionMs, retentionBytes, v);
    }
}
