package io.fjord.metadata;

import static io.fjord.metadata.Images.p;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.protocol.api.Errors;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Leader and ISR decisions: new partitions, fencing, controlled shutdown, unclean and preferred elections. */
class ReplicationControlTest {
    private static final java.util.function.Predicate<TopicImage> CLEAN = t -> false;
    private static final java.util.function.Predicate<TopicImage> UNCLEAN = t -> true;

    @Test
    void newPartitionsTakeOnlyLiveReplicasIntoTheIsr() {
        ClusterImage img = Images.brokers(1, 2, 3).fenced(2).image();
        PartitionState s = ReplicationControl.newPartition(img, 4, List.of(2, 3, 1));
        assertThat(s.replicas()).containsExactly(2, 3, 1);
        assertThat(s.isr()).containsExactly(3, 1);
        assertThat(s.leader()).isEqualTo(3);
        assertThat(s.partitionEpoch()).isZero();
        assertThat(ReplicationControl.newPartition(img, 0, List.of(1, 7)).isr()).containsExactly(1); // 7: not registered
        assertThatThrownBy(() -> ReplicationControl.newPartition(img, 0, List.of(2, 7)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void localControllerCreatesTopicsWithTheLiveIsr(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        try (LocalController c = LocalController.open(dir, "c", new BrokerNode(1, "h", 1, null))) {
            TopicImage t = c.createTopic("x", List.of(List.of(1), List.of(1)), Map.of());
            assertThat(t.partition(1).isr()).containsExactly(1);
            assertThatThrownBy(() -> c.createTopic("y", List.of(List.of(5)), Map.of())).isInstanceOf(IllegalArgumentException.class);
            assertThat(c.image().topic("y")).isNull();
        }
    }

    @Test
    void fencingMovesLeadershipToTheNextIsrReplicaAndKeepsTheLastMember() {
        ClusterImage img = Images.brokers(1, 2, 3)
                .topic("t", p(0, List.of(1, 2, 3), List.of(1, 2, 3), 1, 0, 0), p(1, List.of(2, 1), List.of(2, 1), 2, 4, 6),
                        p(2, List.of(1), List.of(1), 1, 0, 0))
                .image();
        ClusterImage after = Images.applyChecked(img, ReplicationControl.fence(img, 1, CLEAN));
        assertThat(after.isFenced(1)).isTrue();
        assertThat(after.topic("t").partition(0)).isEqualTo(p(0, List.of(1, 2, 3), List.of(2, 3), 2, 1, 1));
        assertThat(after.topic("t").partition(1)).isEqualTo(p(1, List.of(2, 1), List.of(2), 2, 4, 7));
        // The only replica: no leader, but it stays in the ISR so the partition comes back with it.
        assertThat(after.topic("t").partition(2)).isEqualTo(p(2, List.of(1), List.of(1), -1, 1, 1));
        assertThat(ReplicationControl.reconcile(after, CLEAN)).isEmpty();

        ClusterImage back = Images.applyChecked(after, ReplicationControl.unfence(after, 1, CLEAN));
        assertThat(back.topic("t").partition(2)).isEqualTo(p(2, List.of(1), List.of(1), 1, 2, 2));
        assertThat(back.topic("t").partition(0).leader()).as("no preferred election on unfence").isEqualTo(2);
    }

    @Test
    void unregisteringRemovesTheRegistrationKeepsReplicaListsAndMovesLeaderships() {
        ClusterImage img = Images.brokers(1, 2, 3).fenced(3)
                .topic("t", p(0, List.of(3, 1, 2), List.of(3, 1, 2), 3, 0, 0), p(1, List.of(3), List.of(3), 3, 0, 0))
                .image();
        assertThat(ReplicationControl.unregisterBroker(img, 9).result()).isEqualTo(Errors.BROKER_ID_NOT_REGISTERED);
        assertThat(ReplicationControl.unregisterBroker(img, 9).records()).isEmpty();

        ReplicationControl.Outcome<Errors> out = ReplicationControl.unregisterBroker(img, 3);
        assertThat(out.result()).isEqualTo(Errors.NONE);
        ClusterImage after = Images.applyChecked(img, out.records());
        assertThat(after.broker(3)).isNull();
        assertThat(after.incarnation(3)).isNull();
        assertThat(after.isFenced(3)).as("no fencing state left behind").isFalse();
        assertThat(after.isEligible(3)).isFalse();
        assertThat(after.topic("t").partition(0)).isEqualTo(p(0, List.of(3, 1, 2), List.of(1, 2), 1, 1, 1));
        // Its only replica: leaderless, still the ISR's last member, as after a fencing.
        assertThat(after.topic("t").partition(1)).isEqualTo(p(1, List.of(3), List.of(3), -1, 1, 1));
        assertThat(ReplicationControl.reconcile(after, CLEAN)).isEmpty();
        assertThat(ReplicationControl.unregisterBroker(after, 3).result()).isEqualTo(Errors.BROKER_ID_NOT_REGISTERED);
        // A snapshot of the image rebuilds it without the broker.
        ClusterImage rebuilt = new ClusterImage(after.clusterId(), after.controllerId(), Map.of(), List.of());
        for (MetadataRecord r : ImageApplier.asRecords(after)) rebuilt = ImageApplier.apply(rebuilt, r);
        assertThat(rebuilt.brokers().keySet()).containsExactlyInAnyOrder(1, 2);
    }

    @Test
    void uncleanElectionOnlyWhenAllowedAndThenTheIsrIsTheNewLeaderAlone() {
        // ISR [1] and 1 is fenced: 2 and 3 are live replicas outside the ISR.
        ClusterImage img = Images.brokers(1, 2, 3).fenced(1)
                .topic("t", p(0, List.of(1, 2, 3), List.of(1), -1, 3, 8)).image();
        assertThat(ReplicationControl.reconcile(img, CLEAN)).isEmpty();
        ClusterImage after = Images.applyChecked(img, ReplicationControl.reconcile(img, UNCLEAN));
        assertThat(after.topic("t").partition(0)).isEqualTo(p(0, List.of(1, 2, 3), List.of(2), 2, 4, 9));
        assertThat(ReplicationControl.reconcile(after, UNCLEAN)).isEmpty();
    }

    @Test
    void uncleanSettingComesFromTheTopicThenTheClusterDefaultThenTheStaticDefault() {
        var topicOn = Images.brokers(1).topicWithConfigs("t", Map.of("unclean.leader.election.enable", "true"),
                p(0, List.of(1), List.of(1), 1, 0, 0)).image();
        assertThat(ReplicationControl.uncleanLeaderElection(topicOn, topicOn.topic("t"), false)).isTrue();
        var clusterOn = Images.brokers(1).topic("t", p(0, List.of(1), List.of(1), 1, 0, 0))
                .apply(new MetadataRecord.BrokerConfigsSet("", Map.of("unclean.leader.election.enable", "true"))).image();
        assertThat(ReplicationControl.uncleanLeaderElection(clusterOn, clusterOn.topic("t"), false)).isTrue();
        var topicOff = Images.brokers(1).topicWithConfigs("t", Map.of("unclean.leader.election.enable", "false"),
                p(0, List.of(1), List.of(1), 1, 0, 0)).apply(new MetadataRecord.BrokerConfigsSet("", Map.of("unclean.leader.election.enable", "true"))).image();
        assertThat(ReplicationControl.uncleanLeaderElection(topicOff, topicOff.topic("t"), true)).isFalse();
        var none = Images.brokers(1).topic("t", p(0, List.of(1), List.of(1), 1, 0, 0)).image();
        assertThat(ReplicationControl.uncleanLeaderElection(none, none.topic("t"), true)).isTrue();
        assertThat(ReplicationControl.uncleanLeaderElection(none, none.topic("t"), false)).isFalse();
    }

    @Test
    void controlledShutdownMovesLeadersAndLeavesIsrsInOneStepAndIsNotUndoneByHeartbeats() {
        ClusterImage img = Images.brokers(1, 2, 3)
                .topic("t", p(0, List.of(1, 2, 3), List.of(1, 2, 3), 1, 0, 0), p(1, List.of(2, 1, 3), List.of(2, 1), 2, 0, 0),
                        p(2, List.of(1, 3), List.of(1), 1, 0, 0), p(3, List.of(2, 3), List.of(2, 3), 2, 0, 0))
                .image();
        assertThat(ReplicationControl.controlledShutdownMovesAnything(img, 1)).isTrue();
        var out = ReplicationControl.controlledShutdown(img, 1, "inc-1");
        assertThat(out.result()).isTrue();
        assertThat(out.records().get(0)).isEqualTo(new MetadataRecord.BrokerShuttingDown(1));
        ClusterImage after = Images.applyChecked(img, out.records());
        assertThat(after.isShuttingDown(1)).isTrue();
        assertThat(after.isFenced(1)).isTrue();
        assertThat(after.topic("t").partition(0)).isEqualTo(p(0, List.of(1, 2, 3), List.of(2, 3), 2, 1, 1));
        assertThat(after.topic("t").partition(1)).isEqualTo(p(1, List.of(2, 1, 3), List.of(2), 2, 0, 1));
        assertThat(after.topic("t").partition(2)).as("the last ISR member stays; no leader is left")
                .isEqualTo(p(2, List.of(1, 3), List.of(1), -1, 1, 1));
        assertThat(after.topic("t").partition(3)).isEqualTo(img.topic("t").partition(3));
        // Once done, nothing is left to move; a controller's reconcile agrees with the state.
        assertThat(ReplicationControl.controlledShutdownMovesAnything(after, 1)).isFalse();
        assertThat(ReplicationControl.reconcile(after, CLEAN)).isEmpty();
        // It cannot come back into an ISR until it registers again.
        assertThat(ReplicationControl.alterPartition(after,
                new AlterPartitionRequest("t", null, 0, 2, 1, 1, List.of(2, 3, 1))).result().error())
                .isEqualTo(Errors.INELIGIBLE_REPLICA);
        ClusterImage restarted = ImageApplier.apply(after, new MetadataRecord.BrokerRegistered(1, "inc-1b", "h", 1, null));
        assertThat(restarted.isEligible(1)).isTrue();
        ClusterImage led = Images.applyChecked(restarted, ReplicationControl.reconcile(restarted, CLEAN));
        assertThat(led.topic("t").partition(2).leader()).isEqualTo(1);
    }

    @Test
    void controlledShutdownFromAReplacedProcessChangesNothing() {
        ClusterImage img = Images.brokers(1, 2).topic("t", p(0, List.of(1, 2), List.of(1, 2), 1, 0, 0)).image();
        var out = ReplicationControl.controlledShutdown(img, 1, "an-older-incarnation");
        assertThat(out.result()).isFalse();
        assertThat(out.records()).isEmpty();
        assertThat(ReplicationControl.controlledShutdown(img, 9, "x").result()).isFalse();
    }

    @Test
    void preferredElection() {
        ClusterImage img = Images.brokers(1, 2, 3).fenced(3)
                .topic("t", p(0, List.of(1, 2), List.of(1, 2), 2, 3, 3), // 1 can take over
                        p(1, List.of(1, 2), List.of(1, 2), 1, 0, 0),          // already preferred
                        p(2, List.of(3, 1), List.of(3, 1), 1, 1, 1),          // preferred 3 is fenced
                        p(3, List.of(2, 1), List.of(1), 1, 0, 0))             // preferred 2 not in ISR
                .image();
        var out = ReplicationControl.electLeaders(img, ElectionType.PREFERRED, List.of(ref(0), ref(1), ref(2), ref(3),
                new TopicPartitionRef("t", 9), new TopicPartitionRef("nope", 0)));
        assertThat(out.result()).extracting(ElectionResult::error).containsExactly(Errors.NONE, Errors.ELECTION_NOT_NEEDED,
                Errors.PREFERRED_LEADER_NOT_AVAILABLE, Errors.PREFERRED_LEADER_NOT_AVAILABLE,
                Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.UNKNOWN_TOPIC_OR_PARTITION);
        ClusterImage after = Images.applyChecked(img, out.records());
        assertThat(after.topic("t").partition(0)).isEqualTo(p(0, List.of(1, 2), List.of(1, 2), 1, 4, 4));
        // All partitions (null): the ones needing no election are left out of the answer.
        var all = ReplicationControl.electLeaders(after, ElectionType.PREFERRED, null);
        assertThat(all.result()).extracting(r -> r.partition().partition()).containsExactly(2, 3);
        assertThat(all.records()).isEmpty();
    }

    @Test
    void uncleanElectionRequestOnlyForLeaderlessPartitions() {
        ClusterImage img = Images.brokers(1, 2, 3).fenced(1).fenced(3)
                .topic("t", p(0, List.of(1, 2), List.of(1), -1, 2, 2),  // 2 is live, outside the ISR
                        p(1, List.of(2, 3), List.of(2, 3), 2, 0, 0),     // has a leader
                        p(2, List.of(1, 3), List.of(1), -1, 1, 1))       // nobody live
                .image();
        var out = ReplicationControl.electLeaders(img, ElectionType.UNCLEAN, List.of(ref(0), ref(1), ref(2)));
        assertThat(out.result()).extracting(ElectionResult::error)
                .containsExactly(Errors.NONE, Errors.ELECTION_NOT_NEEDED, Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE);
        ClusterImage after = Images.applyChecked(img, out.records());
        assertThat(after.topic("t").partition(0)).isEqualTo(p(0, List.of(1, 2), List.of(2), 2, 3, 3));
    }

    @Test
    void autoRebalanceMovesLeadersBackOnlyForBrokersOverTheImbalanceThreshold() {
        // Broker 1 prefers 4 partitions, leads 1 of them (75 % imbalanced); broker 2 prefers 10, leads 9 (10 %).
        Images b = Images.brokers(1, 2, 3);
        PartitionState[] parts = new PartitionState[14];
        for (int i = 0; i < 4; i++) parts[i] = p(i, List.of(1, 2, 3), List.of(1, 2, 3), i == 0 ? 1 : 3, 1, 1);
        for (int i = 4; i < 14; i++) parts[i] = p(i, List.of(2, 3, 1), List.of(2, 3, 1), i == 4 ? 3 : 2, 1, 1);
        ClusterImage img = b.topic("t", parts).image();
        List<MetadataRecord> moves = ReplicationControl.rebalanceLeaders(img, 10);
        assertThat(moves).extracting(r -> ((MetadataRecord.PartitionChanged) r).partition()).containsExactly(1, 2, 3);
        ClusterImage after = Images.applyChecked(img, moves);
        for (int i = 1; i < 4; i++) assertThat(after.topic("t").partition(i).leader()).isEqualTo(1);
        assertThat(after.topic("t").partition(4).leader()).isEqualTo(3);
        assertThat(ReplicationControl.rebalanceLeaders(after, 10)).isEmpty();
        assertThat(ReplicationControl.rebalanceLeaders(after, 0)).hasSize(1);
    }

    @Test
    void aChangeComputedFromAnOutdatedImageIsStale() {
        ClusterImage img = Images.brokers(1, 2).topic("t", p(0, List.of(1, 2), List.of(1, 2), 1, 0, 0)).image();
        var fromOld = (MetadataRecord.PartitionChanged) ReplicationControl.fence(img, 2, CLEAN).get(1);
        var shrink = ReplicationControl.alterPartition(img, new AlterPartitionRequest("t", null, 0, 1, 0, 0, List.of(1)));
        ClusterImage moved = Images.applyChecked(img, shrink.records());
        assertThat(ReplicationControl.isNextChange(img, fromOld)).isTrue();
        assertThat(ReplicationControl.isNextChange(moved, fromOld)).isFalse();
    }

    private static TopicPartitionRef ref(int p) {
        return new TopicPartitionRef("t", p);
    }
}
