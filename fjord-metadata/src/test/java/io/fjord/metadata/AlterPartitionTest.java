package io.fjord.metadata;

import static io.fjord.metadata.Images.p;
import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.protocol.api.Errors;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** AlterPartition judged against an image: every refusal changes nothing; success bumps only the partition epoch. */
class AlterPartitionTest {
    /** Brokers 1-4; t-0 has replicas [1,2,3], ISR [1,2], leader 1, leader epoch 5, partition epoch 7. */
    private final ClusterImage image = Images.brokers(1, 2, 3, 4)
            .topic("t", p(0, List.of(1, 2, 3), List.of(1, 2), 1, 5, 7)).image();

    private static AlterPartitionRequest req(int leader, int leaderEpoch, int partitionEpoch, List<Integer> isr) {
        return new AlterPartitionRequest("t", null, 0, leader, leaderEpoch, partitionEpoch, isr);
    }

    private ReplicationControl.Outcome<AlterPartitionResult> run(ClusterImage img, AlterPartitionRequest r) {
        return ReplicationControl.alterPartition(img, r);
    }

    private void assertRefused(ClusterImage img, AlterPartitionRequest r, Errors expected) {
        var out = run(img, r);
        assertThat(out.result().error()).as("%s", r).isEqualTo(expected);
        assertThat(out.result().state()).isNull();
        assertThat(out.records()).as("a refused request commits nothing").isEmpty();
    }

    @Test
    void expansionCommitsTheNewIsrWithTheNextPartitionEpochAndTheSameLeader() {
        var out = run(image, req(1, 5, 7, List.of(1, 2, 3)));
        assertThat(out.result().error()).isEqualTo(Errors.NONE);
        PartitionState s = out.result().state();
        assertThat(s.isr()).containsExactly(1, 2, 3);
        assertThat(s.leader()).isEqualTo(1);
        assertThat(s.leaderEpoch()).isEqualTo(5);
        assertThat(s.partitionEpoch()).isEqualTo(8);
        assertThat(out.records()).singleElement().isInstanceOfSatisfying(MetadataRecord.PartitionChanged.class, c -> {
            assertThat(c.changesReplicas()).isFalse();
            assertThat(ReplicationControl.isNextChange(image, c)).isTrue();
        });
        ClusterImage after = Images.applyChecked(image, out.records());
        assertThat(after.topic("t").partition(0)).isEqualTo(s);
    }

    @Test
    void shrinkToTheLeaderAloneIsAccepted() {
        var out = run(image, req(1, 5, 7, List.of(1)));
        assertThat(out.result().error()).isEqualTo(Errors.NONE);
        assertThat(out.result().state().isr()).containsExactly(1);
    }

    @Test
    void theSameIsrCommitsNothingAndAnswersTheCurrentState() {
        var out = run(image, req(1, 5, 7, List.of(1, 2)));
        assertThat(out.result().error()).isEqualTo(Errors.NONE);
        assertThat(out.result().state()).isEqualTo(image.topic("t").partition(0));
        assertThat(out.records()).isEmpty();
    }

