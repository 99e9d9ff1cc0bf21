package io.fjord.broker.replica.sim;

import io.fjord.broker.replica.IsrTracker;
import io.fjord.metadata.PartitionState;
import io.fjord.storage.EpochCacheFiles;
import io.fjord.storage.EpochEndOffset;
import io.fjord.storage.LeaderEpochFileCache;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One broker's replica of one partition in the simulation. Durable state: the {@link SimLog}, a real
 * {@link LeaderEpochFileCache} (its file in a temp dir) and the checkpointed high watermark. Process state, lost in
 * a crash: the applied partition state, the role, the in-memory high watermark and, as leader, a real
 * {@link IsrTracker}.
 *
 * <p>The role rules are those of {@code io.fjord.broker.replica.Partition}, which cannot be used directly because it
 * is bound to a file-backed {@code PartitionLog}; each method below names the {@code Partition} method it follows.
 * Roles (as in Partition): NONE (a process that has applied no state yet) --makeLeader/makeFollower--> LEADER or
 * FOLLOWER; LEADER --makeFollower--> FOLLOWER --makeLeader--> LEADER.
 *
 * <p>Not thread-safe.
 */
final class SimReplica {
    enum Role { NONE, LEADER, FOLLOWER }

    final int brokerId;
    final int partition;
    final SimLog log = new SimLog();
    private final Path dir;
    private LeaderEpochFileCache cache;
    private long highWatermark;
    private long checkpointedHighWatermark;

    private PartitionState state;
    private Role role = Role.NONE;
    private IsrTracker tracker;

    SimReplica(int brokerId, int partition, Path dir) {
        this.brokerId = brokerId;
        this.partition = partition;
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.cache = EpochCacheFiles.open(dir, 0);
    }

    PartitionState state() {
        return state;
    }

    Role role() {
        return role;
    }

    boolean isLeader() {
        return role == Role.LEADER;
    }

    IsrTracker tracker() {
        return tracker;
    }

    long highWatermark() {
        return highWatermark;
    }

    long logEndOffset() {
        return log.logEndOffset();
    }

    LeaderEpochFileCache cache() {
        return cache;
    }

    int latestEpoch() {
        return cache.latestEpoch().orElse(-1);
    }

    /** Partition.endOffsetForEpoch (PartitionLog answers from its epoch cache and log end). */
    EpochEndOffset endOffsetForEpoch(int epoch) {
        return cache.endOffsetFor(epoch, log.logEndOffset());
    }

    // ------------------------------------------------------------ crash and restart

    /** The process died: all process state goes; a power loss also loses the unflushed tail of the log. */
    void crash(boolean powerLoss) {
        state = null;
        role = Role.NONE;
        tracker = null;
        if (powerLoss) log.loseUnflushed();
    }

    /** A new process loads the log: the high watermark from its checkpoint, the epoch cache from its file. */
    void restart() {
        highWatermark = Math.min(checkpointedHighWatermark, log.logEndOffset());
        cache = EpochCacheFiles.open(dir, log.logEndOffset());
    }

    /** The periodic replication-offset checkpoint (written with an fsync, so it survives a power loss). */
    void checkpointHighWatermark() {
        checkpointedHighWatermark = highWatermark;
    }

    // ------------------------------------------------------------ roles (Partition.isStale/makeLeader/makeFollower)

    private boolean isStale(PartitionState next) {
        PartitionState cur = state;
        if (cur == null) return false;
        return next.leaderEpoch() < cur.leaderEpoch()
                || (next.leaderEpoch() == cur.leaderEpoch() && next.partitionEpoch() < cur.partitionEpoch());
    }

    /** Partition.makeLeader: true if a new leadership began. */
    boolean makeLeader(PartitionState next, long nowMs) {
        if (next.leader() != brokerId) throw new IllegalArgumentException("leader of " + next + " is not " + brokerId);
        if (isStale(next)) return false;
        boolean newLeadership = role != Role.LEADER || tracker == null || next.leaderEpoch() > state.leaderEpoch();
        if (newLeadership) {
            cache.assign(next.leaderEpoch(), log.logEndOffset());
            tracker = new IsrTracker(brokerId, next.replicas(), next.isr(), next.partitionEpoch(), log.logEndOffset(), nowMs);
        } else {
            tracker.onCommitted(next.replicas(), next.isr(), next.partitionEpoch(), nowMs);
        }
        state = next;
        role = Role.LEADER;
        maybeAdvanceHighWatermark();
        return newLeadership;
    }

