package io.fjord.broker.replica;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The leader's view of its followers for one partition, and the rules that follow from it — pure (no I/O, no
 * clock of its own: every call is given the time), so the broker and the replication simulation run the same
 * code.
 *
 * <ul>
 *   <li><b>Follower progress.</b> Each follower fetch reports the follower's log end offset (the fetch offset).
 *       A follower is <i>caught up</i> at the time of a fetch that asked for the leader's log end; it also counts
 *       as caught up at its previous fetch time if this fetch reached the leader's log end of that previous
 *       fetch (so a follower that keeps up with a busy leader is never seen as lagging).</li>
 *   <li><b>ISR state.</b> The committed ISR comes from the metadata (with its partition epoch). At most one
 *       change is in flight to the controller. While an expansion is pending the new member already counts
 *       for the high watermark; while a shrink is pending the leaving member still counts. So the set that
 *       bounds the high watermark — the <i>maximal</i> ISR — always contains every replica that is, or may
 *       become, a committed ISR member, and a leader that cannot reach the controller cannot shrink its way to
 *       acknowledging writes alone.</li>
 *   <li><b>High watermark.</b> The smallest log end offset over the maximal ISR (the leader's own included); a
 *       follower whose log end is not known yet (new leader) holds it back. The caller only moves it forward.</li>
 *   <li><b>Shrink:</b> an ISR follower not caught up for {@code replica.lag.time.max.ms} leaves.
 *       <b>Expand:</b> a replica outside the ISR joins once its log end reaches both the high watermark and the
 *       offset where this leader's epoch began (it then holds everything this leader may have acknowledged).</li>
 * </ul>
 *
 * <p>Not thread-safe: owned by its {@link Partition}, used under the partition's lock.
 */
public final class IsrTracker {
    /** Unknown log end offset (a new leader has not heard from the follower yet). */
    public static final long UNKNOWN = -1L;

    private static final class Follower {
        long logEndOffset = UNKNOWN;
        long lastCaughtUpTimeMs;
        long lastFetchLeaderLogEndOffset = UNKNOWN;
        long lastFetchTimeMs;
        /** The broker epoch the follower last fetched with (-1: unknown), passed on in ISR proposals (KIP-903). */
        long brokerEpoch = -1;
    }

    private final int leaderId;
    private final long leaderEpochStartOffset;
    private final Map<Integer, Follower> followers = new HashMap<>();
    private List<Integer> replicas;
    private List<Integer> committedIsr;
    private int partitionEpoch;
    /** The ISR proposed to the controller and not yet answered, or null. */
    private List<Integer> pendingIsr;
    /** The partition epoch the pending proposal was based on; any later committed state settles it. */
    private int pendingBaseEpoch;

    /**
     * A new leadership: followers in the ISR are given a full lag period from {@code nowMs} to show up, as
     * the previous leader vouched for them.
     */
    public IsrTracker(int leaderId, List<Integer> replicas, List<Integer> isr, int partitionEpoch,
                      long leaderEpochStartOffset, long nowMs) {
        this.leaderId = leaderId;
        this.leaderEpochStartOffset = leaderEpochStartOffset;
        this.partitionEpoch = partitionEpoch;
        this.committedIsr = List.copyOf(isr);
        setReplicas(replicas, nowMs);
    }

    private void setReplicas(List<Integer> replicas, long nowMs) {
        this.replicas = List.copyOf(replicas);
        for (int r : replicas) {
            if (r == leaderId) continue;
            followers.computeIfAbsent(r, k -> {
                Follower f = new Follower();
                f.lastCaughtUpTimeMs = committedIsr.contains(r) ? nowMs : 0;
                return f;
            });
        }
        followers.keySet().retainAll(replicas);
    }

    public int leaderId() {
        return leaderId;
    }

    public long leaderEpochStartOffset() {
        return leaderEpochStartOffset;
    }

    public List<Integer> committedIsr() {
        return committedIsr;
    }

    public int partitionEpoch() {
        return partitionEpoch;
    }

    public boolean hasPendingChange() {
        return pendingIsr != null;
    }

    public List<Integer> pendingIsr() {
        return pendingIsr;
    }

    public boolean isReplica(int id) {
        return replicas.contains(id);
    }

    /** The committed ISR plus the member a pending expansion adds (a pending shrink removes nobody yet). */
    public Set<Integer> maximalIsr() {
        Set<Integer> s = new LinkedHashSet<>(committedIsr);
        if (pendingIsr != null) s.addAll(pendingIsr);
        return s;
    }

    public long followerLogEndOffset(int id) {
        Follower f = followers.get(id);
        return f == null ? UNKNOWN : f.logEndOffset;
    }

    public long lastCaughtUpTimeMs(int id) {
        Follower f = followers.get(id);
        return f == null ? 0 : f.lastCaughtUpTimeMs;
    }

    /**
     * Records a follower fetch at {@code fetchOffset} (its log end) while the leader's log ends at
     * {@code leaderLogEndOffset}. Returns false if {@code id} is not a replica of this partition.
     */
    public boolean onFollowerFetch(int id, long fetchOffset, long leaderLogEndOffset, long nowMs) {
        return onFollowerFetch(id, fetchOffset, leaderLogEndOffset, nowMs, -1);
    }

    /** As {@link #onFollowerFetch(int, long, long, long)}, remembering the broker epoch the follower fetched with. */
    public boolean onFollowerFetch(int id, long fetchOffset, long leaderLogEndOffset, long nowMs, long brokerEpoch) {
        Follower f = followers.get(id);
        if (f == null) return false;
        if (brokerEpoch >= 0) f.brokerEpoch = brokerEpoch;
        if (fetchOffset >= leaderLogEndOffset) {
            f.lastCaughtUpTimeMs = Math.max(f.lastCaughtUpTimeMs, nowMs);
        } else if (f.lastFetchLeaderLogEndOffset != UNKNOWN && fetchOffset >= f.lastFetchLeaderLogEndOffset) {
            f.lastCaughtUpTimeMs = Math.max(f.lastCaughtUpTimeMs, f.lastFetchTimeMs);
        }
        f.logEndOffset = fetchOffset;
        f.lastFetchLeaderLogEndOffset = leaderLogEndOffset;
        f.lastFetchTimeMs = nowMs;
        return true;
    }

    /** The high watermark the ISR allows: the smallest log end over the maximal ISR (the leader's included). */
    public long highWatermarkBound(long leaderLogEndOffset) {
        // Called on every append and follower fetch: walks the committed ISR and the pending one in place rather
        // than building the maximal set (a member in both is simply counted twice, which changes no minimum).
        long hw = bound(committedIsr, leaderLogEndOffset);
        return pendingIsr == null || hw == UNKNOWN ? hw : bound(pendingIsr, hw);
    }

    private long bound(List<Integer> members, long hw) {
        for (int i = 0; i < members.size(); i++) {
            int id = members.get(i);
            if (id == leaderId) continue;
            Follower f = followers.get(id);
            long leo = f == null ? UNKNOWN : f.logEndOffset;
            if (leo == UNKNOWN) return UNKNOWN;
            hw = Math.min(hw, leo);
        }
        return hw;
    }

    /** The ISR without the followers that have not caught up for {@code lagMs}, or null if nobody lags (or a change is pending). */
    public List<Integer> shrinkProposal(long nowMs, long lagMs) {
        if (pendingIsr != null) return null;
        List<Integer> keep = new ArrayList<>();
        boolean changed = false;
        for (int id : committedIsr) {
            Follower f = followers.get(id);
            if (id != leaderId && (f == null || nowMs - f.lastCaughtUpTimeMs > lagMs)) {
                changed = true;
            } else {
                keep.add(id);
            }
        }
        return changed ? keep : null;
    }

    /** The ISR with {@code id} added if it is now in sync (see the class comment), or null. */
    public List<Integer> expandProposal(int id, long highWatermark) {
        if (pendingIsr != null || committedIsr.contains(id) || !replicas.contains(id)) return null;
        Follower f = followers.get(id);
        if (f == null || f.logEndOffset == UNKNOWN) return null;
        if (f.logEndOffset < highWatermark || f.logEndOffset < leaderEpochStartOffset) return null;
        List<Integer> next = new ArrayList<>(committedIsr);
        next.add(id);
        return next;
    }

    /** The broker epochs last seen from {@code members} (those known), for the controller to check (KIP-903). */
    public Map<Integer, Long> brokerEpochsOf(List<Integer> members) {
        Map<Integer, Long> out = new HashMap<>();
        for (int m : members) {
            Follower f = followers.get(m);
            if (f != null && f.brokerEpoch >= 0) out.put(m, f.brokerEpoch);
        }
        return out;
    }

    /** A proposal went to the controller. */
    public void propose(List<Integer> isr) {
        if (pendingIsr != null) throw new IllegalStateException("an ISR change is already pending: " + pendingIsr);
        pendingIsr = List.copyOf(isr);
        pendingBaseEpoch = partitionEpoch;
    }

    /** The controller refused or could not be reached: the committed ISR stands, a new proposal may follow. */
    public void proposalFailed() {
        pendingIsr = null;
    }

    /**
     * The metadata now says {@code isr} at {@code partitionEpoch} (same leader epoch). Older states are ignored;
     * any newer one settles the pending change, whatever it was.
     */
    public boolean onCommitted(List<Integer> replicas, List<Integer> isr, int partitionEpoch, long nowMs) {
        if (partitionEpoch < this.partitionEpoch) return false;
        this.partitionEpoch = partitionEpoch;
        this.committedIsr = List.copyOf(isr);
        if (pendingIsr != null && partitionEpoch > pendingBaseEpoch) pendingIsr = null;
        setReplicas(replicas, nowMs);
        return true;
    }
}