    @Test
    void topicByIdOrNameAndPartitionMustExist() {
        assertRefused(image, new AlterPartitionRequest("nope", null, 0, 1, 5, 7, List.of(1, 2)), Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertRefused(image, new AlterPartitionRequest(null, UUID.randomUUID(), 0, 1, 5, 7, List.of(1, 2)), Errors.UNKNOWN_TOPIC_ID);
        assertRefused(image, new AlterPartitionRequest("t", null, 1, 1, 5, 7, List.of(1, 2)), Errors.UNKNOWN_TOPIC_OR_PARTITION);
        var byId = run(image, new AlterPartitionRequest(null, Images.TOPIC_ID, 0, 1, 5, 7, List.of(1, 2, 3)));
        assertThat(byId.result().error()).isEqualTo(Errors.NONE);
    }

    @Test
    void staleLeaderEpochIsFencedAndFutureEpochsSayNotController() {
        // An older leader epoch: a leader that was cut off and replaced (FENCED_LEADER_EPOCH), even with the
        // partition epoch it last knew.
        assertRefused(image, req(1, 4, 7, List.of(1, 2, 3)), Errors.FENCED_LEADER_EPOCH);
        assertRefused(image, req(1, 4, 6, List.of(1, 2, 3)), Errors.FENCED_LEADER_EPOCH);
        // Newer epochs than the log has: Kafka answers NOT_CONTROLLER (the controller must be behind).
        assertRefused(image, req(1, 6, 7, List.of(1, 2, 3)), Errors.NOT_CONTROLLER);
        assertRefused(image, req(1, 5, 8, List.of(1, 2, 3)), Errors.NOT_CONTROLLER);
    }

    @Test
    void aRequesterThatIsNotTheLeaderIsAnInvalidRequest() {
        assertRefused(image, req(2, 5, 7, List.of(1, 2, 3)), Errors.INVALID_REQUEST);
    }

    @Test
    void stalePartitionEpochIsInvalidUpdateVersion() {
        assertRefused(image, req(1, 5, 6, List.of(1, 2, 3)), Errors.INVALID_UPDATE_VERSION);
        // The same after a committed change: the second proposal built on epoch 7 loses.
        var first = run(image, req(1, 5, 7, List.of(1)));
        ClusterImage after = Images.applyChecked(image, first.records());
        assertRefused(after, req(1, 5, 7, List.of(1, 2, 3)), Errors.INVALID_UPDATE_VERSION);
        assertThat(after.topic("t").partition(0).isr()).containsExactly(1);
    }

    @Test
    void badIsrsAreInvalidRequests() {
        assertRefused(image, req(1, 5, 7, List.of()), Errors.INVALID_REQUEST);
        assertRefused(image, req(1, 5, 7, List.of(2, 3)), Errors.INVALID_REQUEST); // without the leader
        assertRefused(image, req(1, 5, 7, List.of(1, 4)), Errors.INVALID_REQUEST); // 4 is not a replica
        assertRefused(image, req(1, 5, 7, List.of(1, 2, 2)), Errors.INVALID_REQUEST);
    }

    @Test
    void fencedShuttingDownOrUnregisteredMembersAreIneligible() {
        ClusterImage fenced = Images.brokers(1, 2, 3).fenced(3)
                .topic("t", p(0, List.of(1, 2, 3), List.of(1, 2), 1, 5, 7)).image();
        assertRefused(fenced, req(1, 5, 7, List.of(1, 2, 3)), Errors.INELIGIBLE_REPLICA);
        ClusterImage down = Images.brokers(1, 2, 3).apply(new MetadataRecord.BrokerShuttingDown(3))
                .topic("t", p(0, List.of(1, 2, 3), List.of(1, 2), 1, 5, 7)).image();
        assertRefused(down, req(1, 5, 7, List.of(1, 2, 3)), Errors.INELIGIBLE_REPLICA);
        ClusterImage unregistered = Images.brokers(1, 2)
                .topic("t", p(0, List.of(1, 2, 3), List.of(1, 2), 1, 5, 7)).image();
        assertRefused(unregistered, req(1, 5, 7, List.of(1, 2, 3)), Errors.INELIGIBLE_REPLICA);
        // Shrinking away from a fenced member is fine.
        assertThat(run(fenced, req(1, 5, 7, List.of(1))).result().error()).isEqualTo(Errors.NONE);
    }

    @Test
    void anIsrThatCompletesAReassignmentCommitsItAndElectsANewLeaderIfTheOldOneLeaves() {
        // Moving [1,2,3] to [2,3,4]: replicas [2,3,4,1], adding [4], removing [1]; leader 1 is being removed.
        PartitionState moving = new PartitionState(0, List.of(2, 3, 4, 1), List.of(1, 2, 3), 1, 5, 7, List.of(4), List.of(1));
        ClusterImage img = Images.brokers(1, 2, 3, 4).topic("t", moving).image();
        var out = run(img, req(1, 5, 7, List.of(1, 2, 3, 4)));
        assertThat(out.result().error()).isEqualTo(Errors.NEW_LEADER_ELECTED);
        PartitionState s = out.result().state();
        assertThat(s.replicas()).containsExactly(2, 3, 4);
        assertThat(s.isr()).containsExactly(2, 3, 4);
        assertThat(s.leader()).isEqualTo(2);
        assertThat(s.leaderEpoch()).isEqualTo(6);
        assertThat(s.isReassigning()).isFalse();
        assertThat(((MetadataRecord.PartitionChanged) out.records().get(0)).changesReplicas()).isTrue();
    }
}
