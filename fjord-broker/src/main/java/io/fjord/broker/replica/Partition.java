package io.fjord.broker.replica;

import io.fjord.metadata.PartitionState;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.storage.EpochEndOffset;
import io.fjord.storage.LogAppendResult;
import io.fjord.storage.LogReadResult;
import io.fjord.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;

/**
 * A partition this broker holds a replica of: its log, its replica state from the cluster image, and its role.
 *
 * <p>Roles and transitions (one method each; the state from the metadata carries the leader epoch, and a state
 * older than the one applied — lower leader epoch, or the same epoch with a lower partition epoch — is ignored):
 * <pre>
 *   NONE     --makeLeader--> LEADER      NONE   --makeFollower--> FOLLOWER   (the first state applied)
 *   FOLLOWER --makeLeader--> LEADER      LEADER --makeFollower--> FOLLOWER
 *   LEADER   --makeLeader (new epoch, or an ISR change at the same epoch)--> LEADER
 *   FOLLOWER --makeFollower (new epoch or new leader)--> FOLLOWER
 *   any      --markRemoved--> REMOVED    (the replica left the partition; nothing leaves REMOVED)
 * </pre>
 * A partition starts in NONE (opened, no role yet). As LEADER it takes produce appends, serves consumers below the high
 * watermark and followers up to its log end, and tracks its followers ({@link IsrTracker}); the high watermark is
 * the smallest log end over the (maximal) ISR and never moves back. As FOLLOWER it only takes appends from its
 * fetcher, for the leader epoch the fetcher was started with, and learns the high watermark from the leader.
 *
 * <p>Threading: role changes, appends (leader and follower), truncation and follower-progress updates are
 * serialised on this object's monitor; reads are lock-free (the log publishes whole batches only).
 */
public final class Partition {
    public enum Role { NONE, LEADER, FOLLOWER, REMOVED }

    /** What a follower's fetch did at the leader. */
    public record FollowerFetchOutcome(boolean accepted, boolean highWatermarkMoved, List<Integer> expandIsr) {
    }

    private final TopicPartition tp;
    private final UUID topicId;
    private final PartitionLog log;
    private final int localId;
    private volatile PartitionState state;
    private volatile Role role = Role.NONE;
    /** Leader only (guarded by this): followers' progress and the ISR in flight. */
    private IsrTracker isr;

