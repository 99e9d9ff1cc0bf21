package io.fjord.metadata;

import static io.fjord.metadata.Images.p;
import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.protocol.api.Errors;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** KIP-455 reassignment: start, completion through the ISR, immediate completion, cancel, refusals. */
class ReassignmentsTest {
    private static final TopicPartitionRef T0 = new TopicPartitionRef("t", 0);

    private final ClusterImage image = Images.brokers(1, 2, 3, 4, 5)
            .topic("t", p(0, List.of(1, 2, 3), List.of(1, 2, 3), 1, 2, 5)).image();

    private static ReplicationControl.Outcome<List<ReassignmentResult>> alter(ClusterImage img, List<Integer> target) {
        return Reassignments.alter(img, Arrays.asList(new ReassignmentRequest(T0, target)));
    }

    @Test
    void movingToNewBrokersAddsThemFirstAndCompletesWhenTheyAreInTheIsr() {
        var start = alter(image, List.of(4, 5, 1));
        assertThat(start.result()).singleElement().extracting(ReassignmentResult::error).isEqualTo(Errors.NONE);
        ClusterImage moving = Images.applyChecked(image, start.records());
        PartitionState s = moving.topic("t").partition(0);
        assertThat(s.replicas()).containsExactly(4, 5, 1, 2, 3);
        assertThat(s.addingReplicas()).containsExactly(4, 5);
        assertThat(s.removingReplicas()).containsExactly(2, 3);
        assertThat(s.isr()).containsExactly(1, 2, 3);
        assertThat(s.leader()).isEqualTo(1);
        assertThat(s.leaderEpoch()).as("no replica dropped yet").isEqualTo(2);
        assertThat(((MetadataRecord.PartitionChanged) start.records().get(0)).changesReplicas()).isTrue();
        assertThat(Reassignments.list(moving, null)).containsExactly(
                new OngoingReassignment(T0, List.of(4, 5, 1, 2, 3), List.of(4, 5), List.of(2, 3)));

        // 4 catches up: not complete (5 has not).
        var half = ReplicationControl.alterPartition(moving, new AlterPartitionRequest("t", null, 0, 1, 2, 6, List.of(1, 2, 3, 4)));
        assertThat(half.result().error()).isEqualTo(Errors.NONE);
        ClusterImage halfway = Images.applyChecked(moving, half.records());
        assertThat(halfway.topic("t").partition(0).isReassigning()).isTrue();
        assertThat(ReplicationControl.reconcile(halfway, t -> false)).isEmpty();

        // 5 catches up: the same ISR change completes the move.
        var done = ReplicationControl.alterPartition(halfway, new AlterPartitionRequest("t", null, 0, 1, 2, 7, List.of(1, 2, 3, 4, 5)));
        assertThat(done.result().error()).isEqualTo(Errors.NONE);
        PartitionState f = Images.applyChecked(halfway, done.records()).topic("t").partition(0);
        assertThat(f.replicas()).containsExactly(4, 5, 1);
        assertThat(f.isr()).containsExactly(1, 4, 5);
        assertThat(f.leader()).isEqualTo(1);
        assertThat(f.leaderEpoch()).as("replicas were dropped").isEqualTo(3);
        assertThat(f.isReassigning()).isFalse();
        assertThat(Reassignments.list(Images.applyChecked(halfway, done.records()), null)).isEmpty();
    }

    @Test
    void theActiveControllersReconcileCompletesAReassignmentWhoseIsrAlreadyCoversTheTarget() {
        PartitionState covered = new PartitionState(0, List.of(2, 3, 1), List.of(1, 2, 3), 1, 2, 5, List.of(), List.of(1));
        ClusterImage img = Images.brokers(1, 2, 3).topic("t", covered).image();
        ClusterImage after = Images.applyChecked(img, ReplicationControl.reconcile(img, t -> false));
        PartitionState s = after.topic("t").partition(0);
        assertThat(s.replicas()).containsExactly(2, 3);
        assertThat(s.isr()).containsExactly(2, 3);
        assertThat(s.leader()).as("the leader was removed: the first target ISR member leads").isEqualTo(2);
        assertThat(s.leaderEpoch()).isEqualTo(3);
    }

