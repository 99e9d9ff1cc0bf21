package io.fjord.metadata.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.metadata.AlterPartitionRequest;
import io.fjord.metadata.AlterPartitionResult;
import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.ControllerPolicy;
import io.fjord.metadata.ElectionResult;
import io.fjord.metadata.ElectionType;
import io.fjord.metadata.PartitionState;
import io.fjord.metadata.TopicImage;
import io.fjord.metadata.TopicPartitionRef;
import io.fjord.protocol.api.Errors;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The controller's replication decisions through a real three-voter Raft log in this JVM. */
class RaftControllerReplicationTest {
    @TempDir
    Path dir;

    private static PartitionState state(RaftController c, String topic, int p) {
        TopicImage t = c.image().topic(topic);
        return t == null ? null : t.partition(p);
    }

    private static AlterPartitionRequest isr(PartitionState s, String topic, List<Integer> isr) {
        return new AlterPartitionRequest(topic, null, s.partition(), s.leader(), s.leaderEpoch(), s.partitionEpoch(), isr);
    }

    @Test
    void alterPartitionIsJudgedAtApplyTimeSoOfTwoProposalsOnTheSameEpochOneWins() throws Exception {
        try (RaftQuorum q = new RaftQuorum(dir, 3, ControllerPolicy.DEFAULT).start()) {
            q.node(2).createTopic("t", List.of(List.of(1, 2, 3)), Map.of());
            q.awaitEverywhere("topic t", img -> img.topic("t") != null);
            PartitionState s0 = state(q.node(3), "t", 0);
            assertThat(s0.isr()).containsExactly(1, 2, 3);

            // A shrink sent through node 3 (any node reaches the controller), as leader 1.
            AlterPartitionResult shrink = q.node(3).alterPartition(isr(s0, "t", List.of(1, 2)));
            assertThat(shrink.error()).isEqualTo(Errors.NONE);
            assertThat(shrink.state().isr()).containsExactly(1, 2);
            assertThat(shrink.state().partitionEpoch()).isEqualTo(s0.partitionEpoch() + 1);
            q.awaitEverywhere("shrunk ISR", img -> img.topic("t").partition(0).equals(shrink.state()));

            // The same proposal again (the stale partition epoch): refused, nothing changes anywhere.
            AlterPartitionResult stale = q.node(1).alterPartition(isr(s0, "t", List.of(1)));
            assertThat(stale.error()).isEqualTo(Errors.INVALID_UPDATE_VERSION);
            assertThat(stale.state()).isNull();
            for (int id = 1; id <= 3; id++) assertThat(state(q.node(id), "t", 0)).isEqualTo(shrink.state());

            // Two proposals built on the same state race from two nodes: the log orders them, exactly one commits.
            PartitionState s1 = shrink.state();
            CompletableFuture<AlterPartitionResult> a = CompletableFuture.supplyAsync(() -> call(q.node(1), isr(s1, "t", List.of(1))));
            CompletableFuture<AlterPartitionResult> b = CompletableFuture.supplyAsync(() -> call(q.node(2), isr(s1, "t", List.of(1, 2, 3))));
            List<Errors> outcomes = List.of(a.get().error(), b.get().error());
            assertThat(outcomes).containsExactlyInAnyOrder(Errors.NONE, Errors.INVALID_UPDATE_VERSION);
            PartitionState winner = (a.get().error() == Errors.NONE ? a.get() : b.get()).state();
            q.awaitEverywhere("the winner's ISR", img -> img.topic("t").partition(0).equals(winner));
            assertThat(winner.partitionEpoch()).isEqualTo(s1.partitionEpoch() + 1);

            // A leader that was replaced (older leader epoch) is fenced.
            AlterPartitionResult fenced = q.node(1).alterPartition(new AlterPartitionRequest("t", null, 0, 1,
                    s0.leaderEpoch() - 1, winner.partitionEpoch(), List.of(1, 2)));
            assertThat(fenced.error()).isEqualTo(Errors.FENCED_LEADER_EPOCH);
        }
    }

