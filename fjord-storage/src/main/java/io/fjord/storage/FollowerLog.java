package io.fjord.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * The follower side of a {@link PartitionLog}: appending the leader's batches with the offsets the leader gave them
 * ({@link #append}), and truncating where this replica's log diverged from the leader's ({@link #truncateTo}, found
 * by the broker through OffsetForLeaderEpoch) or lies wholly outside it ({@link #truncateFullyAndStartAt}).
 *
 * <p>Crash safety of truncation: segments are deleted newest first and the segment holding the new end is cut
 * last, so a crash at any point leaves a prefix of the log; the epoch cache is truncated only after the data (it
 * may name offsets beyond the end, which loading trims, never lack an entry for data on disk); producer snapshots
 * above the new end are deleted after it (loading deletes those above the end anyway). A truncation lowers the
 * published log end before it removes bytes, so lock-free readers never see bytes about to go.
 *
 * <p>Threading: not thread-safe. Every method runs under the owning {@link PartitionLog}'s append lock, after the
 * log checked it is open; it shares that log's {@link LocalLog}, epoch cache, {@link LogBounds} and
 * {@link ProducerStateHolder}.
 */
final class FollowerLog {
    private static final Logger log = LoggerFactory.getLogger(FollowerLog.class);

    private final Path dir;
    private final Clock clock;
    private final LocalLog local;
    private final LeaderEpochFileCache epochCache;
    private final LogBounds bounds;
    private final ProducerStateHolder producerState;
    /** Called at each step of a truncation (a test hook of the owning log; throwing simulates a crash there). */
    private final Consumer<String> truncateHook;

    FollowerLog(Path dir, Clock clock, LocalLog local, LeaderEpochFileCache epochCache, LogBounds bounds,
                ProducerStateHolder producerState, Consumer<String> truncateHook) {
        this.dir = dir;
        this.clock = clock;
        this.local = local;
        this.epochCache = epochCache;
        this.bounds = bounds;
        this.producerState = producerState;
        this.truncateHook = truncateHook;
    }

    /**
     * Under the lock: appends {@code batches}, already validated into {@code checked}, keeping their offsets (see
     * {@link PartitionLog#appendAsFollower}). Newer leader epochs enter the cache before the bytes are written. The
     * batches are written in runs that fit the active segment, rolling between them as a leader append does. The
     * producer state records each run without sequence checks (the leader decided), so that this replica
     * deduplicates retries correctly if it becomes leader.
     */
    LogAppendResult append(ByteBuffer batches, AppendBatches checked, LogConfig cfg) {
        int size = batches.remaining();
        try {
            long end = local.logEndOffset();
            if (checked.firstOffset() < end) {
                throw new UnexpectedAppendOffsetException("first offset " + checked.firstOffset()
                        + " is below the log end offset " + end + " of " + dir, checked.firstOffset(), end);
            }
            epochCache.assignEpochsOf(batches);
            LocalLog.Written at = local.writeRuns(batches, cfg, clock.millis(), run -> {
                try {
                    producerState.onAppended(run);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            producerState.publish(bounds.highWatermark());
            local.countAppended(checked.records(), cfg);
            return new LogAppendResult(checked.firstOffset(), checked.lastOffset(), -1L, at.segmentBaseOffset(),
                    at.position(), size, checked.batchCount());
        } catch (UncheckedIOException e) {
            throw new StorageException("follower append to " + dir + " failed", e.getCause());
        } catch (IOException e) {
            throw new StorageException("follower append to " + dir + " failed", e);
        }
    }

    /**
     * Under the lock: removes every offset at or after {@code offset} (see {@link PartitionLog#truncateTo}).
     * Segments based after it are deleted, newest first; the one holding it is cut at the start of the batch
     * containing it and becomes active. Then epoch cache entries from the new end go, the producer state is rebuilt
     * (newest snapshot at or below the end plus a header scan; snapshots above it are deleted), and recovery point,
     * high watermark and log start are clamped to the end.
     */
    void truncateTo(long offset, LogConfig cfg) {
        try {
            long oldEnd = local.logEndOffset();
            if (offset >= oldEnd) {
                // Nothing to cut, but the epoch cache may still claim an epoch that begins at the log end: this
                // replica led it and was deposed before appending anything. Left there, it would be sent as the
                // last fetched epoch forever, and the leader would answer the same divergence forever.
                epochCache.truncateFromEnd(oldEnd);
                return;
            }
            if (local.segments().first().baseOffset() > offset) {
                truncateFully(offset, cfg);
                return;
            }
            bounds.lowerLogEnd(offset);
            truncateHook.accept("start");
            long newEnd = local.truncateTo(offset, cfg, truncateHook);
            bounds.lowerLogEnd(newEnd);
            bounds.clampLogStartTo(newEnd);
            epochCache.truncateFromEnd(newEnd);
            truncateHook.accept("epochs");
            producerState.replace(ProducerStateManager.load(dir, local.segments().snapshot(), newEnd, clock,
                    ProducerStateManager.DEFAULT_EXPIRATION_MS));
            producerState.publish(bounds.highWatermark());
            log.info("Truncated {} to offset {} (log end was {}, is {})", dir, offset, oldEnd, newEnd);
        } catch (IOException e) {
            throw new StorageException("truncation of " + dir + " failed", e);
        }
    }

    /** Under the lock: deletes all data, an empty log starts at {@code newOffset} (see {@link PartitionLog}). */
    void truncateFullyAndStartAt(long newOffset, LogConfig cfg) {
        try {
            truncateFully(newOffset, cfg);
        } catch (IOException e) {
            throw new StorageException("truncation of " + dir + " failed", e);
        }
    }

    /**
     * Producer snapshots go first (always safe), then the segments newest first, the oldest one emptied, the new
     * segment created and the emptied one deleted ({@link LocalLog#truncateFully}); a crash leaves a prefix of the
     * old log or an empty log. Only then do the bounds, the epoch cache and the producer state follow.
     */
    private void truncateFully(long newOffset, LogConfig cfg) throws IOException {
        long oldEnd = local.logEndOffset();
        bounds.lowerLogEnd(Math.min(oldEnd, newOffset));
        ProducerStateManager.deleteAllSnapshots(dir);
        truncateHook.accept("start");
        local.truncateFully(newOffset, cfg, truncateHook);
        bounds.resetTo(newOffset);
        epochCache.clear();
        producerState.reset(new ProducerStateManager(dir, clock, ProducerStateManager.DEFAULT_EXPIRATION_MS));
        log.info("Truncated {} fully (log end was {}); the log now starts at {}", dir, oldEnd, newOffset);
    }
}
