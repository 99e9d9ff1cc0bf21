package io.fjord.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.broker.coordinator.CoordinatorException;
import io.fjord.broker.coordinator.CoordinatorResult;
import io.fjord.broker.coordinator.CoordinatorRuntime;
import io.fjord.broker.coordinator.InMemoryCoordinatorLog;
import io.fjord.protocol.api.Errors;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The classic group coordinator as a shard on the runtime: every event runs inside the call (direct executor),
 * time moves only when the test moves it, so sessions, join phases and retention are tested without sleeping.
 */
class GroupCoordinatorShardTest {
    static final int SESSION = 10_000;
    static final int REBALANCE = 30_000;
    static final long RETENTION = 60 * 60_000L;

    final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    final InMemoryCoordinatorLog log = new InMemoryCoordinatorLog(true);
    CoordinatorRuntime<GroupCoordinatorShard> runtime = newRuntime(Integer.MAX_VALUE, 0);

    CoordinatorRuntime<GroupCoordinatorShard> newRuntime(int maxGroupSize, int initialDelay) {
        GroupCoordinatorShard.Settings settings = new GroupCoordinatorShard.Settings(initialDelay, 1000, 60_000,
                maxGroupSize, 100, RETENTION, 60_000);
        return new CoordinatorRuntime<>("groups", (p, timer) -> new GroupCoordinatorShard(p, timer, now::get, settings,
                (topic, partition) -> (topic.equals("t") || topic.equals("u")) && partition < 4), log, Runnable::run, now::get, false);
    }

    void lead(int epoch) {
        log.lead(0, epoch);
        runtime.scheduleLoad(0, epoch);
        assertThat(runtime.state(0)).isEqualTo(CoordinatorRuntime.ShardState.ACTIVE);
    }

    <T> T write(Function<GroupCoordinatorShard, CoordinatorResult<T>> op) {
        return runtime.scheduleWriteOperation("op", 0, op).join();
    }

    <T> T read(Function<GroupCoordinatorShard, T> op) {
        return runtime.scheduleReadOperation("op", 0, op).join();
    }

    void advance(long ms) {
        now.addAndGet(ms);
        runtime.fireDueTimers();
    }

    static GroupCoordinatorShard.JoinRequest join(String group, String memberId, String instanceId) {
        return new GroupCoordinatorShard.JoinRequest(group, memberId, instanceId, "consumer",
                Map.of("range", new byte[]{1}), SESSION, REBALANCE, false, "client", "/127.0.0.1");
    }

    CompletableFuture<JoinResult> joinAsync(String group, String memberId) {
        return write(s -> s.join(join(group, memberId, null)));
    }

    String state(String group) {
        GroupCoordinatorShard.GroupDescription d = read(s -> s.describe(group));
        return d == null ? null : d.state();
    }

    /** Two members join, the leader syncs: the group is Stable at generation 1. Returns {leader, follower}. */
    String[] stableGroupOfTwo(String group) {
        CompletableFuture<JoinResult> a = joinAsync(group, "");
        CompletableFuture<JoinResult> b = joinAsync(group, "");
        // Without an initial delay the first join completes alone; the second starts another rebalance.
        String idA = a.join().memberId();
        assertThat(b).isNotDone();
        CompletableFuture<JoinResult> a2 = joinAsync(group, idA);
        JoinResult ra = a2.join();
        JoinResult rb = b.join();
        assertThat(ra.generationId()).isEqualTo(rb.generationId());
        String leader = ra.leaderId();
        String follower = leader.equals(idA) ? rb.memberId() : idA;
        int gen = ra.generationId();
        CompletableFuture<SyncResult> sf = write(s -> s.sync(group, gen, follower, null, null, null, Map.of()));
        assertThat(sf).isNotDone();
        SyncResult sl = write(s -> s.sync(group, gen, leader, null, null, null,
                Map.of(leader, new byte[]{10}, follower, new byte[]{20}))).join();
        assertThat(sl.assignment()).containsExactly(10);
        assertThat(sf.join().assignment()).containsExactly(20);
        assertThat(state(group)).isEqualTo("Stable");
        return new String[]{leader, follower};
    }

