package io.fjord.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.storage.EpochEndOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The leader's follower bookkeeping and the divergence rules, on a manual clock. */
class IsrTrackerTest {
    private static final long LAG = 10_000;

    @Test
    void highWatermarkIsTheSmallestLogEndOfTheIsrAndWaitsForUnknownFollowers() {
        IsrTracker t = new IsrTracker(1, List.of(1, 2, 3), List.of(1, 2, 3), 0, 100, 0);
        assertThat(t.highWatermarkBound(120)).isEqualTo(IsrTracker.UNKNOWN); // nobody has fetched yet
        t.onFollowerFetch(2, 110, 120, 1);
        assertThat(t.highWatermarkBound(120)).isEqualTo(IsrTracker.UNKNOWN);
        t.onFollowerFetch(3, 105, 120, 2);
        assertThat(t.highWatermarkBound(120)).isEqualTo(105);
        t.onFollowerFetch(3, 120, 120, 3);
        assertThat(t.highWatermarkBound(120)).isEqualTo(110);
    }

    @Test
    void aFollowerOutsideTheIsrDoesNotHoldTheHighWatermarkBack() {
        IsrTracker t = new IsrTracker(1, List.of(1, 2, 3), List.of(1, 2), 0, 0, 0);
        t.onFollowerFetch(2, 50, 50, 1);
        assertThat(t.highWatermarkBound(50)).isEqualTo(50);
        t.onFollowerFetch(3, 10, 50, 1);
        assertThat(t.highWatermarkBound(50)).isEqualTo(50);
    }

    @Test
    void laggingFollowersAreProposedOutAndStillCountUntilTheControllerCommits() {
        IsrTracker t = new IsrTracker(1, List.of(1, 2, 3), List.of(1, 2, 3), 4, 0, 0);
        t.onFollowerFetch(2, 0, 0, 0);
        t.onFollowerFetch(3, 0, 0, 0);
        // 2 keeps up with a moving log end; 3 stops fetching.
        for (long now = 1000; now <= 12_000; now += 1000) t.onFollowerFetch(2, now / 1000 * 10, now / 1000 * 10, now);
        assertThat(t.shrinkProposal(5_000, LAG)).isNull();
        List<Integer> next = t.shrinkProposal(12_000, LAG);
        assertThat(next).containsExactly(1, 2);
        t.propose(next);
        assertThat(t.maximalIsr()).containsExactly(1, 2, 3); // a pending shrink removes nobody yet
        assertThat(t.highWatermarkBound(120)).isEqualTo(0);
        assertThat(t.shrinkProposal(13_000, LAG)).isNull(); // one change at a time
        assertThatThrownBy(() -> t.propose(List.of(1))).isInstanceOf(IllegalStateException.class);
        t.onCommitted(List.of(1, 2, 3), List.of(1, 2), 5, 13_000);
        assertThat(t.hasPendingChange()).isFalse();
        assertThat(t.highWatermarkBound(120)).isEqualTo(120);
    }

    @Test
    void aFollowerThatKeepsUpWithABusyLeaderIsNotLagging() {
        IsrTracker t = new IsrTracker(1, List.of(1, 2), List.of(1, 2), 0, 0, 0);
        // Each fetch reaches the log end of the previous fetch, never the current one.
        long leo = 0;
        for (long now = 0; now <= 60_000; now += 500) {
            long fetch = leo;
            leo += 100;
            t.onFollowerFetch(2, fetch, leo, now);
        }
        assertThat(t.shrinkProposal(60_000, LAG)).isNull();
    }

    @Test
    void aReplicaJoinsOnceItReachesTheHighWatermarkAndTheEpochStart() {
        IsrTracker t = new IsrTracker(1, List.of(1, 2, 3), List.of(1, 2), 0, 200, 0);
        t.onFollowerFetch(3, 150, 250, 1);
        assertThat(t.expandProposal(3, 100)).isNull(); // below where this leader's epoch began
        t.onFollowerFetch(3, 210, 250, 2);
        assertThat(t.expandProposal(3, 220)).isNull(); // below the high watermark
        assertThat(t.expandProposal(3, 205)).containsExactly(1, 2, 3);
        t.propose(List.of(1, 2, 3));
        assertThat(t.maximalIsr()).containsExactly(1, 2, 3); // a pending expansion counts at once
        t.onFollowerFetch(2, 250, 250, 3);
        assertThat(t.highWatermarkBound(250)).isEqualTo(210);
        t.proposalFailed();
        assertThat(t.maximalIsr()).containsExactly(1, 2);
    }

    @Test
    void olderCommittedStatesAreIgnored() {
        IsrTracker t = new IsrTracker(1, List.of(1, 2), List.of(1, 2), 7, 0, 0);
        assertThat(t.onCommitted(List.of(1, 2), List.of(1), 6, 0)).isFalse();
        assertThat(t.committedIsr()).containsExactly(1, 2);
        assertThat(t.onFollowerFetch(9, 0, 0, 0)).isFalse(); // not a replica
    }

    @Test
    void divergenceIsFoundFromEpochs() {
        // Follower's last batch is epoch 3, at offset 120; the leader's epoch 3 ended at 100.
        assertThat(Divergence.check(new EpochEndOffset(3, 100), 3, 120)).isEqualTo(new EpochEndOffset(3, 100));
        // The leader never had epoch 4: its largest epoch below is 3, ending at 150.
        assertThat(Divergence.check(new EpochEndOffset(3, 150), 4, 140)).isEqualTo(new EpochEndOffset(3, 150));
        // A prefix of the leader's log.
        assertThat(Divergence.check(new EpochEndOffset(3, 150), 3, 120)).isNull();
        assertThat(Divergence.check(new EpochEndOffset(-1, -1), -1, 0)).isNull();
        // The follower cuts where both histories agree.
        assertThat(Divergence.truncationOffset(new EpochEndOffset(3, 100), new EpochEndOffset(3, 120), 130)).isEqualTo(100);
        assertThat(Divergence.truncationOffset(new EpochEndOffset(3, 150), new EpochEndOffset(2, 90), 140)).isEqualTo(90);
        assertThat(Divergence.truncationOffset(new EpochEndOffset(5, 300), new EpochEndOffset(5, 250), 260)).isEqualTo(250);
    }
}