    private static AlterPartitionResult call(RaftController c, AlterPartitionRequest r) {
        try {
            return c.alterPartition(r);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void controlledShutdownMovesLeadershipsFirstAndTheBrokerStaysOutUntilItRegistersAgain() throws Exception {
        // A short rebalance interval, so the preferred leader gets its partitions back once it is in the ISR again.
        ControllerPolicy policy = new ControllerPolicy(false, true, 500, 10);
        try (RaftQuorum q = new RaftQuorum(dir, 3, policy).start()) {
            q.node(1).createTopic("cs", List.of(List.of(2, 1, 3), List.of(2, 3, 1), List.of(1, 2, 3), List.of(2)), Map.of());
            q.awaitEverywhere("topic cs", img -> img.topic("cs") != null);
            String oldIncarnation = q.node(2).incarnation();

            assertThat(q.node(2).controlledShutdown(2, 10_000)).isTrue();
            q.awaitEverywhere("shutdown applied", img -> img.isShuttingDown(2)); // committed; applied node by node
            for (int id = 1; id <= 3; id++) {
                ClusterImage img = q.node(id).image();
                TopicImage t = img.topic("cs");
                assertThat(img.isShuttingDown(2)).isTrue();
                assertThat(img.isFenced(2)).isTrue();
                assertThat(t.partition(0).leader()).isEqualTo(1);
                assertThat(t.partition(1).leader()).isEqualTo(3);
                for (int p = 0; p < 3; p++) assertThat(t.partition(p).isr()).doesNotContain(2);
                // Its only replica: no leader now, the ISR keeps it.
                assertThat(t.partition(3).leader()).isEqualTo(-1);
                assertThat(t.partition(3).isr()).containsExactly(2);
            }
            // It still heartbeats (it has not stopped): the active controller must not unfence it.
            int active = q.activeController();
            long after = System.nanoTime();
            Awaitility.await("two heartbeats from 2 after the shutdown").atMost(Duration.ofSeconds(30)).until(() -> {
                int now = q.activeController();
                return now == active && q.node(active).lastHeartbeatNanos(2) > after + Duration.ofMillis(300).toNanos();
            });
            assertThat(q.node(active).image().isFenced(2)).isTrue();
            // Nothing is left to move: a second request is skipped.
            assertThat(q.node(2).controlledShutdown(2, 10_000)).isFalse();

            // The restart registers a new incarnation: eligible again, it leads its single-replica partition again.
            q.restart(2);
            assertThat(q.node(2).incarnation()).isNotEqualTo(oldIncarnation);
            q.awaitEverywhere("2 back", img -> img.isEligible(2) && !img.isShuttingDown(2)
                    && img.topic("cs").partition(3).leader() == 2);
            // Its followers' leader lets it back into the ISR (the broker's ISR expansion), and the rebalance moves
            // its preferred partitions back to it.
            for (int p = 0; p < 2; p++) {
                PartitionState s = state(q.node(1), "cs", p);
                List<Integer> grown = new ArrayList<>(s.isr());
                grown.add(2);
                assertThat(q.node(1).alterPartition(isr(s, "cs", grown)).error()).isEqualTo(Errors.NONE);
            }
            q.awaitEverywhere("preferred leaders back", img -> img.topic("cs").partition(0).leader() == 2
                    && img.topic("cs").partition(1).leader() == 2);
        }
    }

    @Test
    void uncleanElectionFollowsTheTopicSettingAndExplicitElectionsGoThroughTheLog() throws Exception {
        try (RaftQuorum q = new RaftQuorum(dir, 3, ControllerPolicy.DEFAULT).start()) {
            int victim = q.activeController() == 3 ? 2 : 3; // not the active controller, so no failover on top
            int other = victim == 3 ? 2 : 3;
            q.node(1).createTopic("u", List.of(List.of(victim, other)), Map.of());
            q.awaitEverywhere("topic u", img -> img.topic("u") != null);
            PartitionState s = state(q.node(1), "u", 0);
            assertThat(q.node(1).alterPartition(isr(s, "u", List.of(victim))).error()).isEqualTo(Errors.NONE);
            q.crash(victim);
            q.awaitEverywhere("victim fenced", img -> img.isFenced(victim) && img.topic("u").partition(0).leader() == -1);
            // Unclean election is off: the live replica outside the ISR is not elected. Explicitly asked: it is.
            assertThat(state(q.node(1), "u", 0).isr()).containsExactly(victim);
            List<ElectionResult> preferred = q.node(1).electLeaders(ElectionType.PREFERRED, List.of(new TopicPartitionRef("u", 0)));
            assertThat(preferred).extracting(ElectionResult::error).containsExactly(Errors.PREFERRED_LEADER_NOT_AVAILABLE);

            // Turning the topic setting on while it is leaderless elects the live replica (the active controller).
            q.node(1).setTopicConfigs("u", Map.of("unclean.leader.election.enable", "true"));
            q.awaitEverywhere("unclean leader", img -> img.topic("u").partition(0).leader() == other);
            PartitionState u = state(q.node(1), "u", 0);
            assertThat(u.isr()).containsExactly(other);
            assertThat(u.leaderEpoch()).isGreaterThan(s.leaderEpoch() + 1);

            List<ElectionResult> notNeeded = q.node(1).electLeaders(ElectionType.UNCLEAN, List.of(new TopicPartitionRef("u", 0)));
            assertThat(notNeeded).extracting(ElectionResult::error).containsExactly(Errors.ELECTION_NOT_NEEDED);
        }
    }
}
