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
 */
public record LogConfig(int segmentBytes, long segmentMs, int indexIntervalBytes, int segmentIndexBytes,
                        long flushMessages, long flushMs, long retentionMs, long retentionBytes) {
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

    public LogConfig {
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
                DEFAULT_RETENTION_MS, DEFAULT_RETENTION_BYTES);
    }

    public LogConfig withSegmentBytes(int v) {
        return new LogConfig(v, segmentMs, indexIntervalBytes, segmentIndexBytes, flushMessages, flushMs, retentionMs, retentionBytes);
    }

    public LogConfig withSegmentMs(long v) {
        return new LogConfig(segmentBytes, v, indexIntervalBytes, segmentIndexBytes, flushMessages, flushMs, retentionMs, retentionBytes);
    }

    public LogConfig withIndexIntervalBytes(int v) {
        return new LogConfig(segmentBytes, segmentMs, v, segmentIndexBytes, flushMessages, flushMs, retentionMs, retentionBytes);
    }

    public LogConfig withSegmentIndexBytes(int v) {
        return new LogConfig(segmentBytes, segmentMs, indexIntervalBytes, v, flushMessages, flushMs, retentionMs, retentionBytes);
    }

    public LogConfig withFlushMessages(long v) {
        return new LogConfig(segmentBytes, segmentMs, indexIntervalBytes, segmentIndexBytes, v, flushMs, retentionMs, retentionBytes);
    }

    public LogConfig withFlushMs(long v) {
        return new LogConfig(segmentBytes, segmentMs, indexIntervalBytes, segmentIndexBytes, flushMessages, v, retentionMs, retentionBytes);
    }

    public LogConfig withRetentionMs(long v) {
        return new LogConfig(segmentBytes, segmentMs, indexIntervalBytes, segmentIndexBytes, flushMessages, flushMs, v, retentionBytes);
    }

    public LogConfig withRetentionBytes(long v) {
        return new LogConfig(segmentBytes, segmentMs, indexIntervalBytes, segmentIndexBytes, flushMessages, flushMs, retentionMs, v);
    }
}