    @Test
    void joinSyncHeartbeatAndSessionExpiry() {
        lead(1);
        String[] m = stableGroupOfTwo("g");
        int gen = 2; // the first member alone made generation 1, the second one joining made 2
        assertThat((Object) write(s -> s.heartbeat("g", gen, m[0], null))).isEqualTo(Errors.NONE);
        assertThat((Object) write(s -> s.heartbeat("g", gen + 1, m[0], null))).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat((Object) write(s -> s.heartbeat("g", gen, "stranger", null))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        // The leader keeps heartbeating, the follower goes silent: after its session it is removed.
        for (int i = 0; i < 4; i++) {
            advance(SESSION / 3);
            assertThat((Object) write(s -> s.heartbeat("g", gen, m[0], null))).isIn(Errors.NONE, Errors.REBALANCE_IN_PROGRESS);
        }
        assertThat(read(s -> s.describe("g")).members()).extracting(GroupCoordinatorShard.MemberDescription::memberId)
                .containsExactly(m[0]);
        assertThat(state("g")).isEqualTo("PreparingRebalance");
        assertThat((Object) write(s -> s.heartbeat("g", gen, m[0], null))).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        JoinResult r = joinAsync("g", m[0]).join();
        assertThat(r.generationId()).isEqualTo(gen + 1);
        assertThat(r.members()).hasSize(1);
        // The last member's session ends too: Empty.
        advance(SESSION + 1);
        assertThat(state("g")).isEqualTo("Empty");
    }

    @Test
    void aMemberThatDoesNotRejoinWithinTheRebalanceTimeoutIsDropped() {
        lead(1);
        String[] m = stableGroupOfTwo("g");
        CompletableFuture<JoinResult> newcomer = joinAsync("g", "");
        CompletableFuture<JoinResult> leaderRejoin = joinAsync("g", m[0]);
        assertThat(newcomer).isNotDone();
        // The follower stays silent: the join phase ends at the rebalance timeout without it.
        advance(REBALANCE);
        assertThat(newcomer).isDone();
        assertThat(leaderRejoin.join().generationId()).isEqualTo(3);
        assertThat(read(s -> s.describe("g")).members()).hasSize(2)
                .extracting(GroupCoordinatorShard.MemberDescription::memberId).doesNotContain(m[1]);
    }

    @Test
    void aStaticMemberComingBackKeepsItsAssignmentWithoutARebalance() {
        lead(1);
        JoinResult first = write(s -> s.join(join("g", "", "instance-1"))).join();
        int gen = first.generationId();
        write(s -> s.sync("g", gen, first.memberId(), "instance-1", null, null, Map.of(first.memberId(), new byte[]{7}))).join();
        // Restarted with a new process: no member id, same instance id.
        JoinResult again = write(s -> s.join(join("g", "", "instance-1"))).join();
        assertThat(again.error()).isEqualTo(Errors.NONE);
        assertThat(again.generationId()).isEqualTo(gen);
        assertThat(again.memberId()).isNotEqualTo(first.memberId());
        assertThat(again.skipAssignment()).isTrue(); // the returning leader keeps the assignment (KIP-814)
        assertThat(state("g")).isEqualTo("Stable");
        SyncResult s2 = write(s -> s.sync("g", gen, again.memberId(), "instance-1", null, null, Map.of())).join();
        assertThat(s2.assignment()).containsExactly(7);
        // The old incarnation is fenced.
        assertThat((Object) write(s -> s.heartbeat("g", gen, first.memberId(), "instance-1"))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void committedOffsetsAreReplayedByTheNextLeader() {
        lead(1);
        GroupCoordinatorShard.CommitResult c = write(s -> s.commit("g", -1, "", null, List.of(
                new GroupCoordinatorShard.OffsetCommit("t", 0, 42, 3, "m"),
                new GroupCoordinatorShard.OffsetCommit("t", 1, 7, 3, null),
                new GroupCoordinatorShard.OffsetCommit("t", 9, 1, 3, null),
                new GroupCoordinatorShard.OffsetCommit("t", 2, 1, 3, "x".repeat(101)))));
        assertThat(c.groupError()).isEqualTo(Errors.NONE);
        assertThat(c.partitions().values()).containsExactly(Errors.NONE, Errors.NONE, Errors.UNKNOWN_TOPIC_OR_PARTITION,
                Errors.OFFSET_METADATA_TOO_LARGE);
        write(s -> s.commit("g", -1, "", null, List.of(new GroupCoordinatorShard.OffsetCommit("t", 1, 8, 3, null))));
        // Leadership moves away, then back (another broker's runtime would do the same from its replica).
        log.resign(0);
        runtime.scheduleUnload(0, 1);
        assertThat(runtime.scheduleReadOperation("op", 0, s -> s.fetchOffsets("g", null)))
                .isCompletedExceptionally();
        runtime = newRuntime(Integer.MAX_VALUE, 0);
        lead(2);
        var offsets = read(s -> s.fetchOffsets("g", null));
        assertThat(offsets.get("t")).containsOnlyKeys(0, 1);
        assertThat(offsets.get("t").get(0)).isEqualTo(new GroupCoordinatorShard.FetchedOffset(42, 3, "m"));
        assertThat(offsets.get("t").get(1).offset()).isEqualTo(8);
        assertThat(state("g")).isEqualTo("Empty");
    }

    @Test
    void anEmptyGroupsOffsetsExpireAfterTheRetentionAndTheGroupGoes() {
        lead(1);
        write(s -> s.commit("g", -1, "", null, List.of(new GroupCoordinatorShard.OffsetCommit("t", 0, 5, -1, null))));
        advance(RETENTION / 2);
        write(s -> s.commit("h", -1, "", null, List.of(new GroupCoordinatorShard.OffsetCommit("t", 0, 6, -1, null))));
        advance(RETENTION / 2 + 60_000); // the check runs every minute
        assertThat((Object) read(s -> s.describe("g"))).isNull();
        assertThat((Map<?, ?>) read(s -> s.fetchOffsets("g", null))).isEmpty();
        assertThat(read(s -> s.fetchOffsets("h", null)).get("t").get(0).offset()).isEqualTo(6L);
        // The expiry was written: a new leader agrees.
        runtime = newRuntime(Integer.MAX_VALUE, 0);
        lead(2);
        assertThat((Object) read(s -> s.describe("g"))).isNull();
        assertThat((Object) read(s -> s.describe("h"))).isNotNull();
    }

    @Test
    void offsetsOfAGroupWithMembersDoNotExpire() {
        lead(1);
        JoinResult r = joinAsync("g", "").join();
        write(s -> s.sync("g", r.generationId(), r.memberId(), null, null, null, Map.of()));
        write(s -> s.commit("g", r.generationId(), r.memberId(), null, List.of(new GroupCoordinatorShard.OffsetCommit("t", 0, 5, -1, null))));
        for (int i = 0; i < (RETENTION + 120_000) / 5_000; i++) {
            advance(5_000);
            write(s -> s.heartbeat("g", r.generationId(), r.memberId(), null));
        }
        assertThat(read(s -> s.fetchOffsets("g", null)).get("t").get(0).offset()).isEqualTo(5L);
    }

    @Test
    void aGroupWhoseMembersAllLeftIsEmptyAndDeletableAtOnce() {
        lead(1);
        String[] m = stableGroupOfTwo("g");
        write(s -> s.commit("g", 2, m[0], null, List.of(new GroupCoordinatorShard.OffsetCommit("t", 0, 5, -1, null))));
        assertThat((Object) write(s -> s.deleteGroup("g"))).isEqualTo(Errors.NON_EMPTY_GROUP);
        var left = write(s -> s.leave("g", List.of(new GroupCoordinatorShard.LeavingMember(m[0], null),
                new GroupCoordinatorShard.LeavingMember(m[1], null))));
        assertThat(left.values()).containsOnly(Errors.NONE);
        assertThat(state("g")).isEqualTo("Empty");
        assertThat((Object) write(s -> s.deleteGroup("g"))).isEqualTo(Errors.NONE);
        assertThat((Object) read(s -> s.describe("g"))).isNull();
        assertThat((Object) write(s -> s.deleteGroup("g"))).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        runtime = newRuntime(Integer.MAX_VALUE, 0);
        lead(2);
        assertThat((Object) read(s -> s.describe("g"))).isNull();
        assertThat((Map<?, ?>) read(s -> s.fetchOffsets("g", null))).isEmpty();
    }

    @Test
    void membersLeavingOneByOneDuringTheInitialDelayLeaveAnEmptyGroup() {
        runtime = newRuntime(Integer.MAX_VALUE, 3000);
        lead(1);
        CompletableFuture<JoinResult> a = joinAsync("g", "");
        assertThat(a).isNotDone();
        assertThat(state("g")).isEqualTo("PreparingRebalance");
        advance(3000);
        String id = a.join().memberId();
        write(s -> s.leave("g", List.of(new GroupCoordinatorShard.LeavingMember(id, null))));
        assertThat(state("g")).isEqualTo("Empty");
    }

    @Test
    void badInputGetsKafkasErrors() {
        runtime = newRuntime(2, 0);
        lead(1);
        // No protocol type: Kafka answers INCONSISTENT_GROUP_PROTOCOL, and no group is created.
        JoinResult noType = write(s -> s.join(new GroupCoordinatorShard.JoinRequest("g", "", null, "",
                Map.of("range", new byte[0]), SESSION, REBALANCE, false, "c", "h"))).join();
        assertThat(noType.error()).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat((Object) read(s -> s.describe("g"))).isNull();
        joinAsync("g", "").join();
        // Another protocol type than the group's.
        JoinResult otherType = write(s -> s.join(new GroupCoordinatorShard.JoinRequest("g", "", null, "connect",
                Map.of("range", new byte[0]), SESSION, REBALANCE, false, "c", "h"))).join();
        assertThat(otherType.error()).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        JoinResult badSession = write(s -> s.join(new GroupCoordinatorShard.JoinRequest("g", "", null, "consumer",
                Map.of("range", new byte[0]), 10, REBALANCE, false, "c", "h"))).join();
        assertThat(badSession.error()).isEqualTo(Errors.INVALID_SESSION_TIMEOUT);
        // group.max.size = 2: the third member is refused, also on the KIP-394 path.
        joinAsync("g", "");
        assertThat(joinAsync("g", "").join().error()).isEqualTo(Errors.GROUP_MAX_SIZE_REACHED);
        JoinResult viaIdRequired = write(s -> s.join(new GroupCoordinatorShard.JoinRequest("g", "", null, "consumer",
                Map.of("range", new byte[0]), SESSION, REBALANCE, true, "c", "h"))).join();
        assertThat(viaIdRequired.error()).isEqualTo(Errors.GROUP_MAX_SIZE_REACHED);
        // A group this broker does not coordinate (partition 1 is not loaded here).
        CompletableFuture<GroupCoordinatorShard.CommitResult> elsewhere = runtime.scheduleWriteOperation("commit", 1,
                s -> s.commit("x", -1, "", null, List.of()));
        assertThat(CoordinatorException.errorOf(elsewhere.handle((v, e) -> e).join())).isEqualTo(Errors.NOT_COORDINATOR);
        // A commit from a member with a stale generation.
        GroupCoordinatorShard.CommitResult stale = write(s -> s.commit("nope", 3, "m", null,
                List.of(new GroupCoordinatorShard.OffsetCommit("t", 0, 5, -1, null))));
        assertThat(stale.groupError()).isEqualTo(Errors.ILLEGAL_GENERATION);
    }

    @Test
    void unloadingAnswersWaitingMembersWithNotCoordinator() {
        lead(1);
        stableGroupOfTwo("g");
        CompletableFuture<JoinResult> waiting = joinAsync("g", "");
        assertThat(waiting).isNotDone();
        runtime.scheduleUnload(0, 1);
        assertThat(waiting.join().error()).isEqualTo(Errors.NOT_COORDINATOR);
    }

    @Test
    void offsetDeleteSparesTopicsTheMembersSubscribeToAndIsReplayed() {
        lead(1);
        String[] m = stableGroupOfTwo("g");
        write(s -> s.commit("g", 2, m[0], null, List.of(new GroupCoordinatorShard.OffsetCommit("t", 0, 5, -1, null),
                new GroupCoordinatorShard.OffsetCommit("u", 0, 9, -1, null))));
        GroupCoordinatorShard.DeleteOffsetsResult r = write(s -> s.deleteOffsets("g",
                List.of(new OffsetKey("t", 0), new OffsetKey("u", 0)), metadata -> java.util.Set.of("t")));
        assertThat(r.groupError()).isEqualTo(Errors.NONE);
        assertThat(r.partitions()).containsEntry(new OffsetKey("t", 0), Errors.GROUP_SUBSCRIBED_TO_TOPIC)
                .containsEntry(new OffsetKey("u", 0), Errors.NONE);
        assertThat((Map<String, ?>) read(s -> s.fetchOffsets("g", null))).containsOnlyKeys("t");
        GroupCoordinatorShard.DeleteOffsetsResult unknown = write(s -> s.deleteOffsets("nope",
                List.of(new OffsetKey("t", 0)), metadata -> java.util.Set.of()));
        assertThat(unknown.groupError()).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        runtime = newRuntime(Integer.MAX_VALUE, 0);
        lead(2);
        assertThat((Map<String, ?>) read(s -> s.fetchOffsets("g", null))).containsOnlyKeys("t");
        // Members are not restored by a new coordinator: the group is Empty there, so every offset may go.
        GroupCoordinatorShard.DeleteOffsetsResult empty = write(s -> s.deleteOffsets("g",
                List.of(new OffsetKey("t", 0)), metadata -> java.util.Set.of("t")));
        assertThat(empty.partitions()).containsEntry(new OffsetKey("t", 0), Errors.NONE);
        assertThat((Map<?, ?>) read(s -> s.fetchOffsets("g", null))).isEmpty();
    }
}
