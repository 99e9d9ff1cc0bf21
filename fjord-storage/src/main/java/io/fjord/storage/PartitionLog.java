package io.fjord.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The log of one topic partition: a directory {@code <log.dir>/<topic>-<partition>} holding segments (see
 * {@link LogSegment}, {@link OffsetIndex}, {@link TimeIndex}), producer-state snapshots
 * ({@link ProducerStateManager}; with the transactions' last stable offset and each segment's
 * {@link TransactionIndex}), the {@value LeaderEpochFileCache#FILE_NAME} file ({@link LeaderEpochFileCache})
 * and {@value PartitionMetadataFile#FILE_NAME} ({@link PartitionMetadataFile}). Loading is {@link LogLoader}'s job.
 *
 * <p>Offsets run from {@link #logStartOffset()} (at or above the first segment's base offset: DeleteRecords can
 * move it into a segment) to {@link #logEndOffset()} (exclusive). {@link #recoveryPoint()} is the offset below which
 * data is known to be fsynced; {@link #highWatermark()} is set by the broker (the offset below which every in-sync
 * replica has the data) and only clamped here. {@link LogManager} checkpoints all three per log dir (see
 * {@link OffsetCheckpointFile}). Appends go to the last (active) segment, which rolls when full, old or out of index
 * room. A leader {@link #append}s client batches and assigns their offsets; a follower
 * {@link #appendAsFollower appends} the leader's batches with their offsets and {@link #truncateTo truncates} where
 * its log diverged from the leader's.
 *
 * <p>Parts: {@link LocalLog} keeps the segments and the log end; {@link LogBounds} the log start and high
 * watermark; {@link ProducerStateHolder} the producer state and its unstable region. {@link LeaderLog} does the
 * leader side (offset-assigning appends, markers), {@link FollowerLog} the follower side (appends with the leader's
 * offsets, truncation, with its crash-safety argument); both work under this class's lock, which checks arguments,
 * takes the lock and does reads, retention, segment replacement, flushing and the lifecycle.
 *
 * <p>Threading: appends, rolls, truncations, config changes, retention, close and delete are serialised by one lock
 * per partition. {@link #read}, {@link #offsetForTimestamp}, {@link #flush} and the accessors take no lock and may
 * run concurrently with an append: an append writes all bytes, then publishes the segment size and finally the log
 * end offset through volatile fields, so readers only ever see fully written batches. A truncation lowers the
 * published end before it removes bytes; a read already under way may then come back short. Channels of segments
 * still in the log are never closed except by {@link #close()} (broker shutdown), so a {@link FileRecordsSlice}
 * stays sendable; deleted segments' channels close a minute later; {@link #delete()} closes none.
 */
public final class PartitionLog {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);
    public static final String METADATA_FILE = PartitionMetadataFile.FILE_NAME;
    /** Suffix of a replacement segment being written: {@code <20-digit base>.<20-digit end>.cleaned}. */
    public static final String CLEANED_SUFFIX = SegmentSwap.CLEANED_SUFFIX;
    /** Suffix of a replacement segment committed but not yet installed: {@code <base>.<end>.swap}. */
    public static final String SWAP_SUFFIX = SegmentSwap.SWAP_SUFFIX;

    private final String topic;
    private final int partition;
    private final Path dir;
    private final ReentrantLock lock = new ReentrantLock();
    private final LocalLog local;
    private final LogSegments segments;
    private final LeaderEpochFileCache epochCache;
    private volatile UUID topicId;
    private volatile LogConfig config;
    private final LogBounds bounds;
    private final ProducerStateHolder producerState;
    private final LeaderLog leader;
    private final FollowerLog follower;
    private volatile boolean closed;

    private PartitionLog(Path dir, String topic, int partition, UUID topicId, LogConfig config, Clock clock,
                         LogLoader.LoadedLog loaded) {
        this.dir = dir;
        this.topic = topic;
        this.partition = partition;
        this.topicId = topicId;
        this.config = config;
        this.segments = loaded.segments();
        this.local = new LocalLog(dir, clock, segments, loaded.logEndOffset(), loaded.recoveryPoint(),
                this::snapshotProducerState);
        this.bounds = new LogBounds(local, loaded.logStartOffset(), loaded.highWatermark());
        this.epochCache = loaded.epochCache();
        this.producerState = new ProducerStateHolder(local, loaded.producerState(), bounds.highWatermark());
        this.leader = new LeaderLog(dir, clock, local, epochCache, bounds, producerState);
        this.follower = new FollowerLog(dir, clock, local, epochCache, bounds, producerState,
                step -> truncateHook.accept(step));
    }

    /** After every roll (told by {@link LocalLog}, under the lock): the producer state at the log end. */
    private void snapshotProducerState(long logEndOffset) throws IOException {
        producerState.current().takeSnapshot(logEndOffset);
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
        return open(dir, topic, partition, topicId, config, clock, cleanShutdown, 0L, 0L, OptionalLong.empty());
    }

    /** As below, without a checkpointed high watermark. */
    public static PartitionLog open(Path dir, String topic, int partition, UUID topicId, LogConfig config,
                                    Clock clock, boolean cleanShutdown, long recoveryPoint, long checkpointedLogStart) {
        return open(dir, topic, partition, topicId, config, clock, cleanShutdown, recoveryPoint, checkpointedLogStart,
                OptionalLong.empty());
    }

    /**
     * As {@link #open(Path, String, int, UUID, LogConfig, Clock, boolean)}, with the checkpointed recovery point,
     * log start offset and high watermark. After an unclean shutdown every segment from the one holding
     * {@code recoveryPoint} onwards is scanned (0 = all of them); earlier segments were fsynced and are only
     * sanity-checked. {@code checkpointedLogStart} raises the log start offset above the first segment's base
     * (DeleteRecords). For the high watermark without a checkpoint see {@link LogLoader#load}.
     */
    public static PartitionLog open(Path dir, String topic, int partition, UUID topicId, LogConfig config,
                                    Clock clock, boolean cleanShutdown, long recoveryPoint, long checkpointedLogStart,
                                    OptionalLong checkpointedHighWatermark) {
        try {
            Files.createDirectories(dir);
            UUID id = PartitionMetadataFile.reconcile(dir, topicId);
            LogLoader.LoadedLog loaded = LogLoader.load(dir, config, clock, cleanShutdown, recoveryPoint,
                    checkpointedLogStart, checkpointedHighWatermark);
            return new PartitionLog(dir, topic, partition, id, config, clock, loaded);
        } catch (IOException e) {
            throw new StorageException("cannot open log " + dir, e);
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
        return bounds.logStartOffset();
    }

    /** The offset the next appended batch will get. */
    public long logEndOffset() {
        return local.logEndOffset();
    }

    /** Offsets below this are fsynced; written to the recovery-point checkpoint. */
    public long recoveryPoint() {
        return local.recoveryPoint();
    }

    /** Wall-clock time of the last completed flush (or of opening). */
    public long lastFlushMs() {
        return local.lastFlushMs();
    }

    public int numberOfSegments() {
        return segments.count();
    }

    /** Idempotent-producer state; only to be read under no concurrent append (tests, tools). */
    public ProducerStateManager producerState() {
        return producerState.current();
    }

    /**
     * The last stable offset: below it every transaction is decided (committed or aborted, and the marker is below
     * the high watermark), so read_committed consumers may read up to it. The smallest first offset of a transaction
     * still open, or ended by a marker at or above the high watermark; the high watermark if there is none. Never
     * below the log start. Lock-free.
     */
    public long lastStableOffset() {
        long hw = bounds.highWatermark();
        return Math.max(bounds.logStartOffset(), Math.min(hw, producerState.firstUnstableOffset(hw)));
    }

    /** Where the first undecided transaction starts ({@link Long#MAX_VALUE} if none): the cleaner stops there. */
    public long firstUnstableOffset() {
        return producerState.firstUnstableOffset(bounds.highWatermark());
    }

    /**
     * The aborted transactions a read_committed fetch of {@code [startOffset, upperBound)} must skip: every entry of
     * the transaction indexes whose marker is at or after {@code startOffset} and whose data starts below
     * {@code upperBound}, walking the segments from the one holding {@code startOffset} until an entry's last stable
     * offset reaches {@code upperBound} (no later marker can end a transaction with data in the range). Lock-free.
     */
    public List<AbortedTxn> abortedTransactions(long startOffset, long upperBound) {
        return TransactionIndex.collect(segments.snapshot(), segments.floor(startOffset), startOffset, upperBound);
    }

    /** The producer's verification guard, read before verifying a partition with the coordinator (KIP-890). */
    public long verificationGuard(long producerId) {
        lock.lock();
        try {
            return producerState.current().verificationGuard(producerId);
        } finally {
            lock.unlock();
        }
    }

    /** Whether the producer at {@code epoch} has a transaction open here (then its batches need no verification). */
    public boolean hasOngoingTransaction(long producerId, short epoch) {
        lock.lock();
        try {
            return producerState.current().hasOngoingTransaction(producerId, epoch);
        } finally {
            lock.unlock();
        }
    }

    /** The producers this partition keeps state for, with their open transactions (DescribeProducers). */
    public List<ProducerStateManager.ProducerInfo> activeProducers() {
        lock.lock();
        try {
            return producerState.current().producerInfos();
        } finally {
            lock.unlock();
        }
    }

    /** Snapshot of the segments, oldest first. */
    public List<LogSegment> segments() {
        return segments.snapshot();
    }

    public long sizeInBytes() {
        return segments.sizeInBytes();
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

    // ---------------------------------------------------------------- high watermark and leader epochs

    /** The high watermark as last set by {@link #updateHighWatermark} (or restored on open), within the log. */
    public long highWatermark() {
        return bounds.highWatermark();
    }

    /**
     * Sets the high watermark, clamped to {@code [logStartOffset, logEndOffset]}; the broker decides when it moves
     * (it may go down, e.g. a new leader starts from its own). Thread-safe.
     */
    public void updateHighWatermark(long hw) {
        bounds.updateHighWatermark(hw);
    }

    /** The cache of (leader epoch, start offset) entries; thread-safe. */
    public LeaderEpochFileCache leaderEpochCache() {
        return epochCache;
    }

    public OptionalInt latestEpoch() {
        return epochCache.latestEpoch();
    }

    /** OffsetForLeaderEpoch for {@code epoch} against this log's end (see {@link LeaderEpochFileCache#endOffsetFor}). */
    public EpochEndOffset endOffsetForEpoch(int epoch) {
        return epochCache.endOffsetFor(epoch, local.logEndOffset());
    }

    /**
     * Records that {@code leaderEpoch} starts at {@code startOffset} (a replica becoming leader records its new
     * epoch at its log end before any batch of that epoch arrives, as Kafka does). Ignored if not newer.
     */
    public void maybeAssignEpochStartOffset(int leaderEpoch, long startOffset) {
        lock.lock();
        try {
            ensureOpen();
            epochCache.assign(leaderEpoch, startOffset);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- append

    /**
     * Appends one or more record batches (the buffer's position to its limit), already validated by the caller
     * (CRC included). Offsets are assigned by overwriting each batch's base offset in place in {@code batches}
     * (not covered by the CRC); nothing else is re-encoded. The buffer's position and limit are left unchanged.
     * A batch whose partition leader epoch is newer than the epoch cache's latest starts that epoch.
     *
     * @throws IllegalArgumentException      if the buffer does not hold whole magic-2 batches
     * @throws RecordBatchTooLargeException if the bytes cannot fit in one segment
     * @throws ProducerStateException        if an idempotent producer's batch is fenced or out of sequence
     * @throws StorageException              on I/O failure
     * @return where the batches went, or {@link LogAppendResult#duplicate} (nothing written) for a retried
     *         producer batch already in the log
     */
    public LogAppendResult append(ByteBuffer batches) {
        return append(batches, ProducerStateManager.NO_GUARD);
    }

    /**
     * As {@link #append(ByteBuffer)} for batches verified with the transaction coordinator (KIP-890 part 1): a
     * transactional batch that would open a transaction is refused (INVALID_TXN_STATE) if a marker of its producer
     * was appended since {@code verificationGuard} was read ({@link #verificationGuard}).
     */
    public LogAppendResult append(ByteBuffer batches, long verificationGuard) {
        int size = batches.remaining();
        if (size == 0) throw new IllegalArgumentException("nothing to append");
        LogConfig cfg = config;
        if (size > cfg.segmentBytes()) {
            throw new RecordBatchTooLargeException(size + " bytes exceed segment.bytes " + cfg.segmentBytes());
        }
        lock.lock();
        try {
            ensureOpen();
            return leader.append(batches, verificationGuard, config);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends batches fetched from the leader, keeping their offsets (the buffer's position to its limit; it is
     * not modified). Every batch is validated (framing, magic 2, CRC-32C, codec); the first must start at or
     * after the log end (a gap is allowed: the leader's log may be compacted) and each next one after the previous
     * one's last offset. Newer leader epochs enter the epoch cache; the producer state records the batches (see
     * {@link FollowerLog#append}). A fetch larger than {@code segment.bytes} is fine as long as each batch fits.
     * Afterwards the log end is the last batch's last offset + 1.
     *
     * @return the offsets and where the first batch went; {@code logAppendTime} is -1 (the leader's times stand)
     * @throws IllegalArgumentException        if {@code batches} is empty
     * @throws CorruptRecordException          if a batch is torn or invalid (nothing is appended)
     * @throws UnexpectedAppendOffsetException if the offsets go below the log end or do not increase
     * @throws RecordBatchTooLargeException    if one batch is larger than {@code segment.bytes}
     * @throws StorageException                on I/O failure (batches before the failing run stay appended)
     */
    public LogAppendResult appendAsFollower(ByteBuffer batches) {
        int size = batches.remaining();
        if (size == 0) throw new IllegalArgumentException("nothing to append");
        AppendBatches checked = AppendBatches.validateFollower(batches);
        lock.lock();
        try {
            ensureOpen();
            return follower.append(batches, checked, config);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends a COMMIT or ABORT marker for {@code producerId} as leader (WriteTxnMarkers), after the checks of
     * {@link ProducerStateManager#checkMarker}; written even if nothing of the producer is open here (as Kafka does).
     *
     * @param leaderEpoch        stamped into the marker batch (the caller holds the role under its lock)
     * @param transactionVersion the request's transaction version (2 = KIP-890 epoch rules)
     * @throws ProducerStateException INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED (nothing written)
     */
    public LogAppendResult appendMarker(long producerId, short producerEpoch, boolean commit, int coordinatorEpoch,
                                        int transactionVersion, int leaderEpoch) {
        lock.lock();
        try {
            ensureOpen();
            return leader.appendMarker(producerId, producerEpoch, commit, coordinatorEpoch, transactionVersion,
                    leaderEpoch, config);
        } finally {
            lock.unlock();
        }
    }

    /** Starts a new segment at the log end offset unless the active one is empty. */
    public void roll() {
        lock.lock();
        try {
            ensureOpen();
            if (local.active().sizeInBytes() > 0) local.roll(config, local.logEndOffset());
        } catch (IOException e) {
            throw new StorageException("roll of " + dir + " failed", e);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- truncation (followers)

    /**
     * Removes every offset at or after {@code offset}; nothing happens if {@code offset >= logEndOffset}. Followers
     * truncate at batch boundaries: the batch containing {@code offset} goes whole, so the new log end may be below
     * {@code offset} (in a compacted gap it is the end of the last kept batch). The epoch cache, producer state,
     * recovery point, high watermark and log start follow the new end. Below the first segment this is
     * {@link #truncateFullyAndStartAt(long) truncateFullyAndStartAt(offset)}. How, crash-safely: {@link FollowerLog}.
     */
    public void truncateTo(long offset) {
        if (offset < 0) throw new IllegalArgumentException("negative truncation offset " + offset);
        lock.lock();
        try {
            ensureOpen();
            follower.truncateTo(offset, config);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Deletes all data and starts an empty log at {@code newOffset}: log start = log end = high watermark =
     * recovery point = {@code newOffset}; epoch cache and producer state cleared (a follower whose log is entirely
     * below the leader's log start, or diverged before its first segment). A crash leaves a prefix of the old log
     * or an empty log.
     */
    public void truncateFullyAndStartAt(long newOffset) {
        if (newOffset < 0) throw new IllegalArgumentException("negative offset " + newOffset);
        lock.lock();
        try {
            ensureOpen();
            follower.truncateFullyAndStartAt(newOffset, config);
        } finally {
            lock.unlock();
        }
    }

    /** Test hook: called at each step of a truncation; throwing simulates a crash there. */
    volatile java.util.function.Consumer<String> truncateHook = step -> { };

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
        long end = local.logEndOffset();
        long start = bounds.logStartOffset();
        if (startOffset < start || startOffset > end) throw new OffsetOutOfRangeException(startOffset, start, end);
        long limit = Math.min(maxOffset, end);
        if (startOffset >= limit) return new LogReadResult(FileRecordsSlice.empty(), -1, start, end);
        if (segments.floor(startOffset) == null) throw new OffsetOutOfRangeException(startOffset, start, end);
        try {
            LogSegment.Slice slice = local.read(startOffset, maxBytes, limit, minOneMessage);
            if (slice != null) return new LogReadResult(slice.records(), slice.firstOffset(), start, end);
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
        long start = bounds.logStartOffset();
        try {
            TimestampAndOffset found = local.findByTimestamp(timestamp, local.logEndOffset());
            if (found == null) return Optional.empty();
            return Optional.of(found.offset() < start ? new TimestampAndOffset(found.timestamp(), start) : found);
        } catch (IOException e) {
            throw new StorageException("timestamp lookup in " + dir + " failed", e);
        }
    }

    // ---------------------------------------------------------------- segment replacement (log cleaner)

    /**
     * Where a replacement for the closed segments covering offsets {@code [base, end)} is written before
     * {@link #replaceSegments}: a plain .log file (batches only, no indexes) in this log's directory.
     */
    public Path cleanedFile(long base, long end) {
        return SegmentSwap.cleanedFile(dir, base, end);
    }

    /**
     * Atomically replaces the closed segments {@code old} (consecutive, covering {@code [base, end)} where base is
     * the first one's base offset and end the base offset of the segment after the last one) by the single segment
     * whose batches were written, and fsynced, to {@code cleaned} ({@link #cleanedFile}), following the crash-safe
     * file protocol of {@link SegmentSwap}. Readers keep working throughout: old segments stay readable through
     * their open channels.
     *
     * @return false (and {@code cleaned} deleted) if the log changed meanwhile: closed, a segment gone or active
     */
    public boolean replaceSegments(List<LogSegment> old, Path cleaned) {
        if (old.isEmpty()) throw new IllegalArgumentException("no segments to replace");
        lock.lock();
        try {
            if (closed) {
                Files.deleteIfExists(cleaned);
                return false;
            }
            return local.replaceSegments(old, cleaned, config, swapHook);
        } catch (IOException e) {
            throw new StorageException("replacing segments of " + dir + " failed", e);
        } finally {
            lock.unlock();
        }
    }

    /** Test hook: called at each step of {@link #replaceSegments}; throwing simulates a crash there. */
    volatile java.util.function.Consumer<String> swapHook = step -> { };

    // ---------------------------------------------------------------- flushing

    /**
     * {@code observer} is told how long each flush took (nanoseconds): explicit ones, {@code flush.messages},
     * {@code flush.ms} and after a roll; the log manager sets it for the broker's LogFlushRateAndTimeMs.
     */
    public void setFlushObserver(java.util.function.LongConsumer observer) {
        local.flushObserver = observer;
    }

    /**
     * Forces written data and indexes of all dirty segments to disk. Takes no lock, so it does not block appends;
     * data appended concurrently may or may not be included.
     */
    public void flush() {
        if (closed) return;
        try {
            local.flushAll();
        } catch (IOException e) {
            throw new StorageException("flush of " + dir + " failed", e);
        }
    }

    /** Offsets below this are on disk: the recovery point, or higher after {@link #forceLog}. */
    public long durableOffset() {
        return local.durableOffset();
    }

    /**
     * Group commit: forces only the .log bytes written since the last force; returns {@link #durableOffset()}. The
     * recovery point stays, so a crash's load re-validates the .log from there and rebuilds indexes and producer
     * state ({@link LogLoader}): forcing those too would double the syncs. Takes no partition lock.
     */
    public long forceLog() {
        if (closed) return local.durableOffset();
        try {
            return local.forceLog();
        } catch (IOException e) {
            throw new StorageException("force of " + dir + " failed", e);
        }
    }

    /**
     * Flushes the segments rolled since the last flush (not the active one) and moves the recovery point to the
     * active segment's base, as Kafka does after a roll. Returns whether anything was flushed.
     */
    public boolean flushRolledSegments() {
        if (closed) return false;
        try {
            return local.flushRolledSegments();
        } catch (IOException e) {
            throw new StorageException("flush of " + dir + " failed", e);
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
     * remaining segment's base if it was below (the epoch cache follows). Files are deleted at once; channels are
     * closed a minute later so that reads in flight finish. Returns the number of segments deleted.
     */
    public int deleteOldSegments(SegmentPredicate deletable, long upperBoundOffset, String reason) {
        lock.lock();
        try {
            if (closed) return 0;
            int deleted = local.deleteOldest(deletable, upperBoundOffset, config);
            if (deleted == 0) return 0;
            long first = segments.first().baseOffset();
            if (first > bounds.logStartOffset()) moveLogStart(first);
            log.info("Deleted {} segment(s) of {} ({}); log start offset now {}", deleted, dir, reason,
                    bounds.logStartOffset());
            return deleted;
        } catch (IOException e) {
            throw new StorageException("segment deletion in " + dir + " failed", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Raises the log start offset (DeleteRecords, or a follower following its leader's); never lowers it. Segments
     * wholly below it are deleted by the next retention pass. Returns whether it moved.
     *
     * @throws IllegalArgumentException if {@code newStart} is beyond the log end offset
     */
    public boolean maybeIncrementLogStartOffset(long newStart) {
        lock.lock();
        try {
            ensureOpen();
            long end = local.logEndOffset();
            if (newStart > end) throw new IllegalArgumentException("log start " + newStart + " beyond log end " + end);
            if (newStart <= bounds.logStartOffset()) return false;
            moveLogStart(newStart);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: the log now starts at {@code newStart}; the epoch cache and high watermark follow. */
    private void moveLogStart(long newStart) {
        bounds.moveLogStart(newStart);
        epochCache.truncateFromStart(newStart);
    }

    // ---------------------------------------------------------------- lifecycle

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("log " + dir + " is closed");
    }

    /** Flushes, trims the indexes and closes all files. Outstanding {@link FileRecordsSlice}s become unreadable. */
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            IOException failure = null;
            try {
                producerState.current().takeSnapshot(local.logEndOffset());
            } catch (IOException e) {
                failure = e;
            }
            IOException closing = local.close();
            if (failure == null) failure = closing;
            else if (closing != null) failure.addSuppressed(closing);
            if (failure != null) throw new StorageException("close of " + dir + " failed", failure);
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
            for (LogSegment s : segments.all()) s.deleteFiles();
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

    @Override
    public String toString() {
        return "PartitionLog(" + dirName(topic, partition) + ", [" + bounds.logStartOffset() + ", " + local.logEndOffset() + "))";
    }
}
