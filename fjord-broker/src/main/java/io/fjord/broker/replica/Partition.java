package io.fjord.broker.replica;

import io.fjord.metadata.PartitionState;
import io.fjord.storage.LogAppendResult;
import io.fjord.storage.LogReadResult;
import io.fjord.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * A partition this broker holds: its log, its replica state from the cluster image, and the high watermark —
 * the offset below which every in-sync replica has the data, so consumers may read it. With one replica the
 * in-sync set is this broker alone and the high watermark follows the log end at once; followers (the
 * replication issue) will move it only as they catch up.
 *
 * <p>Threading: appends are serialised by the log; the high watermark is volatile and only moves forward.
 */
public final class Partition {
    private final TopicPartition tp;
    private final UUID topicId;
    private final PartitionLog log;
    private volatile PartitionState state;
    private volatile long highWatermark;

    Partition(TopicPartition tp, UUID topicId, PartitionLog log, PartitionState state) {
        this.tp = tp;
        this.topicId = topicId;
        this.log = log;
        this.state = state;
        this.highWatermark = log.logEndOffset();
    }

    public TopicPartition topicPartition() {
        return tp;
    }

    public UUID topicId() {
        return topicId;
    }

    public PartitionState state() {
        return state;
    }

    void updateState(PartitionState state) {
        this.state = state;
    }

    public int leaderEpoch() {
        return state.leaderEpoch();
    }

    public int inSyncReplicaCount() {
        return state.isr().size();
    }

    public PartitionLog log() {
        return log;
    }

    public long highWatermark() {
        return highWatermark;
    }

    public long logStartOffset() {
        return log.logStartOffset();
    }

    public long logEndOffset() {
        return log.logEndOffset();
    }

    /** Appends validated batches as leader and advances the high watermark (every in-sync replica is this one). */
    LogAppendResult appendAsLeader(ByteBuffer batches) {
        LogAppendResult r;
        synchronized (this) {
            r = log.append(batches);
            maybeAdvanceHighWatermark(log.logEndOffset());
        }
        return r;
    }

    private void maybeAdvanceHighWatermark(long candidate) {
        if (candidate > highWatermark) highWatermark = candidate;
    }

    /** Reads up to the high watermark. */
    public LogReadResult read(long offset, int maxBytes, boolean minOneMessage) {
        return log.read(offset, maxBytes, highWatermark, minOneMessage);
    }
}
