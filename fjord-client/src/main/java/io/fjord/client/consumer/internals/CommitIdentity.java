package io.fjord.client.consumer.internals;

/**
 * Who an OffsetCommit speaks for: the member id and the classic generation or (consumer protocol) the member
 * epoch, whether a rebalance forbids a synchronous commit now, and what a refusal means for the membership.
 * Implemented over {@link GroupMembership} for the classic protocol and over {@link ConsumerGroupMembership} for
 * KIP-848, so {@link OffsetCommitter} serves both.
 */
public interface CommitIdentity {
    /** The generation or member epoch and the member id a commit carries now (generation -1: not a member). */
    record Snapshot(int generationOrEpoch, String memberId) {
    }

    Snapshot snapshot();

    /** True while a member may auto-commit (in its generation with a current assignment). */
    boolean stable();

    /** True while a synchronous commit must wait for poll() to finish a rebalance (RebalanceInProgressException). */
    boolean rebalancing();

    /**
     * A commit made as {@code sent} was refused with {@code code} (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
     * REBALANCE_IN_PROGRESS, FENCED_MEMBER_EPOCH, STALE_MEMBER_EPOCH): adjust the membership if it still is that one.
     */
    void commitRefused(Snapshot sent, short code);

    /** True for the codes that mean "the group moved on without this commit" (CommitFailedException). */
    static boolean isRebalanceError(short code) {
        return code == 22 || code == 25 || code == 27 || code == 110 || code == 113;
    }

    /** The classic protocol's identity. */
    static CommitIdentity classic(GroupMembership membership) {
        return new CommitIdentity() {
            @Override
            public Snapshot snapshot() {
                synchronized (membership) {
                    int gen = membership.generation();
                    return new Snapshot(gen, gen < 0 ? GroupMembership.NO_MEMBER : membership.memberId());
                }
            }

            @Override
            public boolean stable() {
                return membership.state() == MemberState.STABLE;
            }

            @Override
            public boolean rebalancing() {
                MemberState s = membership.state();
                return s == MemberState.JOINING || s == MemberState.SYNCING;
            }

            @Override
            public void commitRefused(Snapshot sent, short code) {
                synchronized (membership) {
                    // Only a commit of the current generation says this member was fenced.
                    int gen = sent.generationOrEpoch();
                    if (gen >= 0 && gen == membership.generation() && membership.state() == MemberState.STABLE) {
                        if (code == 25) membership.resetGeneration(true);
                        else if (code == 22) membership.resetGeneration(false);
                        else membership.requestRejoin();
                    }
                }
            }
        };
    }
}
