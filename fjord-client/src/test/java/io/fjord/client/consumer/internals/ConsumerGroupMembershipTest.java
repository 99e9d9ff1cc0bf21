package io.fjord.client.consumer.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.client.consumer.internals.ConsumerGroupMembership.State;
import io.fjord.client.testing.ManualTime;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The consumer group protocol's membership (KIP-848) on a manual clock: every legal move, and illegal ones throw. */
class ConsumerGroupMembershipTest {
    private static final UUID T1 = new UUID(1, 1);
    private static final UUID T2 = new UUID(2, 2);

    private final ManualTime time = new ManualTime(10_000);
    private final ConsumerGroupMembership m = new ConsumerGroupMembership("member-a", false, 5000);

    private long now() {
        return time.milliseconds();
    }

    /** Joins and gets the answer with {@code assignment} at epoch 1, heartbeat interval 1 s. */
    private void joined(Map<UUID, Set<Integer>> assignment) {
        m.join(now());
        assertThat(m.heartbeatDue(now())).isTrue();
        assertThat(m.heartbeatEpoch()).isZero();
        m.heartbeatSent();
        m.onHeartbeat(now(), 1, 1000, assignment);
    }

    private void stableWith(Map<UUID, Set<Integer>> owned) {
        joined(owned);
        if (m.state() == State.RECONCILING) {
            m.reconciled(now(), owned);
            m.heartbeatSent();
            m.onHeartbeat(now(), 1, 1000, null);
        }
        assertThat(m.state()).isEqualTo(State.STABLE);
    }

    @Test
    void joinReconcileAcknowledgeStableWithTheIntervalTheCoordinatorGave() {
        assertThat(m.state()).isEqualTo(State.UNSUBSCRIBED);
        assertThat(m.heartbeatDue(now())).as("no heartbeats before joining").isFalse();
        m.join(now());
        assertThat(m.state()).isEqualTo(State.JOINING);
        m.heartbeatSent();
        assertThat(m.heartbeatDue(now())).as("one heartbeat in flight at a time").isFalse();
        m.onHeartbeat(now(), 3, 1000, Map.of(T1, Set.of(0, 1)));
        assertThat(m.state()).isEqualTo(State.RECONCILING);
        assertThat(m.memberEpoch()).isEqualTo(3);
        assertThat(m.pendingTarget()).isEqualTo(Map.of(T1, Set.of(0, 1)));
        assertThat(m.isMember()).isTrue();

        time.advance(10);
        m.reconciled(now(), Map.of(T1, Set.of(0, 1)));
        assertThat(m.state()).isEqualTo(State.ACKNOWLEDGING);
        assertThat(m.heartbeatDue(now())).as("the new ownership is acknowledged at once").isTrue();
        m.heartbeatSent();
        m.onHeartbeat(now(), 3, 1000, null);
        assertThat(m.state()).isEqualTo(State.STABLE);
        assertThat(m.owned()).isEqualTo(Map.of(T1, Set.of(0, 1)));

        // The next heartbeat is due one interval later, not before.
        time.advance(999);
        assertThat(m.heartbeatDue(now())).isFalse();
        assertThat(m.timeToNextHeartbeat(now())).isEqualTo(1);
        time.advance(1);
        assertThat(m.heartbeatDue(now())).isTrue();
    }

    @Test
    void anEmptyFirstAssignmentIsStableAtOnce() {
        joined(Map.of());
        assertThat(m.state()).isEqualTo(State.STABLE);
        joinedAgainIsIllegal();
    }

