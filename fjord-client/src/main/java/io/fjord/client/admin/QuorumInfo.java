package io.fjord.client.admin;

import java.util.List;

/**
 * The metadata quorum as DescribeQuorum reports it: the leader, its epoch and high watermark, and each voter's and
 * observer's log end offset; a replica's lag is {@code highWatermark - logEndOffset} (as kafka-metadata-quorum.sh).
 */
public record QuorumInfo(int leaderId, int leaderEpoch, long highWatermark, List<ReplicaState> voters, List<ReplicaState> observers) {
    /** One replica; the timestamps are -1 when the leader does not know them. */
    public record ReplicaState(int replicaId, long logEndOffset, long lastFetchTimestamp, long lastCaughtUpTimestamp) {
    }

    /** How many records {@code r} is behind the high watermark (never negative). */
    public long lag(ReplicaState r) {
        return Math.max(0, highWatermark - r.logEndOffset());
    }
}