    Partition(TopicPartition tp, UUID topicId, PartitionLog log, PartitionState state, int localId) {
        this.tp = tp;
        this.topicId = topicId;
        this.log = log;
        this.state = state;
        this.localId = localId;
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

    public Role role() {
        return role;
    }

    public boolean isLeader() {
        return role == Role.LEADER;
    }

    public int leaderEpoch() {
        return state.leaderEpoch();
    }

    /** Size of the committed ISR (what min.insync.replicas is checked against). */
    public int inSyncReplicaCount() {
        return state.isr().size();
    }

    public PartitionLog log() {
        return log;
    }

    public long highWatermark() {
        return log.highWatermark();
    }

    public long logStartOffset() {
        return log.logStartOffset();
    }

    public long logEndOffset() {
        return log.logEndOffset();
    }

    /** Where this leader's epoch began in the log (-1 when not leader). */
    public synchronized long leaderEpochStartOffset() {
        return isr == null ? -1 : isr.leaderEpochStartOffset();
    }

    private boolean isStale(PartitionState next) {
        PartitionState cur = state;
        return next.leaderEpoch() < cur.leaderEpoch()
                || (next.leaderEpoch() == cur.leaderEpoch() && next.partitionEpoch() < cur.partitionEpoch());
    }

    /**
     * Becomes (or stays) leader for {@code next}. Returns true if a new leadership began (a new leader epoch, or
     * this broker was not leading): the epoch is then recorded as starting at the log end and every follower's
     * progress is unknown until it fetches.
     */
    synchronized boolean makeLeader(PartitionState next, long nowMs) {
        checkNotRemoved();
        if (next.leader() != localId) throw new IllegalArgumentException("leader of " + next + " is not " + localId);
        if (isStale(next)) return false;
        boolean newLeadership = role != Role.LEADER || isr == null || next.leaderEpoch() > state.leaderEpoch();
        if (newLeadership) {
            log.leaderEpochCache().assign(next.leaderEpoch(), log.logEndOffset());
            isr = new IsrTracker(localId, next.replicas(), next.isr(), next.partitionEpoch(), log.logEndOffset(), nowMs);
        } else {
            isr.onCommitted(next.replicas(), next.isr(), next.partitionEpoch(), nowMs);
        }
        state = next;
        role = Role.LEADER;
        maybeAdvanceHighWatermark();
        return newLeadership;
    }

    /**
     * Becomes (or stays) a follower for {@code next}. Returns true if the leader or its epoch changed (the fetcher
     * must restart for the new leader); false for a mere ISR change or a stale state.
     */
    synchronized boolean makeFollower(PartitionState next) {
        checkNotRemoved();
        if (isStale(next)) return false;
        boolean changed = role != Role.FOLLOWER || next.leaderEpoch() != state.leaderEpoch() || next.leader() != state.leader();
        state = next;
        role = Role.FOLLOWER;
        isr = null;
        return changed;
    }

    /** The replica left this partition (reassignment or topic deletion): no further appends or reads. */
    synchronized void markRemoved() {
        role = Role.REMOVED;
        isr = null;
    }

    private void checkNotRemoved() {
        if (role == Role.REMOVED) throw new IllegalStateException(tp + " was removed from this broker");
    }

    // ------------------------------------------------------------------ leader

    /**
     * Appends validated batches as leader, stamping the current leader epoch into each batch header under the
     * same lock as the role check (the field is outside the CRC), so no batch carries an epoch other than the one
     * it was appended in.
     */
    LogAppendResult appendAsLeader(ByteBuffer batches) {
        return appendAsLeader(batches, io.fjord.storage.ProducerStateManager.NO_GUARD);
    }

    /** As {@link #appendAsLeader(ByteBuffer)} with a KIP-890 verification guard ({@code PartitionLog#append(ByteBuffer, long)}). */
    LogAppendResult appendAsLeader(ByteBuffer batches, long verificationGuard) {
        synchronized (this) {
            if (role != Role.LEADER) throw new NotLeaderException(tp + " is not led by this broker");
            int epoch = state.leaderEpoch();
            for (int p = batches.position(); p + RecordBatch.LOG_OVERHEAD <= batches.limit(); p += RecordBatch.sizeInBytes(batches, p)) {
                RecordBatch.setPartitionLeaderEpoch(batches, p, epoch);
            }
            LogAppendResult r = log.append(batches, verificationGuard);
            maybeAdvanceHighWatermark();
            return r;
        }
    }

    /**
     * Appends a COMMIT/ABORT marker for a producer as leader (WriteTxnMarkers), stamped with the current leader
     * epoch under the same lock as the role check.
     *
     * @throws NotLeaderException                     if this broker does not lead the partition
     * @throws io.fjord.storage.ProducerStateException if the producer-state checks refuse the marker
     */
    LogAppendResult appendMarkerAsLeader(long producerId, short producerEpoch, boolean commit, int coordinatorEpoch,
                                         int transactionVersion) {
        synchronized (this) {
            if (role != Role.LEADER) throw new NotLeaderException(tp + " is not led by this broker");
            LogAppendResult r = log.appendMarker(producerId, producerEpoch, commit, coordinatorEpoch, transactionVersion,
                    state.leaderEpoch());
            maybeAdvanceHighWatermark();
            return r;
        }
    }

    /** Moves the high watermark to what the ISR allows; true if it moved. Caller holds the lock. */
    private boolean maybeAdvanceHighWatermark() {
        if (isr == null) return false;
        long bound = isr.highWatermarkBound(log.logEndOffset());
        if (bound > log.highWatermark()) {
            log.updateHighWatermark(bound);
            return true;
        }
        return false;
    }

    /**
     * A follower fetched at {@code fetchOffset} (its log end). Updates its progress, maybe the high watermark, and
     * says whether it may now join the ISR.
     */
    synchronized FollowerFetchOutcome onFollowerFetch(int replicaId, long fetchOffset, long nowMs, long brokerEpoch) {
        if (role != Role.LEADER || isr == null) return new FollowerFetchOutcome(false, false, null);
        if (!isr.onFollowerFetch(replicaId, fetchOffset, log.logEndOffset(), nowMs, brokerEpoch)) {
            return new FollowerFetchOutcome(false, false, null);
        }
        boolean moved = maybeAdvanceHighWatermark();
        List<Integer> expand = isr.expandProposal(replicaId, log.highWatermark());
        if (expand != null) isr.propose(expand);
        return new FollowerFetchOutcome(true, moved, expand);
    }

    /** True if {@code replicaId} is a replica of this partition as its leader knows it. */
    synchronized boolean hasReplica(int replicaId) {
        return state.replicas().contains(replicaId);
    }

    /** The ISR without lagging followers, now proposed (pending), or null if nobody lags or a change is pending. */
    synchronized IsrProposal maybeShrinkIsr(long nowMs, long lagMs) {
        if (role != Role.LEADER || isr == null) return null;
        List<Integer> next = isr.shrinkProposal(nowMs, lagMs);
        if (next == null) return null;
        isr.propose(next);
        return new IsrProposal(state.leaderEpoch(), isr.partitionEpoch(), next, isr.brokerEpochsOf(next));
    }

    /** A proposal about to be sent: the epochs it was based on, and the broker epochs its members fetched with. */
    public record IsrProposal(int leaderEpoch, int partitionEpoch, List<Integer> isr, java.util.Map<Integer, Long> brokerEpochs) {
    }

    synchronized IsrProposal pendingProposal() {
        if (isr == null || !isr.hasPendingChange()) return null;
        return new IsrProposal(state.leaderEpoch(), isr.partitionEpoch(), isr.pendingIsr(), isr.brokerEpochsOf(isr.pendingIsr()));
    }

    /** The controller refused the proposal or could not be reached. */
    synchronized void onIsrProposalFailed(int leaderEpoch) {
        if (isr != null && state.leaderEpoch() == leaderEpoch) isr.proposalFailed();
    }

    /** The followers' log end offsets as the leader last heard them (replica id to offset; -1 unknown). */
    public synchronized java.util.Map<Integer, Long> followerLogEndOffsets() {
        java.util.Map<Integer, Long> m = new java.util.TreeMap<>();
        if (isr == null) return m;
        for (int r : state.replicas()) if (r != localId) m.put(r, isr.followerLogEndOffset(r));
        return m;
    }

    /** The leader's end offset for {@code epoch} (OffsetForLeaderEpoch and the divergence check). */
    public EpochEndOffset endOffsetForEpoch(int epoch) {
        return log.endOffsetForEpoch(epoch);
    }

    // ------------------------------------------------------------------ follower

    /**
     * Appends batches fetched from the leader of {@code leaderEpoch}; false (nothing written) if this replica
     * moved on meanwhile (became leader, or follows another epoch).
     */
    synchronized boolean appendAsFollower(int leaderEpoch, ByteBuffer batches) {
        if (role != Role.FOLLOWER || state.leaderEpoch() != leaderEpoch) return false;
        log.appendAsFollower(batches);
        return true;
    }

    /** Truncates a diverged tail, if still following {@code leaderEpoch}. */
    synchronized boolean truncateAsFollower(int leaderEpoch, long offset) {
        if (role != Role.FOLLOWER || state.leaderEpoch() != leaderEpoch) return false;
        log.truncateTo(offset);
        return true;
    }

    /** Starts the log afresh at the leader's log start (the follower fell below it). */
    synchronized boolean resetAsFollower(int leaderEpoch, long offset) {
        if (role != Role.FOLLOWER || state.leaderEpoch() != leaderEpoch) return false;
        log.truncateFullyAndStartAt(offset);
        return true;
    }

    /** The leader's high watermark and log start from a fetch response, bounded by what this replica holds. */
    synchronized void onLeaderOffsets(int leaderEpoch, long leaderHighWatermark, long leaderLogStart) {
        if (role != Role.FOLLOWER || state.leaderEpoch() != leaderEpoch) return;
        long hw = Math.min(leaderHighWatermark, log.logEndOffset());
        if (hw > log.highWatermark()) log.updateHighWatermark(hw);
        if (leaderLogStart > log.logStartOffset() && leaderLogStart <= log.highWatermark()) {
            log.maybeIncrementLogStartOffset(leaderLogStart);
        }
    }

    // ------------------------------------------------------------------ reads

    /** Consumer read: up to the high watermark. */
    public LogReadResult read(long offset, int maxBytes, boolean minOneMessage) {
        return log.read(offset, maxBytes, log.highWatermark(), minOneMessage);
    }

    /** read_committed consumer read: up to the last stable offset. */
    public LogReadResult readCommitted(long offset, int maxBytes, boolean minOneMessage) {
        return log.read(offset, maxBytes, log.lastStableOffset(), minOneMessage);
    }

    /** The last stable offset (see {@link PartitionLog#lastStableOffset}). */
    public long lastStableOffset() {
        return log.lastStableOffset();
    }

    /** Follower read: up to the log end. */
    public LogReadResult readForFollower(long offset, int maxBytes, boolean minOneMessage) {
        return log.read(offset, maxBytes, Long.MAX_VALUE, minOneMessage);
    }

    @Override
    public String toString() {
        return tp + " " + role + " " + state;
    }

    /** Thrown when an append reaches a partition that is no longer led here. */
    public static final class NotLeaderException extends RuntimeException {
        NotLeaderException(String message) {
            super(message);
        }
    }
}
