package io.fjord.client.consumer.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.client.common.TopicPartition;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubscriptionStateTest {
    private final TopicPartition a = new TopicPartition("t", 0);
    private final TopicPartition b = new TopicPartition("t", 1);

    @Test
    void manualAndGroupAssignmentExcludeEachOther() {
        SubscriptionState s = new SubscriptionState();
        s.assignFromUser(List.of(a));
        assertThatThrownBy(() -> s.subscribeByGroup(SubscriptionState.Mode.AUTO_TOPICS)).isInstanceOf(IllegalStateException.class);
        s.unsubscribe();
        s.subscribeByGroup(SubscriptionState.Mode.AUTO_PATTERN);
        assertThatThrownBy(() -> s.assignFromUser(List.of(a))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void positionsResetsPauseAndEpochs() {
        SubscriptionState s = new SubscriptionState();
        s.assignFromUser(List.of(a, b));
        assertThat(s.fetchablePartitions()).isEmpty(); // no positions yet
        s.seek(a, 5);
        int epoch = s.epoch(a);
        assertThat(s.isCurrent(a, 5, epoch)).isTrue();
        s.advance(a, 9);
        assertThat(s.position(a)).isEqualTo(9);
        assertThat(s.isCurrent(a, 9, epoch)).as("advancing keeps the epoch").isTrue();
        s.requestReset(a, SubscriptionState.EARLIEST);
        assertThat(s.position(a)).isNull();
        assertThat(s.epoch(a)).isGreaterThan(epoch);
        assertThat(s.missingPositions()).containsExactlyInAnyOrder(a, b);
        s.maybeSetResolvedPosition(a, 0);
        s.maybeSetResolvedPosition(a, 3); // ignored: a position is known
        assertThat(s.position(a)).isZero();
        s.pause(a);
        assertThat(s.fetchablePartitions()).isEmpty();
        assertThat(s.pausedPartitions()).containsExactly(a);
        s.resume(a);
        assertThat(s.fetchablePartitions()).containsExactly(a);
        assertThat(s.consumedOffsets()).containsOnlyKeys(a);
        assertThatThrownBy(() -> s.position(new TopicPartition("other", 0))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void groupAssignedPartitionsWaitForTheirCommittedOffset() {
        SubscriptionState s = new SubscriptionState();
        s.subscribeByGroup(SubscriptionState.Mode.AUTO_TOPICS);
        s.addGroupAssigned(List.of(a));
        assertThat(s.needingCommittedLookup()).containsExactly(a);
        assertThat(s.missingPositions()).isEmpty();
        s.committedLookupDone(a);
        assertThat(s.needingCommittedLookup()).isEmpty();
        assertThat(s.missingPositions()).containsExactly(a);
    }
}
