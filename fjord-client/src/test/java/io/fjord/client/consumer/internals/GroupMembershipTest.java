package io.fjord.client.consumer.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Every transition of {@link GroupMembership} from every state: the legal ones move, the others throw. */
class GroupMembershipTest {
    /** A membership driven into the given state by legal moves. */
    private static GroupMembership in(MemberState s) {
        GroupMembership m = new GroupMembership();
        if (s == MemberState.UNJOINED) return m;
        m.startJoin();
        if (s == MemberState.JOINING) return m;
        m.joined("m-1", 3, "range", true);
        if (s == MemberState.SYNCING) return m;
        m.synced();
        return m;
    }

    /** The transitions with a fixed source state, and the state each leads to. */
    private record Move(String name, Consumer<GroupMembership> action, Set<MemberState> legalFrom, MemberState to) {
    }

    private static final Move[] CHECKED = {
        new Move("startJoin", GroupMembership::startJoin, EnumSet.of(MemberState.UNJOINED, MemberState.STABLE), MemberState.JOINING),
        new Move("joined", m -> m.joined("m-2", 4, "sticky", false), EnumSet.of(MemberState.JOINING), MemberState.SYNCING),
        new Move("joinFailed", m -> m.joinFailed(false), EnumSet.of(MemberState.JOINING), MemberState.UNJOINED),
        new Move("memberIdRequired", m -> m.memberIdRequired("given"), EnumSet.of(MemberState.JOINING), MemberState.UNJOINED),
        new Move("synced", GroupMembership::synced, EnumSet.of(MemberState.SYNCING), MemberState.STABLE),
        new Move("syncFailed", GroupMembership::syncFailed, EnumSet.of(MemberState.SYNCING), MemberState.UNJOINED),
    };

    @Test
    void everyCheckedTransitionMovesFromItsLegalStatesAndThrowsFromTheOthers() {
        int legal = 0;
        int illegal = 0;
        for (Move move : CHECKED) {
            for (MemberState from : MemberState.values()) {
                GroupMembership m = in(from);
                if (move.legalFrom().contains(from)) {
                    move.action().accept(m);
                    assertThat(m.state()).as(move.name() + " from " + from).isEqualTo(move.to());
                    legal++;
                } else {
                    assertThatThrownBy(() -> move.action().accept(m)).as(move.name() + " from " + from)
                            .isInstanceOf(IllegalStateException.class).hasMessageContaining(move.name());
                    assertThat(m.state()).as("unchanged after illegal " + move.name()).isEqualTo(from);
                    illegal++;
                }
            }
        }
        assertThat(legal).isEqualTo(7);
        assertThat(illegal).isEqualTo(6 * 4 - 7);
    }

    @Test
    void resetGenerationAndLeaveAreLegalFromEveryState() {
        for (MemberState from : MemberState.values()) {
            GroupMembership reset = in(from);
            reset.resetGeneration(false);
            assertThat(reset.state()).isEqualTo(MemberState.UNJOINED);
            assertThat(reset.generation()).isEqualTo(GroupMembership.NO_GENERATION);
            assertThat(reset.isLost()).isTrue();
            assertThat(reset.rejoinNeeded()).isTrue();
            assertThat(reset.isLeader()).isFalse();

            GroupMembership left = in(from);
            left.left(false);
            assertThat(left.state()).isEqualTo(MemberState.UNJOINED);
            assertThat(left.memberId()).isEqualTo(GroupMembership.NO_MEMBER);
            assertThat(left.isLost()).isFalse();

            GroupMembership rejoin = in(from);
            assertThat(rejoin.requestRejoin()).isTrue();
            assertThat(rejoin.requestRejoin()).isFalse();
            assertThat(rejoin.state()).isEqualTo(from);
        }
    }

    @Test
    void theFieldsEachTransitionCarries() {
        GroupMembership m = new GroupMembership();
        assertThat(m.startJoin()).isEqualTo(GroupMembership.NO_MEMBER);
        m.memberIdRequired("given-id");
        assertThat(m.memberId()).isEqualTo("given-id");
        assertThat(m.startJoin()).isEqualTo("given-id");
        m.joined("given-id", 7, "cooperative-sticky", true);
        assertThat(Map.of("gen", m.generation(), "leader", m.isLeader(), "protocol", m.protocolName()))
                .containsEntry("gen", 7).containsEntry("leader", true).containsEntry("protocol", "cooperative-sticky");
        assertThat(m.isStable()).isFalse();
        m.synced();
        assertThat(m.isStable()).isTrue();
        m.requestRejoin();
        assertThat(m.isStable()).isFalse();
        assertThat(m.startJoin()).isEqualTo("given-id"); // STABLE → JOINING clears the rejoin flag
        assertThat(m.rejoinNeeded()).isFalse();
        m.joinFailed(true); // UNKNOWN_MEMBER_ID: start over
        assertThat(m.memberId()).isEqualTo(GroupMembership.NO_MEMBER);
        assertThat(m.generation()).isEqualTo(GroupMembership.NO_GENERATION);
    }

    @Test
    void aResetMarksThePartitionsLostOnce() {
        GroupMembership m = in(MemberState.STABLE);
        m.resetGeneration(true);
        assertThat(m.memberId()).isEqualTo(GroupMembership.NO_MEMBER);
        assertThat(m.takeLost()).isTrue();
        assertThat(m.takeLost()).isFalse();
        GroupMembership staticMember = in(MemberState.STABLE);
        staticMember.left(true);
        assertThat(staticMember.memberId()).isEqualTo("m-1");
    }
}
