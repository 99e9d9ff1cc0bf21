package io.fjord.broker.replica;

import io.fjord.storage.EpochEndOffset;

/**
 * Where a follower's log stops agreeing with its leader's, decided from leader epochs alone (Kafka's
 * truncation-on-fetch, KIP-595/KIP-320 semantics). Pure functions, shared by the fetch path and the simulation.
 *
 * <p>A follower fetching at {@code fetchOffset} says the epoch of its last batch ({@code lastFetchedEpoch}). The
 * leader looks up the end of that epoch in its own history: if its history has no such epoch (it answers an
 * older one) or the epoch ended before {@code fetchOffset}, the follower's tail from there on was never the
 * leader's, and the leader answers that end instead of records (a <i>diverging epoch</i>). The follower then
 * cuts its log where the two histories last agree and fetches again.
 */
public final class Divergence {
    private Divergence() {
    }

    /**
     * The leader's side: {@code leaderEnd} is the leader's end offset for {@code lastFetchedEpoch}. Returns the
     * diverging epoch to send, or null if the follower's log is a prefix of the leader's.
     */
    public static EpochEndOffset check(EpochEndOffset leaderEnd, int lastFetchedEpoch, long fetchOffset) {
        if (lastFetchedEpoch < 0) return null; // an empty follower log (or an old client): nothing to compare
        if (leaderEnd.epoch() < lastFetchedEpoch || leaderEnd.endOffset() < fetchOffset) return leaderEnd;
        return null;
    }

    /**
     * The follower's side: where to truncate given the leader's diverging epoch and the follower's own end offset
     * for that epoch ({@code followerEnd}, looked up with the diverging epoch). If the follower has the same
     * epoch, the histories agree up to the smaller of the two ends. If it does not, its history for that range
     * ended earlier; cut there and let the next fetch compare again (each round moves to an older epoch, so this
     * ends). An unknown epoch on either side (-1) cuts to the leader's end (or keeps nothing the leader lacks).
     */
    public static long truncationOffset(EpochEndOffset diverging, EpochEndOffset followerEnd, long followerLogEnd) {
        long cut;
        if (diverging.epoch() < 0 || diverging.endOffset() < 0) {
            cut = Math.max(0, diverging.endOffset());
        } else if (followerEnd.epoch() < 0 || followerEnd.endOffset() < 0) {
            cut = diverging.endOffset();
        } else {
            // Same epoch: both logs hold it up to their own ends. An older epoch on the follower: its data from
            // followerEnd on is of a newer epoch than the leader's there. Either way nothing past the smaller
            // end is shared; a different epoch may need another round, which the next fetch does.
            cut = Math.min(diverging.endOffset(), followerEnd.endOffset());
        }
        return Math.min(cut, followerLogEnd);
    }
}