    private void joinedAgainIsIllegal() {
        assertThatThrownBy(() -> m.join(now())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aNewTargetWhileStableOrWhileReconcilingKeepsReconcilingUntilOwnedMatches() {
        stableWith(Map.of(T1, Set.of(0, 1)));
        m.heartbeatSent();
        m.onHeartbeat(now(), 4, 1000, Map.of(T1, Set.of(0)));
        assertThat(m.state()).isEqualTo(State.RECONCILING);
        // While the callbacks run, the coordinator moves the target again.
        m.heartbeatSent();
        m.onHeartbeat(now(), 5, 1000, Map.of(T1, Set.of(0), T2, Set.of(3)));
        m.reconciled(now(), Map.of(T1, Set.of(0)));
        assertThat(m.state()).as("what was reconciled is not the target any more").isEqualTo(State.RECONCILING);
        m.reconciled(now(), Map.of(T1, Set.of(0), T2, Set.of(3)));
        assertThat(m.state()).isEqualTo(State.ACKNOWLEDGING);
        // An answer that brings a different target to an acknowledging member sends it back to reconciling.
        m.heartbeatSent();
        m.onHeartbeat(now(), 6, 1000, Map.of(T2, Set.of(3)));
        assertThat(m.state()).isEqualTo(State.RECONCILING);
    }

    @Test
    void fencedMembersRejoinWithEpochZeroAfterReleasingTheirPartitions() {
        stableWith(Map.of(T1, Set.of(0)));
        m.heartbeatSent();
        m.onHeartbeatError(now(), ConsumerGroupMembership.FENCED_MEMBER_EPOCH, false, 100);
        assertThat(m.state()).isEqualTo(State.FENCED);
        assertThat(m.heartbeatDue(now() + 1_000_000)).as("a fenced member waits for the poll thread").isFalse();
        assertThat(m.isMember()).isFalse();
        m.rejoinAfterFenced(now());
        assertThat(m.state()).isEqualTo(State.JOINING);
        assertThat(m.heartbeatEpoch()).isZero();
        assertThat(m.owned()).isEmpty();
        assertThat(m.memberId()).as("the member id is kept").isEqualTo("member-a");

        m.heartbeatSent();
        m.onHeartbeatError(now(), ConsumerGroupMembership.UNKNOWN_MEMBER_ID, false, 100);
        assertThat(m.state()).isEqualTo(State.FENCED);
    }

    @Test
    void retriableErrorsAndLostRequestsRetryAfterTheBackoff() {
        stableWith(Map.of());
        m.heartbeatSent();
        m.onHeartbeatError(now(), (short) 16, false, 250); // NOT_COORDINATOR
        assertThat(m.state()).isEqualTo(State.STABLE);
        time.advance(249);
        assertThat(m.heartbeatDue(now())).isFalse();
        time.advance(1);
        assertThat(m.heartbeatDue(now())).isTrue();
        m.heartbeatSent();
        m.onHeartbeatFailure(now(), 300);
        assertThat(m.heartbeatDue(now() + 299)).isFalse();
        assertThat(m.heartbeatDue(now() + 300)).isTrue();
    }

    @Test
    void leavingRevokesFirstThenSendsTheLeaveEpochAndEndsUnsubscribed() {
        stableWith(Map.of(T1, Set.of(0)));
        m.leave();
        assertThat(m.state()).isEqualTo(State.PREPARE_LEAVING);
        assertThat(m.isMember()).as("the commit before revocation still carries the epoch").isTrue();
        assertThat(m.heartbeatDue(now() + 1_000_000)).as("nothing is sent before the revocation").isFalse();
        m.readyToLeave(now());
        assertThat(m.state()).isEqualTo(State.LEAVING);
        assertThat(m.heartbeatDue(now())).isTrue();
        assertThat(m.heartbeatEpoch()).isEqualTo(ConsumerGroupMembership.LEAVE_EPOCH);
        m.heartbeatSent();
        m.onHeartbeat(now(), -1, 0, null);
        assertThat(m.state()).isEqualTo(State.UNSUBSCRIBED);
        assertThat(m.owned()).isEmpty();
        m.join(now()); // and may join again
        assertThat(m.state()).isEqualTo(State.JOINING);
    }

    @Test
    void aStaticMemberLeavesWithEpochMinusTwo() {
        ConsumerGroupMembership s = new ConsumerGroupMembership("static-a", true, 5000);
        s.join(now());
        s.heartbeatSent();
        s.onHeartbeat(now(), 1, 1000, Map.of());
        s.leave();
        s.readyToLeave(now());
        assertThat(s.heartbeatEpoch()).isEqualTo(ConsumerGroupMembership.STATIC_LEAVE_EPOCH);
    }

    @Test
    void aMemberThatNeverGotAnEpochLeavesWithoutTellingTheBroker() {
        m.join(now());
        m.leave();
        m.readyToLeave(now());
        assertThat(m.state()).isEqualTo(State.UNSUBSCRIBED);
    }

    @Test
    void aFencedAnswerToTheLeaveEndsTheLeave() {
        stableWith(Map.of());
        m.leave();
        m.readyToLeave(now());
        m.heartbeatSent();
        m.onHeartbeatError(now(), ConsumerGroupMembership.UNKNOWN_MEMBER_ID, false, 0);
        assertThat(m.state()).isEqualTo(State.UNSUBSCRIBED);
    }

    @Test
    void aPollTimeoutLeavesAndTheNextPollRejoinsFromStale() {
        stableWith(Map.of(T1, Set.of(0)));
        m.pollTimedOut(now());
        assertThat(m.state()).isEqualTo(State.LEAVING);
        m.heartbeatSent();
        m.onHeartbeat(now(), -1, 0, null);
        assertThat(m.state()).isEqualTo(State.STALE);
        m.join(now());
        assertThat(m.state()).isEqualTo(State.JOINING);
    }

    @Test
    void fatalErrorsAreFinal() {
        joined(Map.of());
        m.heartbeatSent();
        m.onHeartbeatError(now(), (short) 81, true, 0); // GROUP_MAX_SIZE_REACHED
        assertThat(m.state()).isEqualTo(State.FATAL);
        assertThatThrownBy(() -> m.join(now())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(m::leave).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> m.pollTimedOut(now())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(m::fatal).isInstanceOf(IllegalStateException.class);
        assertThat(m.heartbeatDue(now() + 1_000_000)).isFalse();
    }

    /** Drives a fresh membership into {@code s}. */
    private static ConsumerGroupMembership in(State s, ManualTime time) {
        ConsumerGroupMembership x = new ConsumerGroupMembership("x", false, 5000);
        long now = time.milliseconds();
        Map<UUID, Set<Integer>> a = Map.of(T1, Set.of(0));
        switch (s) {
            case UNSUBSCRIBED -> {
            }
            case JOINING -> x.join(now);
            case RECONCILING -> {
                x.join(now);
                x.onHeartbeat(now, 1, 1000, a);
            }
            case ACKNOWLEDGING -> {
                x.join(now);
                x.onHeartbeat(now, 1, 1000, a);
                x.reconciled(now, a);
            }
            case STABLE -> {
                x.join(now);
                x.onHeartbeat(now, 1, 1000, Map.of());
            }
            case FENCED -> {
                x.join(now);
                x.onHeartbeat(now, 1, 1000, Map.of());
                x.onHeartbeatError(now, ConsumerGroupMembership.FENCED_MEMBER_EPOCH, false, 0);
            }
            case PREPARE_LEAVING -> {
                x.join(now);
                x.onHeartbeat(now, 1, 1000, Map.of());
                x.leave();
            }
            case LEAVING -> {
                x.join(now);
                x.onHeartbeat(now, 1, 1000, Map.of());
                x.leave();
                x.readyToLeave(now);
            }
            case STALE -> {
                x.join(now);
                x.onHeartbeat(now, 1, 1000, Map.of());
                x.pollTimedOut(now);
                x.onHeartbeat(now, -1, 0, null);
            }
            case FATAL -> x.fatal();
            default -> throw new AssertionError(s);
        }
        assertThat(x.state()).isEqualTo(s);
        return x;
    }

    /** A move, and the states it is legal from (everywhere else it must throw). */
    private record Move(String name, Consumer<ConsumerGroupMembership> run, Set<State> legalFrom) {
    }

    @Test
    void everyMoveIsLegalExactlyFromItsStatesAndThrowsFromTheOthers() {
        long now = time.milliseconds();
        List<Move> moves = List.of(
                new Move("join", x -> x.join(now), EnumSet.of(State.UNSUBSCRIBED, State.STALE)),
                new Move("rejoinAfterFenced", x -> x.rejoinAfterFenced(now), EnumSet.of(State.FENCED)),
                new Move("reconciled", x -> x.reconciled(now, Map.of(T1, Set.of(0))), EnumSet.of(State.RECONCILING)),
                new Move("readyToLeave", x -> x.readyToLeave(now), EnumSet.of(State.PREPARE_LEAVING)),
                new Move("pollTimedOut", x -> x.pollTimedOut(now),
                        EnumSet.of(State.JOINING, State.RECONCILING, State.ACKNOWLEDGING, State.STABLE)),
                new Move("leave", ConsumerGroupMembership::leave, EnumSet.complementOf(EnumSet.of(State.FATAL))),
                new Move("fatal", ConsumerGroupMembership::fatal, EnumSet.complementOf(EnumSet.of(State.FATAL))));
        for (Move move : moves) {
            for (State s : State.values()) {
                ConsumerGroupMembership x = in(s, time);
                if (move.legalFrom().contains(s)) {
                    move.run().accept(x);
                } else {
                    assertThatThrownBy(() -> move.run().accept(x)).as(move.name() + " from " + s)
                            .isInstanceOf(IllegalStateException.class);
                    assertThat(x.state()).as("an illegal move leaves the state").isEqualTo(s);
                }
            }
        }
    }
}
