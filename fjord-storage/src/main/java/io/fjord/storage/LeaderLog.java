package io.fjord.storage;

import io.fjord.protocol.record.ControlRecords;
import io.fjord.protocol.record.RecordBatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The leader side of a {@link PartitionLog}: appending client batches, whose offsets it assigns after the
 * idempotent/transactional producer checks ({@link #append}), and transaction markers ({@link #appendMarker}).
 * Every append assigns newer leader epochs before its bytes are written and republishes the unstable region after.
 *
 * <p>Threading: not thread-safe. Every method runs under the owning {@link PartitionLog}'s append lock, after the
 * log checked it is open; it shares that log's {@link LocalLog}, epoch cache, {@link LogBounds} and
 * {@link ProducerStateHolder}.
 */
final class LeaderLog {
    private final Path dir;
    private final Clock clock;
    private final LocalLog local;
    private final LeaderEpochFileCache epochCache;
    private final LogBounds bounds;
    private final ProducerStateHolder producerState;

    LeaderLog(Path dir, Clock clock, LocalLog local, LeaderEpochFileCache epochCache, LogBounds bounds,
              ProducerStateHolder producerState) {
        this.dir = dir;
        this.clock = clock;
        this.local = local;
        this.epochCache = epochCache;
        this.bounds = bounds;
        this.producerState = producerState;
    }

    /**
     * Under the lock: appends {@code batches} (see {@link PartitionLog#append(ByteBuffer, long)}), overwriting each
     * batch's base offset in place from the log end on; a retried producer batch already in the log is answered
     * as a duplicate and nothing is written.
     */
    LogAppendResult append(ByteBuffer batches, long verificationGuard, LogConfig cfg) {
        int size = batches.remaining();
        try {
            AppendBatches framed = AppendBatches.frame(batches);
            long firstOffset = local.logEndOffset();
            long lastOffset = firstOffset + framed.records() - 1;
            LogAppendResult duplicate = producerState.current().checkAppend(batches, verificationGuard);
            if (duplicate != null) return duplicate;
            LogSegment seg = local.maybeRoll(size, framed.batchCount(), lastOffset, cfg, firstOffset);
            long offset = firstOffset;
            for (int p = batches.position(); p < batches.limit(); p += RecordBatch.sizeInBytes(batches, p)) {
                RecordBatch.setBaseOffset(batches, p, offset);
                offset += RecordBatch.lastOffsetDelta(batches, p) + 1L;
            }
            epochCache.assignEpochsOf(batches);
            long now = clock.millis();
            int position = local.write(seg, batches, lastOffset, cfg, now);
            producerState.onAppended(batches);
            producerState.publish(bounds.highWatermark());
            local.countAppended(framed.records(), cfg);
            return new LogAppendResult(firstOffset, lastOffset, framed.logAppendTime() ? now : -1L, seg.baseOffset(),
                    position, size, framed.batchCount());
        } catch (IOException e) {
            throw new StorageException("append to " + dir + " failed", e);
        }
    }

    /** Under the lock: checks and appends a COMMIT or ABORT marker (see {@link PartitionLog#appendMarker}). */
    LogAppendResult appendMarker(long producerId, short producerEpoch, boolean commit, int coordinatorEpoch,
                                 int transactionVersion, int leaderEpoch, LogConfig cfg) {
        try {
            producerState.current().checkMarker(producerId, producerEpoch, coordinatorEpoch, transactionVersion);
            long offset = local.logEndOffset();
            long now = clock.millis();
            ByteBuffer marker = ControlRecords.endTxnMarker(offset, now, leaderEpoch, producerId, producerEpoch, commit,
                    coordinatorEpoch);
            int size = marker.remaining();
            LogSegment seg = local.maybeRoll(size, 1, offset, cfg, offset);
            epochCache.assignEpochsOf(marker);
            int position = local.write(seg, marker, offset, cfg, now);
            producerState.onAppended(marker);
            producerState.publish(bounds.highWatermark());
            local.countAppended(1, cfg);
            return new LogAppendResult(offset, offset, -1L, seg.baseOffset(), position, size, 1);
        } catch (IOException e) {
            throw new StorageException("marker append to " + dir + " failed", e);
        }
    }
}
