package io.fjord.storage;

import io.fjord.protocol.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One segment of a partition log: a .log file of record batches plus its sparse {@link OffsetIndex} and
 * {@link TimeIndex} and its {@link TransactionIndex} (aborted transactions whose marker is here; the file exists only
 * once there is one), all named after the segment's base offset, zero-padded to 20 digits.
 *
 * <p>File {@code <base>.log}: magic-2 record batches back to back, exactly as produced (layout in
 * {@link RecordBatch}), with broker-assigned base offsets; no header, no padding. Offsets increase strictly from batch
 * to batch; every offset in the segment is {@code >= base} and {@code < base + 2^31}.
 *
 * <p>Threading: all mutators ({@code append}, {@code recover}, {@code onRolled}, {@code close}, ...) are called by the
 * owning {@link PartitionLog} while holding its append lock. Readers ({@code read}, {@code findByTimestamp},
 * accessors) run without locks concurrently with an append: the writer writes batch bytes first and then publishes
 * the new {@link #sizeInBytes()} through a volatile field, and only then adds index entries, so a reader bounded by
 * the size it read sees whole batches only, and every index entry it sees points below that size.
 */
public final class LogSegment {
    private static final Logger log = LoggerFactory.getLogger(LogSegment.class);
    public static final String LOG_SUFFIX = ".log";
    public static final String INDEX_SUFFIX = ".index";
    public static final String TIME_INDEX_SUFFIX = ".timeindex";
    private static final int MIN_BATCH_LENGTH = RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD;

    private final long baseOffset;
    private final Path logFile;
    private final FileChannel channel;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final TransactionIndex txnIndex;

    /** Published end of the fully written batches. */
    private volatile int size;
    /** Last offset + 1 of the last batch, or the base offset when empty. */
    private volatile long nextOffset;
    /** Largest batch max-timestamp in the segment, -1 if none. */
    private volatile long maxTimestampSoFar = -1;
    private volatile boolean dirty;
    /** The .log has bytes not yet forced (by {@link #flush} or {@link #forceLog}); indexes are not tracked here. */
    private volatile boolean logUnforced;
    private long truncatedOnLoad;

    // Writer-only state.
    private long offsetOfMaxTimestampSoFar;
    private int bytesSinceLastIndexEntry;
    /** Time segment.ms counts from: the first append (or creation), or on load the first batch's timestamp. */
    private long rollingBaseTimeMs;

    private LogSegment(Path dir, long baseOffset, LogConfig config, boolean active, long nowMs) throws IOException {
        this.baseOffset = baseOffset;
        this.logFile = dir.resolve(fileName(baseOffset, LOG_SUFFIX));
        this.channel = FileChannel.open(logFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            this.offsetIndex = new OffsetIndex(dir.resolve(fileName(baseOffset, INDEX_SUFFIX)), baseOffset,
                    config.segmentIndexBytes(), active);
            this.timeIndex = new TimeIndex(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX)), baseOffset,
                    config.segmentIndexBytes(), active);
            this.txnIndex = TransactionIndex.open(dir, baseOffset);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        this.size = (int) Math.min(channel.size(), Integer.MAX_VALUE);
        this.nextOffset = baseOffset;
        this.offsetOfMaxTimestampSoFar = baseOffset;
        this.rollingBaseTimeMs = nowMs;
    }

    public static String fileName(long baseOffset, String suffix) {
        return String.format("%020d%s", baseOffset, suffix);
    }

    /** Creates a new, empty active segment (replacing any leftover files of the same name). */
    static LogSegment create(Path dir, long baseOffset, LogConfig config, long nowMs) throws IOException {
        Files.deleteIfExists(dir.resolve(fileName(baseOffset, LOG_SUFFIX)));
        Files.deleteIfExists(dir.resolve(fileName(baseOffset, INDEX_SUFFIX)));
        Files.deleteIfExists(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX)));
        Files.deleteIfExists(TransactionIndex.fileFor(dir, baseOffset));
        return new LogSegment(dir, baseOffset, config, true, nowMs);
    }

    /**
     * Opens an existing segment. When {@code recover} is set the whole .log is validated (CRC included), cut at the
     * first bad batch and both indexes rebuilt. Otherwise the indexes are checked (fully if {@code paranoid}) and
     * rebuilt if missing or stale, and the tail after the last index entry is walked to restore the end state.
     */
    static LogSegment load(Path dir, long baseOffset, LogConfig config, boolean active, boolean recover,
                           boolean paranoid, long nowMs) throws IOException {
        boolean indexesExist = Files.exists(dir.resolve(fileName(baseOffset, INDEX_SUFFIX)))
                && Files.exists(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX)));
        LogSegment s = new LogSegment(dir, baseOffset, config, active, nowMs);
        try {
            if (recover || !indexesExist) {
                if (!indexesExist) log.info("Rebuilding missing index of {}", s.logFile);
                s.truncatedOnLoad = s.recover(config, recover || paranoid);
            } else if (!s.offsetIndex.isSane(s.size, paranoid) || !s.walkTail(config.indexIntervalBytes())
                    || !s.timeIndex.isSane(s.nextOffset, paranoid)) {
                log.warn("Index of {} is stale or corrupt, rebuilding", s.logFile);
                s.truncatedOnLoad = s.recover(config, true);
            }
            s.loadRollingBaseTime(nowMs);
            if (!active) s.trimIndexes();
            return s;
        } catch (IOException | RuntimeException e) {
            s.closeQuietly();
            throw e;
        }
    }

    public long baseOffset() {
        return baseOffset;
    }

    public int sizeInBytes() {
        return size;
    }

    /** Last offset + 1, or the base offset when empty. */
    public long nextOffset() {
        return nextOffset;
    }

    public long maxTimestamp() {
        return maxTimestampSoFar;
    }

    public OffsetIndex offsetIndex() {
        return offsetIndex;
    }

    public TimeIndex timeIndex() {
        return timeIndex;
    }

    /** Aborted transactions whose ABORT marker is in this segment. */
    public TransactionIndex txnIndex() {
        return txnIndex;
    }

    public Path logFile() {
        return logFile;
    }

    /** Bytes cut from the .log by recovery when the segment was loaded. */
    long truncatedOnLoad() {
        return truncatedOnLoad;
    }

    FileChannel channel() {
        return channel;
    }

    long rollingBaseTimeMs() {
        return rollingBaseTimeMs;
    }

    /** Writer: whether indexes can take {@code batches} more entries. */
    boolean indexesHaveRoomFor(int batches) {
        return offsetIndex.entries() + (long) batches <= offsetIndex.maxEntries()
                && timeIndex.entries() + (long) batches <= timeIndex.maxEntries();
    }

    /**
     * Writer: appends batches whose offsets are already assigned (buffer from position to limit). Writes the bytes,
     * publishes the size, then adds sparse index entries. The buffer's position is left unchanged.
     *
     * @return the file position the first batch was written at
     */
    int append(ByteBuffer batches, long lastOffset, int indexIntervalBytes, long nowMs) throws IOException {
        int start = size;
        if (start == 0) rollingBaseTimeMs = nowMs;
        ByteBuffer src = batches.duplicate();
        long pos = start;
        try {
            while (src.hasRemaining()) pos += channel.write(src, pos);
        } catch (IOException e) {
            try {
                channel.truncate(start);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        dirty = true;
        logUnforced = true;
        size = (int) pos;
        int p = batches.position();
        int filePos = start;
        while (p < batches.limit()) {
            int batchSize = RecordBatch.sizeInBytes(batches, p);
            onBatch(RecordBatch.lastOffset(batches, p), RecordBatch.maxTimestamp(batches, p), filePos, batchSize,
                    indexIntervalBytes);
            p += batchSize;
            filePos += batchSize;
        }
        nextOffset = lastOffset + 1;
        return start;
    }

    /** Writer: index bookkeeping for one batch at {@code filePos}, shared by append and rebuild. */
    private void onBatch(long lastOffset, long maxTimestamp, int filePos, int batchSize, int indexIntervalBytes) {
        if (maxTimestamp > maxTimestampSoFar) {
            maxTimestampSoFar = maxTimestamp;
            offsetOfMaxTimestampSoFar = lastOffset;
        }
        if (bytesSinceLastIndexEntry > indexIntervalBytes) {
            offsetIndex.append(lastOffset, filePos);
            timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar);
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += batchSize;
    }

    /** Reads the header of the batch at {@code pos} into {@code hdr}; false if fewer than a header's bytes remain. */
    private boolean readHeader(long pos, int end, ByteBuffer hdr) throws IOException {
        if (end - pos < RecordBatch.HEADER_SIZE) return false;
        hdr.clear();
        while (hdr.hasRemaining()) {
            int n = channel.read(hdr, pos + hdr.position());
            if (n < 0) return false;
        }
        hdr.flip();
        return true;
    }

    /** Visits one batch header; {@code header} holds the batch's first {@link RecordBatch#HEADER_SIZE} bytes. */
    @FunctionalInterface
    interface HeaderVisitor {
        /** @return false to stop the walk */
        boolean visit(ByteBuffer header, int position) throws IOException;
    }

    /**
     * Reader: walks the batch headers of the published part of the file from {@code fromPosition} (a batch start),
     * in file order, until the visitor says stop.
     */
    void forEachBatchHeader(int fromPosition, HeaderVisitor visitor) throws IOException {
        int end = size;
        ByteBuffer hdr = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        long pos = fromPosition;
        while (readHeader(pos, end, hdr)) {
            if (!visitor.visit(hdr, (int) pos)) return;
            pos += RecordBatch.sizeInBytes(hdr, 0);
        }
    }

    /** Result of a segment read: the slice and the base offset of its first batch (-1 if empty). */
    record Slice(FileRecordsSlice records, long firstOffset) {
    }

    /**
     * Reader: whole batches starting with the one holding {@code startOffset}, up to {@code maxSize} bytes (the
     * first batch whole regardless if {@code minOneMessage}) and excluding any batch whose last offset is
     * {@code >= maxOffset}. Returns null if no batch of this segment ends at or after {@code startOffset}.
     */
    Slice read(long startOffset, int maxSize, long maxOffset, boolean minOneMessage) throws IOException {
        int end = size;
        ByteBuffer hdr = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        long pos = offsetIndex.lookup(startOffset).position();
        long firstOffset = -1;
        // Find the batch holding startOffset.
        while (true) {
            if (!readHeader(pos, end, hdr)) return null;
            if (RecordBatch.lastOffset(hdr, 0) >= startOffset) {
                firstOffset = RecordBatch.baseOffset(hdr, 0);
                break;
            }
            pos += RecordBatch.sizeInBytes(hdr, 0);
        }
        long startPos = pos;
        long total = 0;
        // Jump over the whole batches that the offset index shows to be inside both bounds instead of reading each
        // header: a 1 MiB fetch of small batches would otherwise cost one positional read per batch.
        OffsetIndex.Entry jump = offsetIndex.lastEntryWithin(startPos, startPos + maxSize, maxOffset, end);
        if (jump != null) {
            pos = jump.position();
            total = pos - startPos;
            if (!readHeader(pos, end, hdr)) return new Slice(new FileRecordsSlice(channel, startPos, (int) total), firstOffset);
        }
        while (true) {
            if (RecordBatch.lastOffset(hdr, 0) >= maxOffset) break;
            int batchSize = RecordBatch.sizeInBytes(hdr, 0);
            if (total + batchSize > maxSize) {
                if (total == 0 && minOneMessage) total = batchSize;
                break;
            }
            total += batchSize;
            pos += batchSize;
            if (!readHeader(pos, end, hdr)) break;
        }
        if (total == 0) return new Slice(FileRecordsSlice.empty(), -1);
        return new Slice(new FileRecordsSlice(channel, startPos, (int) total), firstOffset);
    }

    /**
     * Reader: the first batch whose max timestamp is {@code >= timestamp} and whose last offset is below
     * {@code maxOffset}, or null.
     */
    TimestampAndOffset findByTimestamp(long timestamp, long maxOffset) throws IOException {
        if (maxTimestampSoFar < timestamp) return null;
        int end = size;
        TimeIndex.Entry te = timeIndex.lookupBefore(timestamp);
        long startOffset = te == null ? baseOffset : te.offset() + 1;
        long pos = offsetIndex.lookup(startOffset).position();
        ByteBuffer hdr = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        while (readHeader(pos, end, hdr)) {
            if (RecordBatch.lastOffset(hdr, 0) >= maxOffset) return null;
            long maxTs = RecordBatch.maxTimestamp(hdr, 0);
            if (maxTs >= timestamp) return new TimestampAndOffset(maxTs, RecordBatch.baseOffset(hdr, 0));
            pos += RecordBatch.sizeInBytes(hdr, 0);
        }
        return null;
    }

    /**
     * Writer: walks batch headers from the last offset-index entry to the end of the file, restoring next offset,
     * max timestamp and index-interval state. Returns false if the headers do not line up (stale index or a torn
     * tail), in which case the caller rebuilds with {@link #recover}.
     */
    private boolean walkTail(int indexIntervalBytes) throws IOException {
        OffsetIndex.Entry last = offsetIndex.lastEntry();
        TimeIndex.Entry lastTime = timeIndex.lastEntry();
        long maxTs = lastTime == null ? -1 : lastTime.timestamp();
        long maxTsOffset = lastTime == null ? baseOffset : lastTime.offset();
        int end = size;
        long pos = last.position();
        long expectedMin = baseOffset;
        long next = baseOffset;
        boolean first = true;
        ByteBuffer hdr = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        while (pos < end) {
            if (!readHeader(pos, end, hdr) || !plausibleHeader(hdr, pos, end, expectedMin)) return false;
            long lastOffset = RecordBatch.lastOffset(hdr, 0);
            // The indexed batch must be the one the entry names.
            if (first && offsetIndex.entries() > 0 && lastOffset != last.offset()) return false;
            first = false;
            long ts = RecordBatch.maxTimestamp(hdr, 0);
            if (ts > maxTs) {
                maxTs = ts;
                maxTsOffset = lastOffset;
            }
            pos += RecordBatch.sizeInBytes(hdr, 0);
            expectedMin = lastOffset + 1;
            next = lastOffset + 1;
        }
        if (offsetIndex.entries() > 0 && first) return false;
        maxTimestampSoFar = maxTs;
        offsetOfMaxTimestampSoFar = maxTsOffset;
        bytesSinceLastIndexEntry = (int) (end - last.position());
        nextOffset = next;
        return true;
    }

    private boolean plausibleHeader(ByteBuffer hdr, long pos, long end, long expectedMinOffset) {
        int length = RecordBatch.batchLength(hdr, 0);
        if (length < MIN_BATCH_LENGTH || pos + RecordBatch.LOG_OVERHEAD + length > end) return false;
        if (RecordBatch.magic(hdr, 0) != RecordBatch.MAGIC) return false;
        int delta = RecordBatch.lastOffsetDelta(hdr, 0);
        long base = RecordBatch.baseOffset(hdr, 0);
        return delta >= 0 && base >= expectedMinOffset && base + delta - baseOffset <= Integer.MAX_VALUE;
    }

    /**
     * Writer: scans the whole .log, validating each batch's framing and offsets (and CRC if {@code validateCrc}),
     * truncates the file at the first batch that fails, and rebuilds both indexes from scratch.
     *
     * @return the number of bytes truncated
     */
    long recover(LogConfig config, boolean validateCrc) throws IOException {
        offsetIndex.reset(config.segmentIndexBytes());
        timeIndex.reset(config.segmentIndexBytes());
        maxTimestampSoFar = -1;
        offsetOfMaxTimestampSoFar = baseOffset;
        bytesSinceLastIndexEntry = 0;
        long fileSize = channel.size();
        int end = (int) Math.min(fileSize, Integer.MAX_VALUE);
        ByteBuffer hdr = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        ByteBuffer batch = ByteBuffer.allocate(0);
        long pos = 0;
        long expectedMin = baseOffset;
        while (pos < end) {
            if (!readHeader(pos, end, hdr) || !plausibleHeader(hdr, pos, end, expectedMin)) break;
            int batchSize = RecordBatch.sizeInBytes(hdr, 0);
            if (validateCrc) {
                if (batch.capacity() < batchSize) batch = ByteBuffer.allocate(Math.max(batchSize, 2 * batch.capacity()));
                batch.clear().limit(batchSize);
                while (batch.hasRemaining()) {
                    if (channel.read(batch, pos + batch.position()) < 0) break;
                }
                batch.flip();
                if (!RecordBatch.isWholeAndValid(batch, 0)) break;
            }
            long lastOffset = RecordBatch.lastOffset(hdr, 0);
            onBatch(lastOffset, RecordBatch.maxTimestamp(hdr, 0), (int) pos, batchSize, config.indexIntervalBytes());
            pos += batchSize;
            expectedMin = lastOffset + 1;
        }
        long truncated = fileSize - pos;
        if (truncated > 0) {
            log.warn("Truncating {} at byte {}: {} bytes of torn or invalid data", logFile, pos, truncated);
            channel.truncate(pos);
            channel.force(true);
        }
        size = (int) pos;
        nextOffset = expectedMin;
        dirty = true;
        logUnforced = true;
        return truncated;
    }

    /**
     * Writer: removes the batch holding {@code offset} (the first batch ending at or after it) and every batch
     * after it. The smaller size is published first (readers stop there), then the .log file is cut, then the index
     * entries pointing into the removed part are dropped; a crash in between leaves index entries beyond the file
     * end, which the next load's sanity check finds and rebuilds. The end state (next offset, max timestamp) is
     * restored by walking the headers after the last kept index entry.
     *
     * @return the segment's next offset afterwards (the cut batch's base offset, or the base offset when emptied)
     */
    long truncateTo(long offset, LogConfig config) throws IOException {
        int end = size;
        ByteBuffer hdr = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        long pos = offsetIndex.lookup(offset).position();
        long cut = -1;
        long cutBase = -1;
        while (readHeader(pos, end, hdr)) {
            if (RecordBatch.lastOffset(hdr, 0) >= offset) {
                cut = pos;
                cutBase = RecordBatch.baseOffset(hdr, 0);
                break;
            }
            pos += RecordBatch.sizeInBytes(hdr, 0);
        }
        if (cut < 0) return nextOffset;
        size = (int) cut;
        nextOffset = Math.max(baseOffset, Math.min(nextOffset, cutBase));
        channel.truncate(cut);
        dirty = true;
        logUnforced = true;
        offsetIndex.truncateFrom(cutBase);
        timeIndex.truncateFrom(cutBase);
        txnIndex.truncateFrom(cutBase);
        if (!walkTail(config.indexIntervalBytes())) {
            log.warn("Indexes of {} disagree with its batches after truncation; rebuilding", logFile);
            recover(config, false);
        }
        return nextOffset;
    }

    private void loadRollingBaseTime(long nowMs) throws IOException {
        ByteBuffer hdr = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        if (readHeader(0, size, hdr)) {
            long ts = RecordBatch.maxTimestamp(hdr, 0);
            if (ts >= 0 && ts <= nowMs) rollingBaseTimeMs = ts;
        }
    }

    /** Writer: the segment stops being active; cut the preallocated indexes to size. */
    void onRolled() throws IOException {
        trimIndexes();
    }

    /** Writer: the segment becomes active again (after later segments were removed). */
    void makeActive(LogConfig config) throws IOException {
        offsetIndex.preallocate(config.segmentIndexBytes());
        timeIndex.preallocate(config.segmentIndexBytes());
    }

    private void trimIndexes() throws IOException {
        offsetIndex.trim();
        timeIndex.trim();
    }

    boolean isDirty() {
        return dirty;
    }

    /** Forces the .log and index files to disk. Safe to call concurrently with appends. */
    void flush() throws IOException {
        dirty = false;
        logUnforced = false;
        channel.force(false);
        offsetIndex.flush();
        timeIndex.flush();
        txnIndex.flush();
    }

    /**
     * Forces only the .log file, if it was written since its last force (group commit). The indexes stay dirty for
     * the next {@link #flush}: they are derived from the .log and rebuilt by recovery above the recovery point.
     * Safe to call concurrently with appends (bytes written meanwhile may or may not be included; the flag is
     * cleared before the force, so they are forced by the next call at the latest).
     */
    void forceLog() throws IOException {
        if (!logUnforced) return;
        logUnforced = false;
        channel.force(false);
    }

    /** Writer: flushes, trims the indexes and closes the channel; in-flight slices fail afterwards. */
    void close() throws IOException {
        if (!channel.isOpen()) return;
        try {
            flush();
            offsetIndex.close();
            timeIndex.close();
        } finally {
            channel.close();
        }
    }

    void closeQuietly() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** Deletes the files without closing the channel, so that slices being sent stay readable. */
    void deleteFiles() throws IOException {
        deleteFilesKeepingTxnIndex();
        txnIndex.deleteFile();
    }

    /** As {@link #deleteFiles}, leaving the .txnindex (a segment swap merged the replaced ones into it). */
    void deleteFilesKeepingTxnIndex() throws IOException {
        Files.deleteIfExists(logFile);
        offsetIndex.deleteFile();
        timeIndex.deleteFile();
    }

    @Override
    public String toString() {
        return "LogSegment(base=" + baseOffset + ", size=" + size + ", next=" + nextOffset + ")";
    }
}