    /** Partition.makeFollower: true if the leader or its epoch changed (the fetcher restarts). */
    boolean makeFollower(PartitionState next) {
        if (isStale(next)) return false;
        boolean changed = role != Role.FOLLOWER || state == null || next.leaderEpoch() != state.leaderEpoch()
                || next.leader() != state.leader();
        state = next;
        role = Role.FOLLOWER;
        tracker = null;
        return changed;
    }

    // ------------------------------------------------------------ leader

    /** Partition.appendAsLeader: the batch carries the current leader epoch. */
    SimLog.Batch appendAsLeader(int count, long id) {
        if (role != Role.LEADER) throw new IllegalStateException("not leader");
        SimLog.Batch b = new SimLog.Batch(log.logEndOffset(), count, state.leaderEpoch(), id);
        assignEpochIfNewer(b);
        log.append(b);
        maybeAdvanceHighWatermark();
        return b;
    }

    /** PartitionLog's append: a batch of an epoch newer than the cache's latest starts that epoch (before the write). */
    private void assignEpochIfNewer(SimLog.Batch b) {
        if (b.leaderEpoch() > latestEpoch()) cache.assign(b.leaderEpoch(), b.baseOffset());
    }

    /** Partition.maybeAdvanceHighWatermark: forward only, to the tracker's bound. */
    boolean maybeAdvanceHighWatermark() {
        if (tracker == null) return false;
        long bound = tracker.highWatermarkBound(log.logEndOffset());
        if (bound > highWatermark) {
            highWatermark = Math.min(bound, log.logEndOffset());
            return true;
        }
        return false;
    }

    /** Partition.onFollowerFetch: returns the ISR expansion now proposed, or null. */
    List<Integer> onFollowerFetch(int replicaId, long fetchOffset, long nowMs) {
        if (role != Role.LEADER || tracker == null) return null;
        if (!tracker.onFollowerFetch(replicaId, fetchOffset, log.logEndOffset(), nowMs)) return null;
        maybeAdvanceHighWatermark();
        List<Integer> expand = tracker.expandProposal(replicaId, highWatermark);
        if (expand != null) tracker.propose(expand);
        return expand;
    }

    /** Partition.maybeShrinkIsr: the shrink now proposed, or null. */
    List<Integer> maybeShrinkIsr(long nowMs, long lagMs) {
        if (role != Role.LEADER || tracker == null) return null;
        List<Integer> next = tracker.shrinkProposal(nowMs, lagMs);
        if (next == null) return null;
        tracker.propose(next);
        return next;
    }

    /** Partition.onIsrProposalFailed. */
    void onIsrProposalFailed(int leaderEpoch) {
        if (tracker != null && state.leaderEpoch() == leaderEpoch) tracker.proposalFailed();
    }

    // ------------------------------------------------------------ follower

    private boolean followingEpoch(int leaderEpoch) {
        return role == Role.FOLLOWER && state != null && state.leaderEpoch() == leaderEpoch;
    }

    /** Partition.appendAsFollower: the leader's batches, offsets and epochs kept. */
    boolean appendAsFollower(int leaderEpoch, List<SimLog.Batch> batches) {
        if (!followingEpoch(leaderEpoch)) return false;
        for (SimLog.Batch b : batches) {
            assignEpochIfNewer(b);
            log.append(b);
        }
        return true;
    }

    /** Partition.truncateAsFollower (PartitionLog.truncateTo: data first, then the cache; HW clamped to the end). */
    boolean truncateAsFollower(int leaderEpoch, long offset) {
        if (!followingEpoch(leaderEpoch)) return false;
        if (offset >= log.logEndOffset()) return true;
        log.truncateTo(offset);
        cache.truncateFromEnd(log.logEndOffset());
        highWatermark = Math.min(highWatermark, log.logEndOffset());
        return true;
    }

    /** Partition.onLeaderOffsets: follower HW = max(own, min(leader HW, log end)). */
    void onLeaderOffsets(int leaderEpoch, long leaderHighWatermark) {
        if (!followingEpoch(leaderEpoch)) return;
        long hw = Math.min(leaderHighWatermark, log.logEndOffset());
        if (hw > highWatermark) highWatermark = hw;
    }

    @Override
    public String toString() {
        return "b" + brokerId + "/p" + partition + " " + role + " " + state + " hw=" + highWatermark + " leo="
                + log.logEndOffset() + " flushed=" + log.flushedOffset() + " epochs=" + cache.entries();
    }
}