    @Test
    void reorderingOrShrinkingCompletesAtOnce() {
        var reorder = alter(image, List.of(3, 1, 2));
        PartitionState r = Images.applyChecked(image, reorder.records()).topic("t").partition(0);
        assertThat(r.replicas()).containsExactly(3, 1, 2);
        assertThat(r.isReassigning()).isFalse();
        assertThat(r.leader()).isEqualTo(1);

        var shrink = alter(image, List.of(2, 3));
        PartitionState s = Images.applyChecked(image, shrink.records()).topic("t").partition(0);
        assertThat(s.replicas()).containsExactly(2, 3);
        assertThat(s.isr()).containsExactly(2, 3);
        assertThat(s.leader()).isEqualTo(2);
        assertThat(s.leaderEpoch()).isEqualTo(3);
        assertThat(s.isReassigning()).isFalse();

        assertThat(alter(image, List.of(1, 2, 3)).records()).as("the same assignment changes nothing").isEmpty();
    }

    @Test
    void badTargetsAreRefusedAndChangeNothing() {
        for (List<Integer> bad : List.<List<Integer>>of(List.of(), List.of(1, 1, 2), List.of(1, 2, 9))) {
            var out = alter(image, bad);
            assertThat(out.result()).singleElement().extracting(ReassignmentResult::error).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
            assertThat(out.records()).isEmpty();
        }
        var unknown = Reassignments.alter(image, List.of(new ReassignmentRequest(new TopicPartitionRef("t", 7), List.of(1)),
                new ReassignmentRequest(new TopicPartitionRef("nope", 0), List.of(1))));
        assertThat(unknown.result()).extracting(ReassignmentResult::error)
                .containsExactly(Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.UNKNOWN_TOPIC_OR_PARTITION);
        var cancelNothing = alter(image, null);
        assertThat(cancelNothing.result()).singleElement().extracting(ReassignmentResult::error)
                .isEqualTo(Errors.NO_REASSIGNMENT_IN_PROGRESS);
    }

    @Test
    void cancelRestoresTheOriginalReplicas() {
        ClusterImage moving = Images.applyChecked(image, alter(image, List.of(4, 5, 1)).records());
        var half = ReplicationControl.alterPartition(moving, new AlterPartitionRequest("t", null, 0, 1, 2, 6, List.of(1, 2, 3, 4)));
        ClusterImage halfway = Images.applyChecked(moving, half.records());
        var cancel = alter(halfway, null);
        assertThat(cancel.result()).singleElement().extracting(ReassignmentResult::error).isEqualTo(Errors.NONE);
        PartitionState s = Images.applyChecked(halfway, cancel.records()).topic("t").partition(0);
        assertThat(s.replicas()).containsExactly(1, 2, 3);
        assertThat(s.isr()).containsExactly(1, 2, 3);
        assertThat(s.leader()).isEqualTo(1);
        assertThat(s.isReassigning()).isFalse();
        assertThat(s.leaderEpoch()).as("4 and 5 were dropped").isEqualTo(3);
    }

    @Test
    void aCancelThatWouldNeedAnUncleanElectionIsRefusedUnlessTheTopicAllowsIt() {
        // Original [1], moving to [2]; only 2 (adding) is in the ISR now.
        PartitionState odd = new PartitionState(0, List.of(2, 1), List.of(2), 2, 4, 9, List.of(2), List.of(1));
        ClusterImage img = Images.brokers(1, 2).topic("t", odd).image();
        var refused = alter(img, null);
        assertThat(refused.result()).singleElement().extracting(ReassignmentResult::error).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
        assertThat(refused.records()).isEmpty();
        ClusterImage allowed = Images.brokers(1, 2).topicWithConfigs("t", Map.of("unclean.leader.election.enable", "true"), odd).image();
        PartitionState s = Images.applyChecked(allowed, alter(allowed, null).records()).topic("t").partition(0);
        assertThat(s.replicas()).containsExactly(1);
        assertThat(s.isr()).containsExactly(1);
        assertThat(s.leader()).isEqualTo(1);
    }

    @Test
    void listReportsOnlyReassigningPartitionsOfKnownTopics() {
        ClusterImage moving = Images.applyChecked(image, alter(image, List.of(4, 2, 3)).records());
        assertThat(Reassignments.list(moving, List.of(T0, new TopicPartitionRef("t", 3), new TopicPartitionRef("x", 0))))
                .extracting(OngoingReassignment::partition).containsExactly(T0);
        assertThat(Reassignments.list(image, null)).isEmpty();
    }
}
