package io.fjord.client.consumer.internals;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * A member of a group on the consumer group protocol (KIP-848, ConsumerGroupHeartbeat): its state, member id and
 * epoch, the assignment the coordinator targets and the one the member owns (both by topic id), and when the next
 * heartbeat is due (the interval the coordinator answers with). Pure: time is passed in, no I/O, so every move is
 * unit-tested on a manual clock; {@link ConsumerGroupMember} sends the heartbeats and runs the reconciliation.
 * <pre>
 *   from                                   to               by
 *   UNSUBSCRIBED, STALE                    JOINING          {@link #join}: heartbeat with epoch 0
 *   FENCED                                 JOINING          {@link #rejoinAfterFenced}: lost partitions released
 *   JOINING, RECONCILING, ACKNOWLEDGING,   RECONCILING      {@link #onHeartbeat}: a target that differs from owned
 *   STABLE
 *   JOINING, ACKNOWLEDGING                 STABLE           {@link #onHeartbeat}: the target is what is owned
 *   RECONCILING                            ACKNOWLEDGING    {@link #reconciled}: revoked, then assigned; tell the broker
 *   JOINING .. STABLE, PREPARE_LEAVING     FENCED           {@link #onHeartbeatError}: FENCED_MEMBER_EPOCH, UNKNOWN_MEMBER_ID
 *   JOINING .. STABLE, FENCED              PREPARE_LEAVING  {@link #leave}: close or unsubscribe (revocation first)
 *   PREPARE_LEAVING                        LEAVING          {@link #readyToLeave}: heartbeat with epoch -1 (-2 static)
 *   PREPARE_LEAVING, LEAVING, FENCED,      UNSUBSCRIBED     {@link #readyToLeave} (never joined) / leave answered
 *   STALE
 *   JOINING .. STABLE                      LEAVING          {@link #pollTimedOut}: max.poll.interval.ms passed
 *   LEAVING (after a poll timeout)         STALE            leave answered; the next poll rejoins
 *   any but FATAL                          FATAL            an error no retry cures (e.g. GROUP_MAX_SIZE_REACHED)
 * </pre>
 * Any other move throws {@link IllegalStateException}. Thread-safe (its own monitor): the heartbeat thread, the I/O
 * thread's callbacks and the polling thread all use it.
 */
public final class ConsumerGroupMembership {
    /** The member's states, as Kafka's consumer names them. */
    public enum State {
        UNSUBSCRIBED, JOINING, RECONCILING, ACKNOWLEDGING, STABLE, FENCED, PREPARE_LEAVING, LEAVING, STALE, FATAL
    }

    public static final int JOIN_EPOCH = 0;
    public static final int LEAVE_EPOCH = -1;
    public static final int STATIC_LEAVE_EPOCH = -2;
    static final short UNKNOWN_MEMBER_ID = 25;
    static final short FENCED_MEMBER_EPOCH = 110;

    private static final Map<State, Set<State>> NEXT = Map.of(
            State.UNSUBSCRIBED, EnumSet.of(State.JOINING, State.FATAL),
            State.JOINING, EnumSet.of(State.RECONCILING, State.STABLE, State.FENCED, State.PREPARE_LEAVING, State.LEAVING, State.FATAL),
            State.RECONCILING, EnumSet.of(State.RECONCILING, State.ACKNOWLEDGING, State.FENCED, State.PREPARE_LEAVING,
                    State.LEAVING, State.FATAL),
            State.ACKNOWLEDGING, EnumSet.of(State.STABLE, State.RECONCILING, State.FENCED, State.PREPARE_LEAVING,
                    State.LEAVING, State.FATAL),
            State.STABLE, EnumSet.of(State.RECONCILING, State.FENCED, State.PREPARE_LEAVING, State.LEAVING, State.FATAL),
            State.FENCED, EnumSet.of(State.JOINING, State.PREPARE_LEAVING, State.UNSUBSCRIBED, State.FATAL),
            State.PREPARE_LEAVING, EnumSet.of(State.LEAVING, State.UNSUBSCRIBED, State.FENCED, State.FATAL),
            State.LEAVING, EnumSet.of(State.UNSUBSCRIBED, State.STALE, State.FATAL),
            State.STALE, EnumSet.of(State.JOINING, State.UNSUBSCRIBED, State.FATAL),
            State.FATAL, EnumSet.noneOf(State.class));

    private final String memberId;
    private final boolean staticMember;
    private State state = State.UNSUBSCRIBED;
    private int memberEpoch = JOIN_EPOCH;
    private long heartbeatIntervalMs;
    private long nextHeartbeatMs;
    private boolean inFlight;
    private boolean leavingForPollTimeout;
    /** The coordinator's last assignment for this member, or null before the first one. */
    private Map<UUID, Set<Integer>> target;
    private Map<UUID, Set<Integer>> owned = Map.of();

    /** The member id is the client's own (ConsumerGroupHeartbeat v1 lets the client choose it, as Kafka's does). */
    public ConsumerGroupMembership(String memberId, boolean staticMember, long initialHeartbeatIntervalMs) {
        this.memberId = memberId;
        this.staticMember = staticMember;
        this.heartbeatIntervalMs = initialHeartbeatIntervalMs;
    }

    public synchronized State state() {
        return state;
    }

    public synchronized String memberId() {
        return memberId;
    }

    public synchronized int memberEpoch() {
        return memberEpoch;
    }

    public synchronized long heartbeatIntervalMs() {
        return heartbeatIntervalMs;
    }

    public synchronized Map<UUID, Set<Integer>> owned() {
        return owned;
    }

    /** The target assignment while it differs from what is owned (RECONCILING), else null. */
    public synchronized Map<UUID, Set<Integer>> pendingTarget() {
        return state == State.RECONCILING ? target : null;
    }

    /** In a group with an epoch the broker knows: commits carry it (also while preparing to leave: the last commit). */
    public synchronized boolean isMember() {
        return memberEpoch > 0 && (state == State.STABLE || state == State.RECONCILING || state == State.ACKNOWLEDGING
                || state == State.PREPARE_LEAVING);
    }

    private void transition(State to) {
        if (!NEXT.get(state).contains(to)) {
            throw new IllegalStateException("consumer group membership: illegal transition from " + state + " to " + to);
        }
        state = to;
    }

    /** UNSUBSCRIBED/STALE → JOINING: the next heartbeat (at once) joins with epoch 0 and the subscription. */
    public synchronized void join(long now) {
        if (state != State.UNSUBSCRIBED && state != State.STALE) throw new IllegalStateException("consumer group membership: cannot join from " + state);
        transition(State.JOINING);
        resetToJoin(now);
    }

    /** FENCED → JOINING, once the polling thread has given the lost partitions to onPartitionsLost. */
    public synchronized void rejoinAfterFenced(long now) {
        if (state != State.FENCED) throw new IllegalStateException("consumer group membership: rejoinAfterFenced from " + state);
        transition(State.JOINING);
        resetToJoin(now);
    }

    private void resetToJoin(long now) {
        memberEpoch = JOIN_EPOCH;
        owned = Map.of();
        target = null;
        leavingForPollTimeout = false;
        nextHeartbeatMs = now;
    }

    /** True if a heartbeat should go now: one is due, none is in flight, and the state sends them. */
    public synchronized boolean heartbeatDue(long now) {
        if (inFlight) return false;
        return switch (state) {
            case JOINING, RECONCILING, ACKNOWLEDGING, STABLE, LEAVING -> now >= nextHeartbeatMs;
            default -> false;
        };
    }

    /** Milliseconds until the next heartbeat is due (0 if due), or Long.MAX_VALUE if none will be. */
    public synchronized long timeToNextHeartbeat(long now) {
        if (inFlight || !heartbeatDue(Long.MAX_VALUE)) return Long.MAX_VALUE;
        return Math.max(0, nextHeartbeatMs - now);
    }

    /** The epoch the next heartbeat carries: the member's, or the leave epoch while LEAVING. */
    public synchronized int heartbeatEpoch() {
        if (state == State.LEAVING) return staticMember ? STATIC_LEAVE_EPOCH : LEAVE_EPOCH;
        return memberEpoch;
    }

    public synchronized void heartbeatSent() {
        inFlight = true;
    }

    /**
     * A successful answer. While LEAVING it completes the leave. Otherwise it carries the epoch, the heartbeat
     * interval and, if it changed, the whole assignment (null: unchanged).
     */
    public synchronized void onHeartbeat(long now, int epoch, int intervalMs, Map<UUID, Set<Integer>> assignment) {
        inFlight = false;
        if (state == State.LEAVING) {
            transition(leavingForPollTimeout ? State.STALE : State.UNSUBSCRIBED);
            memberEpoch = JOIN_EPOCH;
            owned = Map.of();
            target = null;
            return;
        }
        if (state != State.JOINING && state != State.RECONCILING && state != State.ACKNOWLEDGING && state != State.STABLE) {
            return; // an answer overtaken by a local move (fenced, preparing to leave): ignored
        }
        memberEpoch = epoch;
        if (intervalMs > 0) heartbeatIntervalMs = intervalMs;
        nextHeartbeatMs = now + heartbeatIntervalMs;
        if (assignment != null) target = sorted(assignment);
        if (target != null && !target.equals(owned)) {
            transition(State.RECONCILING);
        } else if (state == State.JOINING || state == State.ACKNOWLEDGING) {
            if (target == null) target = Map.of(); // joined with nothing assigned yet
            transition(State.STABLE);
        }
    }

    /** RECONCILING → ACKNOWLEDGING: {@code nowOwned} was revoked down to and assigned up to; heartbeat at once. */
    public synchronized void reconciled(long now, Map<UUID, Set<Integer>> nowOwned) {
        if (state != State.RECONCILING) throw new IllegalStateException("consumer group membership: reconciled from " + state);
        owned = sorted(nowOwned);
        nextHeartbeatMs = now;
        // A newer target may have come while the callbacks ran: then the member goes on reconciling.
        transition(owned.equals(target) ? State.ACKNOWLEDGING : State.RECONCILING);
    }

    /**
     * An error answer. FENCED_MEMBER_EPOCH or UNKNOWN_MEMBER_ID: the member is out of the group and its partitions
     * are lost (FENCED; a leave in progress is simply done). {@code fatal}: FATAL. Else retried after
     * {@code retryMs} (coordinator errors: after the coordinator is looked up again).
     */
    public synchronized void onHeartbeatError(long now, short code, boolean fatal, long retryMs) {
        inFlight = false;
        if (state == State.UNSUBSCRIBED || state == State.STALE || state == State.FATAL) return;
        if (fatal) {
            transition(State.FATAL);
            return;
        }
        if (code == FENCED_MEMBER_EPOCH || code == UNKNOWN_MEMBER_ID) {
            if (state == State.LEAVING) {
                onHeartbeat(now, JOIN_EPOCH, 0, null);
                return;
            }
            if (state == State.FENCED) return;
            transition(State.FENCED);
            memberEpoch = JOIN_EPOCH;
            target = null;
            return;
        }
        nextHeartbeatMs = now + retryMs;
    }

    /** The request failed (lost connection, timeout): retry after {@code retryMs}. */
    public synchronized void onHeartbeatFailure(long now, long retryMs) {
        inFlight = false;
        nextHeartbeatMs = now + retryMs;
    }

    /** → PREPARE_LEAVING (close, unsubscribe): the polling thread revokes, then {@link #readyToLeave}. */
    public synchronized void leave() {
        if (state == State.UNSUBSCRIBED || state == State.PREPARE_LEAVING || state == State.LEAVING) return;
        if (state == State.STALE) {
            transition(State.UNSUBSCRIBED);
            return;
        }
        transition(State.PREPARE_LEAVING);
    }

    /** PREPARE_LEAVING → LEAVING (heartbeat with the leave epoch at once), or UNSUBSCRIBED if never in the group. */
    public synchronized void readyToLeave(long now) {
        if (state != State.PREPARE_LEAVING) throw new IllegalStateException("consumer group membership: readyToLeave from " + state);
        if (memberEpoch <= JOIN_EPOCH) {
            transition(State.UNSUBSCRIBED);
            owned = Map.of();
            target = null;
            return;
        }
        transition(State.LEAVING);
        nextHeartbeatMs = now;
    }

    /** max.poll.interval.ms passed without a poll: leave at once; the partitions are lost, the next poll rejoins. */
    public synchronized void pollTimedOut(long now) {
        if (state != State.JOINING && state != State.RECONCILING && state != State.ACKNOWLEDGING && state != State.STABLE) {
            throw new IllegalStateException("consumer group membership: pollTimedOut from " + state);
        }
        transition(State.LEAVING);
        leavingForPollTimeout = true;
        nextHeartbeatMs = now;
    }

    public synchronized void fatal() {
        transition(State.FATAL);
    }

    private static Map<UUID, Set<Integer>> sorted(Map<UUID, Set<Integer>> m) {
        Map<UUID, Set<Integer>> out = new TreeMap<>();
        m.forEach((id, ps) -> {
            if (!ps.isEmpty()) out.put(id, Set.copyOf(new TreeSet<>(ps)));
        });
        return Map.copyOf(out);
    }
}
