package io.fjord.storage;

import io.fjord.protocol.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The log of one topic partition: a directory {@code <log.dir>/<topic>-<partition>} holding segments (see
 * {@link LogSegment}, {@link OffsetIndex}, {@link TimeIndex}) and a {@code partition.metadata} text file:
 * <pre>
 * version: 0
 * topic_id: &lt;topic id, Kafka's URL-safe base64 form of the 16 UUID bytes&gt;
 * </pre>
 * Offsets run from {@link #logStartOffset()} (at or above the first segment's base offset: DeleteRecords can move it
 * into a segment) to {@link #logEndOffset()} (exclusive). {@link #recoveryPoint()} is the offset below which data is
 * known to be fsynced; {@link LogManager} checkpoints both per log dir (see {@link OffsetCheckpointFile}). Appends go to the last (active) segment, which rolls when full, old or out of index room.
 *
 * <p>Threading: {@link #append}, {@link #roll}, {@link #updateConfig}, {@link #close} and {@link #delete} are
 * serialised by one lock per partition. {@link #read}, {@link #offsetForTimestamp}, {@link #flush} and the accessors
 * take no lock and may run concurrently with an append: an append writes all bytes, then publishes the segment size
 * and finally the log end offset through volatile fields, so readers only ever see fully written batches.
 * Segments are kept in a {@link ConcurrentSkipListMap}; a reader racing a roll simply finds the new segment.
 * Channels of segments still in the log are never closed except by {@link #close()} (broker shutdown), so a
 * {@link FileRecordsSlice} stays sendable; {@link #delete()} deletes files without closing channels.
 */
public final class PartitionLog {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);
    public static final String METADATA_FILE = "partition.metadata";

    private final String topic;
    private final int partition;
    private final Path dir;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private volatile UUID topicId;
    private volatile LogConfig config;
    private volatile LogSegment active;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile boolean closed;
    private long unflushedMessages;
    private ProducerStateManager producerState;
    /** Every offset below this is known to be on disk (fsynced); recovery scans from the segment holding it. */
    private volatile long recoveryPoint;
    private volatile long lastFlushMs;
    /** Serialises flushes, so the recovery point only moves after the force that covers it returned. */
    private final ReentrantLock flushLock = new ReentrantLock();
    /** Segments removed by retention: files deleted, channels closed a while later (readers may still send them). */
    private final List<RetiredSegment> retired = new ArrayList<>();
    private static final long RETIRED_CLOSE_DELAY_MS = 60_000;

    private record RetiredSegment(LogSegment segment, long retiredAtMs) {
    }

    private PartitionLog(Path dir, String topic, int partition, UUID topicId, LogConfig config, Clock clock) {
        this.dir = dir;
        this.topic = topic;
        this.partition = partition;
        this.topicId = topicId;
        this.config = config;
        this.clock = clock;
    }

    /** Directory name of a partition: {@code <topic>-<partition>}. */
    public static String dirName(String topic, int partition) {
        return topic + "-" + partition;
    }

    /**
     * Opens (creating if needed) the partition log in {@code dir}. When {@code cleanShutdown} is false the active
     * segment is fully validated and cut at the first torn batch, and every index is checked thoroughly; otherwise
     * only missing or obviously stale indexes are rebuilt.
     *
     * @param topicId the topic id to record in partition.metadata, or null to keep/read the stored one
     */
    public static PartitionLog open(Path dir, String topic, int partition, UUID topicId, LogConfig config,
                                    Clock clock, boolean cleanShutdown) {
        return open(dir, topic, partition, topicId, config, clock, cleanShutdown, 0L, 0L);
    }

    /**
     * As {@link #open(Path, String, int, UUID, LogConfig, Clock, boolean)}, with the checkpointed recovery point
     * and log start offset. After an unclean shutdown every segment from the one holding {@code recoveryPoint}
     * onwards is scanned (0 = all of them); earlier segments were fsynced and are only sanity-checked.
     * {@code checkpointedLogStart} raises the log start offset above the first segment's base (DeleteRecords).
     */
    public static PartitionLog open(Path dir, String topic, int partition, UUID topicId, LogConfig config,
                                    Clock clock, boolean cleanShutdown, long recoveryPoint, long checkpointedLogStart) {
        PartitionLog l = new PartitionLog(dir, topic, partition, topicId, config, clock);
        try {
            Files.createDirectories(dir);
            l.loadMetadata();
            l.loadSegments(cleanShutdown, recoveryPoint);
            l.logStartOffset = Math.min(Math.max(l.logStartOffset, checkpointedLogStart), l.logEndOffset);
            l.producerState = ProducerStateManager.load(dir, l.segments(), l.logEndOffset, clock,
                    ProducerStateManager.DEFAULT_EXPIRATION_MS);
        } catch (IOException e) {
            l.closeSegmentsQuietly();
            throw new StorageException("cannot open log " + dir, e);
        } catch (RuntimeException e) {
            l.closeSegmentsQuietly();
            throw e;
        }
        return l;
    }

    // ---------------------------------------------------------------- loading

    private void loadMetadata() throws IOException {
        Path file = dir.resolve(METADATA_FILE);
        UUID stored = null;
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equals("topic_id")) {
                    stored = parseTopicId(line.substring(colon + 1).trim());
                }
            }
        }
        if (topicId == null) {
            topicId = stored;
        } else if (stored != null && !stored.equals(topicId)) {
            throw new IllegalStateException("log " + dir + " belongs to topic id " + stored + ", not " + topicId);
        } else if (stored == null) {
            writeMetadata(topicId);
        }
    }

    private void writeMetadata(UUID id) throws IOException {
        String text = "version: 0\ntopic_id: " + formatTopicId(id) + "\n";
        Path tmp = dir.resolve(METADATA_FILE + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(tmp, dir.resolve(METADATA_FILE), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(METADATA_FILE), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Kafka's textual topic id: URL-safe base64 without padding of the 16 big-endian bytes. */
    static String formatTopicId(UUID id) {
        ByteBuffer b = ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    static UUID parseTopicId(String s) {
        if (s.length() == 36) return UUID.fromString(s);
        ByteBuffer b = ByteBuffer.wrap(Base64.getUrlDecoder().decode(s));
        return new UUID(b.getLong(), b.getLong());
    }

    private void loadSegments(boolean cleanShutdown, long checkpointedRecoveryPoint) throws IOException {
        recoverInterruptedSwaps();
        List<Long> bases = new ArrayList<>();
        List<Path> indexFiles = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.endsWith(LogSegment.LOG_SUFFIX)) {
                    Long base = parseBase(name, LogSegment.LOG_SUFFIX);
                    if (base != null) bases.add(base);
                } else if (name.endsWith(LogSegment.INDEX_SUFFIX) || name.endsWith(LogSegment.TIME_INDEX_SUFFIX)) {
                    indexFiles.add(p);
                } else if (name.endsWith(".tmp")) {
                    Files.deleteIfExists(p);
                }
            }
        }
        bases.sort(Comparator.naturalOrder());
        // Index files without a .log are leftovers of an interrupted delete or roll.
        for (Path p : indexFiles) {
            String name = p.getFileName().toString();
            String stem = name.substring(0, name.lastIndexOf('.'));
            if (!Files.exists(dir.resolve(stem + LogSegment.LOG_SUFFIX))) Files.deleteIfExists(p);
        }
        long now = clock.millis();
        LogConfig cfg = config;
        // Unclean: scan from the segment holding the recovery point (the last base <= it) to the end.
        long recoverFrom = 0;
        for (long b : bases) if (b <= checkpointedRecoveryPoint) recoverFrom = b;
        for (int i = 0; i < bases.size(); i++) {
            boolean last = i == bases.size() - 1;
            boolean recover = !cleanShutdown && bases.get(i) >= recoverFrom;
            LogSegment s = LogSegment.load(dir, bases.get(i), cfg, last, recover, !cleanShutdown, now);
            LogSegment prev = segments.isEmpty() ? null : segments.lastEntry().getValue();
            if (prev != null && s.baseOffset() < prev.nextOffset()) {
                log.warn("Segment {} of {} overlaps the one before it; dropping it and later segments",
                        s.baseOffset(), dir);
                s.closeQuietly();
                break;
            }
            segments.put(s.baseOffset(), s);
            if (!last && s.truncatedOnLoad() > 0) {
                log.warn("Segment {} of {} was truncated; dropping the segments after it", s.baseOffset(), dir);
                break;
            }
        }
        // Delete any segment files not loaded (e.g. beyond the cut).
        for (Long base : bases) {
            if (!segments.containsKey(base)) {
                Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, LogSegment.LOG_SUFFIX)));
                Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, LogSegment.INDEX_SUFFIX)));
                Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, LogSegment.TIME_INDEX_SUFFIX)));
            }
        }
        if (segments.isEmpty()) {
            LogSegment s = LogSegment.create(dir, 0L, cfg, now);
            segments.put(0L, s);
        }
        LogSegment last = segments.lastEntry().getValue();
        last.makeActive(cfg);
        active = last;
        logStartOffset = segments.firstKey();
        logEndOffset = last.nextOffset();
        recoveryPoint = cleanShutdown ? logEndOffset : Math.min(checkpointedRecoveryPoint, logEndOffset);
        lastFlushMs = now;
        log.debug("Loaded {}: {} segments, offsets [{}, {})", dir, segments.size(), logStartOffset, logEndOffset);
    }

    private static Long parseBase(String name, String suffix) {
        String digits = name.substring(0, name.length() - suffix.length());
        if (digits.length() != 20) return null;
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- accessors

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    public Optional<UUID> topicId() {
        return Optional.ofNullable(topicId);
    }

    public Path dir() {
        return dir;
    }

    public LogConfig config() {
        return config;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    /** The offset the next appended batch will get. */
    public long logEndOffset() {
        return logEndOffset;
    }

    /** Offsets below this are fsynced; written to the recovery-point checkpoint. */
    public long recoveryPoint() {
        return recoveryPoint;
    }

    /** Wall-clock time of the last completed flush (or of opening). */
    public long lastFlushMs() {
        return lastFlushMs;
    }

    public int numberOfSegments() {
        return segments.size();
    }

    /** Idempotent-producer state; only to be read under no concurrent append (tests, tools). */
    public ProducerStateManager producerState() {
        return producerState;
    }

    /** Snapshot of the segments, oldest first. */
    public List<LogSegment> segments() {
        return List.copyOf(segments.values());
    }

    public long sizeInBytes() {
        long total = 0;
        for (LogSegment s : segments.values()) total += s.sizeInBytes();
        return total;
    }

    /** Applies a new config; takes effect from the next append (index sizes from the next roll). */
    public void updateConfig(LogConfig newConfig) {
        lock.lock();
        try {
            config = newConfig;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- append

    /**
     * Appends one or more record batches (the buffer's position to its limit), already validated by the caller
     * (CRC included). Offsets are assigned by overwriting each batch's base offset in place in {@code batches}
     * (not covered by the CRC); nothing else is re-encoded. The buffer's position and limit are left unchanged.
     *
     * @throws IllegalArgumentException      if the buffer does not hold whole magic-2 batches
     * @throws RecordBatchTooLargeException if the bytes cannot fit in one segment
     * @throws ProducerStateException        if an idempotent producer's batch is fenced or out of sequence
     * @throws StorageException              on I/O failure
     * @return where the batches went, or {@link LogAppendResult#duplicate} (nothing written) for a retried
     *         producer batch already in the log
     */
    public LogAppendResult append(ByteBuffer batches) {
        int size = batches.remaining();
        if (size == 0) throw new IllegalArgumentException("nothing to append");
        LogConfig cfg = config;
        if (size > cfg.segmentBytes()) {
            throw new RecordBatchTooLargeException(size + " bytes exceed segment.bytes " + cfg.segmentBytes());
        }
        lock.lock();
        try {
            ensureOpen();
            cfg = config;
            long firstOffset = logEndOffset;
            long next = firstOffset;
            int batchCount = 0;
            long records = 0;
            boolean logAppendTime = false;
            int p = batches.position();
            int limit = batches.limit();
            // Check the framing before touching anything, then assign offsets.
            while (p < limit) {
                if (limit - p < RecordBatch.HEADER_SIZE) throw new IllegalArgumentException("partial batch header at " + p);
                int length = RecordBatch.batchLength(batches, p);
                if (length < RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD
                        || (long) p + RecordBatch.LOG_OVERHEAD + length > limit) {
                    throw new IllegalArgumentException("bad batch length " + length + " at " + p);
                }
                if (RecordBatch.magic(batches, p) != RecordBatch.MAGIC) {
                    throw new IllegalArgumentException("unsupported magic " + RecordBatch.magic(batches, p));
                }
                int delta = RecordBatch.lastOffsetDelta(batches, p);
                if (delta < 0) throw new IllegalArgumentException("negative lastOffsetDelta " + delta);
                next += delta + 1L;
                records += delta + 1L;
                logAppendTime |= RecordBatch.isLogAppendTime(batches, p);
                batchCount++;
                p += RecordBatch.LOG_OVERHEAD + length;
            }
            long lastOffset = next - 1;
            LogAppendResult duplicate = producerState.checkAppend(batches);
            if (duplicate != null) return duplicate;
            LogSegment seg = maybeRoll(size, batchCount, lastOffset, cfg);
            p = batches.position();
            long offset = firstOffset;
            while (p < limit) {
                RecordBatch.setBaseOffset(batches, p, offset);
                offset += RecordBatch.lastOffsetDelta(batches, p) + 1L;
                p += RecordBatch.sizeInBytes(batches, p);
            }
            long now = clock.millis();
            int position = seg.append(batches, lastOffset, cfg.indexIntervalBytes(), now);
            producerState.onAppended(batches);
            logEndOffset = lastOffset + 1;
            unflushedMessages += records;
            if (unflushedMessages >= cfg.flushMessages()) {
                flushLocked();
            }
            return new LogAppendResult(firstOffset, lastOffset, logAppendTime ? now : -1L, seg.baseOffset(),
                    position, size, batchCount);
        } catch (IOException e) {
            throw new StorageException("append to " + dir + " failed", e);
        } finally {
            lock.unlock();
        }
    }

    private LogSegment maybeRoll(int size, int batchCount, long lastOffset, LogConfig cfg) throws IOException {
        LogSegment seg = active;
        if (seg.sizeInBytes() == 0) {
            if (lastOffset - seg.baseOffset() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("append spans more than 2^31 offsets");
            }
            return seg;
        }
        long now = clock.millis();
        String reason = null;
        if ((long) seg.sizeInBytes() + size > cfg.segmentBytes()) reason = "size";
        else if (now - seg.rollingBaseTimeMs() > cfg.segmentMs()) reason = "time";
        else if (!seg.indexesHaveRoomFor(batchCount)) reason = "index full";
        else if (lastOffset - seg.baseOffset() > Integer.MAX_VALUE) reason = "offset overflow";
        if (reason == null) return seg;
        log.debug("Rolling {} at offset {} ({})", dir, logEndOffset, reason);
        return rollLocked(cfg);
    }

    /** Starts a new segment at the log end offset unless the active one is empty. */
    public void roll() {
        lock.lock();
        try {
            ensureOpen();
            if (active.sizeInBytes() > 0) rollLocked(config);
        } catch (IOException e) {
            throw new StorageException("roll of " + dir + " failed", e);
        } finally {
            lock.unlock();
        }
    }

    private LogSegment rollLocked(LogConfig cfg) throws IOException {
        LogSegment old = active;
        LogSegment next = LogSegment.create(dir, logEndOffset, cfg, clock.millis());
        segments.put(next.baseOffset(), next);
        active = next;
        old.onRolled();
        producerState.takeSnapshot(logEndOffset);
        return next;
    }

    // ---------------------------------------------------------------- read

    /** {@link #read(long, int, long, boolean)} up to the log end, with minOneMessage. */
    public LogReadResult read(long startOffset, int maxBytes) {
        return read(startOffset, maxBytes, Long.MAX_VALUE, true);
    }

    /**
     * Reads whole batches from one segment, starting with the batch that holds {@code startOffset}.
     *
     * @param maxBytes      upper bound on the returned bytes (but see {@code minOneMessage})
     * @param maxOffset     exclusive visibility bound, e.g. the high watermark: no batch whose last offset is at or
     *                      after it is returned ({@link Long#MAX_VALUE} for the log end)
     * @param minOneMessage return the first batch whole even if it is larger than {@code maxBytes}
     * @throws OffsetOutOfRangeException if {@code startOffset} is below the log start or beyond the log end offset
     */
    public LogReadResult read(long startOffset, int maxBytes, long maxOffset, boolean minOneMessage) {
        long end = logEndOffset;
        long start = logStartOffset;
        if (startOffset < start || startOffset > end) throw new OffsetOutOfRangeException(startOffset, start, end);
        long limit = Math.min(maxOffset, end);
        if (startOffset >= limit) return new LogReadResult(FileRecordsSlice.empty(), -1, start, end);
        Map.Entry<Long, LogSegment> floor = segments.floorEntry(startOffset);
        if (floor == null) throw new OffsetOutOfRangeException(startOffset, logStartOffset, end);
        try {
            for (LogSegment s : segments.tailMap(floor.getKey(), true).values()) {
                if (s.baseOffset() >= limit) break;
                LogSegment.Slice slice = s.read(startOffset, maxBytes, limit, minOneMessage);
                if (slice != null) return new LogReadResult(slice.records(), slice.firstOffset(), start, end);
            }
        } catch (IOException e) {
            throw new StorageException("read from " + dir + " failed", e);
        }
        return new LogReadResult(FileRecordsSlice.empty(), -1, start, end);
    }

    /**
     * The first batch (by offset) whose max timestamp is {@code >= timestamp}, or empty if none. The offset is the
     * batch's base offset (never below the log start offset).
     */
    public Optional<TimestampAndOffset> offsetForTimestamp(long timestamp) {
        long end = logEndOffset;
        long start = logStartOffset;
        try {
            for (LogSegment s : segments.values()) {
                if (s.baseOffset() >= end) break;
                if (s.maxTimestamp() < timestamp) continue;
                TimestampAndOffset found = s.findByTimestamp(timestamp, end);
                if (found != null) {
                    return Optional.of(found.offset() < start
                            ? new TimestampAndOffset(found.timestamp(), start) : found);
                }
            }
        } catch (IOException e) {
            throw new StorageException("timestamp lookup in " + dir + " failed", e);
        }
        return Optional.empty();
    }

    // ---------------------------------------------------------------- segment replacement (log cleaner)

    /** Suffix of a replacement segment being written: {@code <20-digit base>.<20-digit end>.cleaned}. */
    public static final String CLEANED_SUFFIX = ".cleaned";
    /** Suffix of a replacement segment committed but not yet installed: {@code <base>.<end>.swap}. */
    public static final String SWAP_SUFFIX = ".swap";

    /**
     * Where a replacement for the closed segments covering offsets {@code [base, end)} is written before
     * {@link #replaceSegments}: a plain .log file (batches only, no indexes) in this log's directory.
     */
    public Path cleanedFile(long base, long end) {
        return dir.resolve(String.format("%020d.%020d%s", base, end, CLEANED_SUFFIX));
    }

    /**
     * Atomically replaces the closed segments {@code old} (consecutive, covering {@code [base, end)} where base is
     * the first one's base offset and end the base offset of the segment after the last one) by the single segment
     * whose batches were written, and fsynced, to {@code cleaned} ({@link #cleanedFile}). Steps, each safe to crash
     * after: rename {@code .cleaned} to {@code .swap} (the commit point), delete the old segments' files, rename
     * {@code .swap} to {@code <base>.log}, load it (indexes rebuilt) and put it in the segment map. On open,
     * {@link #recoverInterruptedSwaps} deletes {@code .cleaned} leftovers and completes any {@code .swap}.
     * Readers keep working throughout: old segments stay readable through their open channels.
     *
     * @return false (and {@code cleaned} deleted) if the log changed meanwhile: closed, a segment gone or active
     */
    public boolean replaceSegments(List<LogSegment> old, Path cleaned) {
        if (old.isEmpty()) throw new IllegalArgumentException("no segments to replace");
        long base = old.get(0).baseOffset();
        lock.lock();
        try {
            boolean current = !closed;
            for (LogSegment s : old) current &= segments.get(s.baseOffset()) == s && s != active;
            Map.Entry<Long, LogSegment> after = segments.higherEntry(old.get(old.size() - 1).baseOffset());
            if (!current || after == null) {
                Files.deleteIfExists(cleaned);
                return false;
            }
            long end = after.getKey();
            for (LogSegment s : segments.subMap(base, true, end, false).values()) current &= old.contains(s);
            if (!current || !cleaned.equals(cleanedFile(base, end))) {
                Files.deleteIfExists(cleaned);
                return false;
            }
            String stem = cleaned.getFileName().toString();
            Path swap = dir.resolve(stem.substring(0, stem.length() - CLEANED_SUFFIX.length()) + SWAP_SUFFIX);
            swapHook.accept("before-swap");
            Files.move(cleaned, swap, StandardCopyOption.ATOMIC_MOVE);
            LogManager.fsyncDir(dir);
            swapHook.accept("swapped");
            for (LogSegment s : old) {
                s.deleteFiles();
                swapHook.accept("deleted-" + s.baseOffset());
            }
            Files.move(swap, dir.resolve(LogSegment.fileName(base, LogSegment.LOG_SUFFIX)),
                    StandardCopyOption.ATOMIC_MOVE);
            LogManager.fsyncDir(dir);
            swapHook.accept("installed");
            LogSegment fresh = LogSegment.load(dir, base, config, false, false, false, clock.millis());
            segments.put(base, fresh);
            for (LogSegment s : old) {
                if (s.baseOffset() != base) segments.remove(s.baseOffset());
            }
            return true;
        } catch (IOException e) {
            throw new StorageException("replacing segments of " + dir + " failed", e);
        } finally {
            lock.unlock();
        }
    }

    /** Test hook: called at each step of {@link #replaceSegments}; throwing simulates a crash there. */
    volatile java.util.function.Consumer<String> swapHook = step -> { };

    /** Deletes half-written {@code .cleaned} files and completes committed {@code .swap}s (see replaceSegments). */
    private void recoverInterruptedSwaps() throws IOException {
        List<Path> swaps = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.endsWith(CLEANED_SUFFIX)) Files.deleteIfExists(p);
                else if (name.endsWith(SWAP_SUFFIX)) swaps.add(p);
            }
        }
        for (Path swap : swaps) {
            String name = swap.getFileName().toString();
            long base;
            long end;
            try {
                base = Long.parseLong(name.substring(0, 20));
                end = Long.parseLong(name.substring(21, 41));
            } catch (RuntimeException e) {
                log.warn("Ignoring unparsable swap file {}", swap);
                continue;
            }
            log.info("Completing interrupted segment replacement {} of {}", name, dir);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    if (!(n.endsWith(LogSegment.LOG_SUFFIX) || n.endsWith(LogSegment.INDEX_SUFFIX)
                            || n.endsWith(LogSegment.TIME_INDEX_SUFFIX))) continue;
                    Long b = parseBase(n, n.substring(n.lastIndexOf('.')));
                    if (b != null && b >= base && b < end) Files.deleteIfExists(p);
                }
            }
            Files.move(swap, dir.resolve(LogSegment.fileName(base, LogSegment.LOG_SUFFIX)),
                    StandardCopyOption.ATOMIC_MOVE);
        }
        if (!swaps.isEmpty()) LogManager.fsyncDir(dir);
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Forces written data and indexes of all dirty segments to disk. Takes no lock, so it does not block appends;
     * data appended concurrently may or may not be included.
     */
    public void flush() {
        if (closed) return;
        try {
            flushLocked();
        } catch (IOException e) {
            throw new StorageException("flush of " + dir + " failed", e);
        }
    }

    /** Flushes everything appended so far and advances the recovery point to the log end seen before the force. */
    private void flushLocked() throws IOException {
        flushLock.lock();
        try {
            long end = logEndOffset; // everything below was written before this read
            for (LogSegment s : segments.values()) {
                if (s.isDirty()) s.flush();
            }
            if (end > recoveryPoint) recoveryPoint = end;
            unflushedMessages = 0;
            lastFlushMs = clock.millis();
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * Flushes the segments rolled since the last flush (not the active one) and moves the recovery point to the
     * active segment's base, as Kafka does after a roll. Returns whether anything was flushed.
     */
    public boolean flushRolledSegments() {
        if (closed) return false;
        flushLock.lock();
        try {
            long activeBase = active.baseOffset();
            if (recoveryPoint >= activeBase) return false;
            for (LogSegment s : segments.headMap(activeBase, false).values()) {
                if (s.isDirty()) s.flush();
            }
            if (activeBase > recoveryPoint) recoveryPoint = activeBase;
            return true;
        } catch (IOException e) {
            throw new StorageException("flush of " + dir + " failed", e);
        } finally {
            flushLock.unlock();
        }
    }

    // ---------------------------------------------------------------- retention

    /** Decides, oldest first, whether a segment may go; {@code endOffset} is its next segment's base (or LEO). */
    @FunctionalInterface
    public interface SegmentPredicate {
        boolean test(LogSegment segment, long endOffset);
    }

    /**
     * Deletes whole segments from the oldest while {@code deletable} holds and the segment ends at or below
     * {@code upperBoundOffset} (the high watermark). If that includes the (non-empty) active segment, a new empty
     * one is rolled first, so the log always keeps an active segment. The log start offset moves to the first
     * remaining segment's base if it was below. Files are deleted at once; channels are closed a minute later so
     * that reads in flight finish. Returns the number of segments deleted.
     */
    public int deleteOldSegments(SegmentPredicate deletable, long upperBoundOffset, String reason) {
        lock.lock();
        try {
            if (closed) return 0;
            closeRetired(false);
            List<LogSegment> doomed = new ArrayList<>();
            for (Map.Entry<Long, LogSegment> e : segments.entrySet()) {
                LogSegment s = e.getValue();
                Long next = segments.higherKey(e.getKey());
                long end = next == null ? logEndOffset : next;
                if (next == null && s.sizeInBytes() == 0) break;
                if (end > upperBoundOffset || !deletable.test(s, end)) break;
                doomed.add(s);
            }
            if (doomed.isEmpty()) return 0;
            if (doomed.get(doomed.size() - 1) == active) rollLocked(config);
            long now = clock.millis();
            for (LogSegment s : doomed) {
                segments.remove(s.baseOffset());
                s.deleteFiles();
                retired.add(new RetiredSegment(s, now));
            }
            long first = segments.firstKey();
            if (first > logStartOffset) logStartOffset = first;
            log.info("Deleted {} segment(s) of {} ({}); log start offset now {}", doomed.size(), dir, reason,
                    logStartOffset);
            return doomed.size();
        } catch (IOException e) {
            throw new StorageException("segment deletion in " + dir + " failed", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Raises the log start offset (DeleteRecords); never lowers it. Segments wholly below it are deleted by the
     * next retention pass. Returns whether it moved.
     *
     * @throws IllegalArgumentException if {@code newStart} is beyond the log end offset
     */
    public boolean maybeIncrementLogStartOffset(long newStart) {
        lock.lock();
        try {
            ensureOpen();
            if (newStart > logEndOffset) {
                throw new IllegalArgumentException("log start " + newStart + " beyond log end " + logEndOffset);
            }
            if (newStart <= logStartOffset) return false;
            logStartOffset = newStart;
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void closeRetired(boolean all) {
        long now = clock.millis();
        retired.removeIf(r -> {
            if (!all && now - r.retiredAtMs() < RETIRED_CLOSE_DELAY_MS) return false;
            r.segment().closeQuietly();
            return true;
        });
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("log " + dir + " is closed");
    }

    /** Flushes, trims the indexes and closes all files. Outstanding {@link FileRecordsSlice}s become unreadable. */
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            closeRetired(true);
            IOException failure = null;
            try {
                producerState.takeSnapshot(logEndOffset);
            } catch (IOException e) {
                failure = e;
            }
            for (LogSegment s : segments.values()) {
                try {
                    s.close();
                } catch (IOException e) {
                    if (failure == null) failure = e;
                    else failure.addSuppressed(e);
                }
            }
            if (failure != null) throw new StorageException("close of " + dir + " failed", failure);
            recoveryPoint = logEndOffset;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes the partition's directory. Channels are not closed so that slices being sent can finish; they are
     * released when the segments become unreachable.
     */
    public void delete() {
        lock.lock();
        try {
            closed = true;
            for (LogSegment s : segments.values()) s.deleteFiles();
            deleteRecursively(dir);
        } catch (IOException e) {
            throw new StorageException("delete of " + dir + " failed", e);
        } finally {
            lock.unlock();
        }
    }

    /** The directory was removed by the {@link LogManager}; the log only refuses further appends. */
    void markDeleted() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private void closeSegmentsQuietly() {
        for (LogSegment s : segments.values()) s.closeQuietly();
    }

    @Override
    public String toString() {
        return "PartitionLog(" + dirName(topic, partition) + ", [" + logStartOffset + ", " + logEndOffset + "))";
    }
}
