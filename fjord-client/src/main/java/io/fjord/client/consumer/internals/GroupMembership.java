package io.fjord.client.consumer.internals;

/**
 * The member's place in its group (classic protocol): state, member id, generation, the protocol (assignor) the
 * group chose, leadership, and two flags: a rejoin was asked for, and the owned partitions were lost (the
 * generation was fenced, so they go to onPartitionsLost rather than being revoked).
 * <pre>
 *   from              to        by                   when
 *   UNJOINED, STABLE  JOINING   {@link #startJoin}            JoinGroup sent (clears the rejoin flag)
 *   JOINING           SYNCING   {@link #joined}               JoinGroup answered: id, generation, protocol, leader
 *   JOINING           UNJOINED  {@link #joinFailed}           JoinGroup error or lost answer (rejoin at once)
 *   JOINING           UNJOINED  {@link #memberIdRequired}     MEMBER_ID_REQUIRED: rejoin with the id given
 *   SYNCING           STABLE    {@link #synced}               SyncGroup answered with the assignment
 *   SYNCING           UNJOINED  {@link #syncFailed}           SyncGroup error or lost answer
 *   any               UNJOINED  {@link #resetGeneration}      ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, poll timeout: lost
 *   any               UNJOINED  {@link #left}                 LeaveGroup (close, unsubscribe)
 *   any               (same)    {@link #requestRejoin}        REBALANCE_IN_PROGRESS, subscription or metadata change
 * </pre>
 * Any other move throws {@link IllegalStateException}. Thread-safe: the polling thread, the heartbeat thread and
 * the I/O thread's callbacks all change it; compound steps synchronize on this object (it is also the monitor
 * the heartbeat thread waits on).
 */
public final class GroupMembership {
    public static final String NO_MEMBER = "";
    public static final int NO_GENERATION = -1;

    private MemberState state = MemberState.UNJOINED;
    private String memberId = NO_MEMBER;
    private int generation = NO_GENERATION;
    private String protocolName;
    private boolean leader;
    private boolean rejoinNeeded;
    private boolean lost;

    public synchronized MemberState state() {
        return state;
    }

    public synchronized String memberId() {
        return memberId;
    }

    public synchronized int generation() {
        return generation;
    }

    public synchronized String protocolName() {
        return protocolName;
    }

    public synchronized boolean isLeader() {
        return leader;
    }

    public synchronized boolean rejoinNeeded() {
        return rejoinNeeded;
    }

    /** STABLE with no rejoin pending: the assignment is current. */
    public synchronized boolean isStable() {
        return state == MemberState.STABLE && !rejoinNeeded;
    }

    /** Returns and clears the lost flag (the partitions owned now must go to onPartitionsLost). */
    public synchronized boolean takeLost() {
        boolean l = lost;
        lost = false;
        return l;
    }

    public synchronized boolean isLost() {
        return lost;
    }

    /** UNJOINED/STABLE → JOINING; returns the member id to join with. */
    public synchronized String startJoin() {
        if (state != MemberState.UNJOINED && state != MemberState.STABLE) throw illegal("startJoin", MemberState.JOINING);
        state = MemberState.JOINING;
        rejoinNeeded = false;
        return memberId;
    }

    /** JOINING → SYNCING with what the JoinGroup answer said. */
    public synchronized void joined(String newMemberId, int newGeneration, String protocol, boolean isLeader) {
        require(MemberState.JOINING, "joined", MemberState.SYNCING);
        state = MemberState.SYNCING;
        memberId = newMemberId;
        generation = newGeneration;
        protocolName = protocol;
        leader = isLeader;
    }

    /** JOINING → UNJOINED; with {@code forgetMember} (UNKNOWN_MEMBER_ID) the id and generation go too. */
    public synchronized void joinFailed(boolean forgetMember) {
        require(MemberState.JOINING, "joinFailed", MemberState.UNJOINED);
        state = MemberState.UNJOINED;
        if (forgetMember) {
            memberId = NO_MEMBER;
            generation = NO_GENERATION;
        }
    }

    /** JOINING → UNJOINED, keeping the id the coordinator gave for the immediate rejoin. */
    public synchronized void memberIdRequired(String givenId) {
        require(MemberState.JOINING, "memberIdRequired", MemberState.UNJOINED);
        state = MemberState.UNJOINED;
        memberId = givenId;
    }

    /** SYNCING → STABLE. */
    public synchronized void synced() {
        require(MemberState.SYNCING, "synced", MemberState.STABLE);
        state = MemberState.STABLE;
        notifyAll(); // the heartbeat thread starts beating
    }

    /** SYNCING → UNJOINED. */
    public synchronized void syncFailed() {
        require(MemberState.SYNCING, "syncFailed", MemberState.UNJOINED);
        state = MemberState.UNJOINED;
    }

    /** any → UNJOINED: the generation is gone (and with {@code forgetMemberId} the id); owned partitions are lost. */
    public synchronized void resetGeneration(boolean forgetMemberId) {
        if (forgetMemberId) memberId = NO_MEMBER;
        generation = NO_GENERATION;
        leader = false;
        lost = true;
        rejoinNeeded = true;
        state = MemberState.UNJOINED;
    }

    /** any → UNJOINED after LeaveGroup; a static member ({@code keepMemberId}) keeps its id. */
    public synchronized void left(boolean keepMemberId) {
        if (!keepMemberId) memberId = NO_MEMBER;
        generation = NO_GENERATION;
        leader = false;
        rejoinNeeded = true;
        state = MemberState.UNJOINED;
    }

    /** Asks for a rejoin at the next poll; the member stays in its generation until then. Returns true if new. */
    public synchronized boolean requestRejoin() {
        boolean was = rejoinNeeded;
        rejoinNeeded = true;
        return !was;
    }

    private void require(MemberState from, String transition, MemberState to) {
        if (state != from) throw illegal(transition, to);
    }

    private IllegalStateException illegal(String transition, MemberState to) {
        return new IllegalStateException("group membership: illegal transition " + transition + " from " + state + " to " + to);
    }
}
