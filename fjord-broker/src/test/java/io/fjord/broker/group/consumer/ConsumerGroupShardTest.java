package io.fjord.broker.group.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.broker.coordinator.CoordinatorResult;
import io.fjord.broker.coordinator.CoordinatorRuntime;
import io.fjord.broker.coordinator.InMemoryCoordinatorLog;
import io.fjord.broker.group.GroupCoordinatorShard;
import io.fjord.broker.group.JoinResult;
import io.fjord.protocol.api.Errors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The KIP-848 consumer group protocol on the group shard and the coordinator runtime: direct executor and a manual
 * clock, so epochs, reconciliation, sessions and rebalance timeouts are tested without sleeping.
 */
class ConsumerGroupShardTest {
    static final int SESSION = 45_000;
    static final int REBALANCE = 30_000;

    final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    final InMemoryCoordinatorLog log = new InMemoryCoordinatorLog(true);
    final Map<String, ConsumerGroupProtocol.TopicMeta> topics = new ConcurrentHashMap<>();
    final UUID t = topic("t", 6);
    ConsumerGroupProtocol.Settings settings = new ConsumerGroupProtocol.Settings(List.of("uniform", "range"), SESSION, 5000,
            Integer.MAX_VALUE, "bidirectional");
    CoordinatorRuntime<GroupCoordinatorShard> runtime = newRuntime();

    UUID topic(String name, int partitions) {
        UUID id = topics.containsKey(name) ? topics.get(name).id() : UUID.nameUUIDFromBytes(name.getBytes());
        topics.put(name, new ConsumerGroupProtocol.TopicMeta(name, id, partitions));
        return id;
    }

    CoordinatorRuntime<GroupCoordinatorShard> newRuntime() {
        GroupCoordinatorShard.Settings classic = new GroupCoordinatorShard.Settings(0, 1000, 60_000, Integer.MAX_VALUE, 100,
                3_600_000L, 60_000);
        return new CoordinatorRuntime<>("groups", (p, timer) -> new GroupCoordinatorShard(p, timer, now::get, classic,
                (topic, partition) -> topics.containsKey(topic), settings, () -> Map.copyOf(topics)), log, Runnable::run, now::get, false);
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

    ConsumerGroupProtocol.HeartbeatResponse heartbeat(ConsumerGroupProtocol.HeartbeatRequest req) {
        return write(s -> s.consumerGroupHeartbeat(req));
    }

    static ConsumerGroupProtocol.HeartbeatRequest join(String member, List<String> topics) {
        return new ConsumerGroupProtocol.HeartbeatRequest("g", member, 0, null, null, REBALANCE, topics, null, null,
                Assignment.EMPTY, "client", "/127.0.0.1");
    }

    static ConsumerGroupProtocol.HeartbeatRequest beat(String member, int epoch, Assignment owned) {
        return new ConsumerGroupProtocol.HeartbeatRequest("g", member, epoch, null, null, -1, null, null, null, owned,
                "client", "/127.0.0.1");
    }

    ConsumerGroup group() {
        return read(s -> s.consumerGroups().group("g"));
    }

    ConsumerGroupMember member(String id) {
        return read(s -> s.consumerGroups().member("g", id));
    }

    static Assignment parts(UUID topic, Integer... ps) {
        return new Assignment(Map.of(topic, new TreeSet<>(List.of(ps))));
    }

    /** No partition is owned (assigned or still revoking) by two members at once. */
    void assertNoDoubleOwnership() {
        Map<String, String> seen = new HashMap<>();
        for (ConsumerGroupMember m : group().members().values()) {
            for (Assignment a : List.of(m.assigned(), m.pendingRevocation())) {
                a.partitions().forEach((topic, ps) -> ps.forEach(p -> {
                    String prev = seen.put(topic + "-" + p, m.memberId());
                    assertThat(prev).as("%s-%d owned by %s and %s", topic, p, prev, m.memberId()).isNull();
                }));
            }
        }
    }

    @Test
    void aMemberJoinsAtEpochOneWithEveryPartition() {
        lead(1);
        var r = heartbeat(join("a", List.of("t")));
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.memberEpoch()).isEqualTo(1);
        assertThat(r.heartbeatIntervalMs()).isEqualTo(5000);
        assertThat(r.assignment()).isEqualTo(parts(t, 0, 1, 2, 3, 4, 5));
        assertThat(group().state()).isEqualTo(ConsumerGroupState.STABLE);
        // A plain heartbeat changes nothing and carries no assignment.
        var again = heartbeat(beat("a", 1, null));
        assertThat(again.memberEpoch()).isEqualTo(1);
        assertThat(again.assignment()).isNull();
        assertThat(group().groupEpoch()).isEqualTo(1);
    }

    @Test
    void partitionsAreRevokedBeforeAnotherMemberGetsThem() {
        lead(1);
        heartbeat(join("a", List.of("t")));
        var b = heartbeat(join("b", List.of("t")));
        // b is at epoch 2, but every partition of its target is still a's: it gets none yet.
        assertThat(b.memberEpoch()).isEqualTo(2);
        assertThat(b.assignment()).isEqualTo(Assignment.EMPTY);
        assertThat(member("b").state()).isEqualTo(MemberState.UNRELEASED_PARTITIONS);
        assertThat(group().state()).isEqualTo(ConsumerGroupState.RECONCILING);
        Assignment bTarget = group().targetOf("b");
        assertThat(bTarget.size()).isEqualTo(3);
        // a is told to keep only its target half and stays at epoch 1 until it has revoked.
        var a = heartbeat(beat("a", 1, parts(t, 0, 1, 2, 3, 4, 5)));
        Assignment aKept = parts(t, 0, 1, 2, 3, 4, 5).minus(bTarget);
        assertThat(a.memberEpoch()).isEqualTo(1);
        assertThat(a.assignment()).isEqualTo(aKept);
        assertThat(member("a").state()).isEqualTo(MemberState.UNREVOKED_PARTITIONS);
        assertThat(member("a").pendingRevocation()).isEqualTo(bTarget);
        assertNoDoubleOwnership();
        // Still owned by a: b keeps waiting.
        assertThat(heartbeat(beat("b", 2, Assignment.EMPTY)).assignment()).isNull();
        assertThat(heartbeat(beat("a", 1, parts(t, 0, 1, 2, 3, 4, 5))).memberEpoch()).isEqualTo(1);
        // a confirms: it moves to epoch 2; then b gets the released partitions.
        var a2 = heartbeat(beat("a", 1, aKept));
        assertThat(a2.memberEpoch()).isEqualTo(2);
        assertNoDoubleOwnership();
        var b2 = heartbeat(beat("b", 2, Assignment.EMPTY));
        assertThat(b2.assignment()).isEqualTo(bTarget);
        assertThat(member("b").state()).isEqualTo(MemberState.STABLE);
        assertThat(group().state()).isEqualTo(ConsumerGroupState.STABLE);
        assertNoDoubleOwnership();
    }

    @Test
    void aSilentMemberIsRemovedAfterItsSessionAndTheOthersTakeOver() {
        lead(1);
        heartbeat(join("a", List.of("t")));
        heartbeat(join("b", List.of("t")));
        Assignment aKept = heartbeat(beat("a", 1, parts(t, 0, 1, 2, 3, 4, 5))).assignment();
        heartbeat(beat("a", 1, aKept));
        heartbeat(beat("b", 2, Assignment.EMPTY));
        int epoch = group().groupEpoch();
        // a keeps heartbeating, b goes silent.
        for (int i = 0; i < 4; i++) {
            advance(SESSION / 3);
            assertThat(heartbeat(beat("a", member("a").memberEpoch(), null)).error()).isEqualTo(Errors.NONE);
        }
        assertThat(group().members()).containsOnlyKeys("a");
        assertThat(group().groupEpoch()).isEqualTo(epoch + 1);
        var r = heartbeat(beat("a", 2, aKept));
        assertThat(r.memberEpoch()).isEqualTo(epoch + 1);
        assertThat(r.assignment()).isEqualTo(parts(t, 0, 1, 2, 3, 4, 5));
        assertThat(heartbeat(beat("b", 2, null)).error()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void aGroupsOwnSessionTimeoutAndHeartbeatIntervalOverrideTheBrokers() {
        Map<String, Map<String, String>> groupConfigs = new ConcurrentHashMap<>();
        groupConfigs.put("g", Map.of("consumer.session.timeout.ms", "50000", "consumer.heartbeat.interval.ms", "7000"));
        settings = settings.withGroupConfigs(g -> groupConfigs.getOrDefault(g, Map.of()));
        runtime = newRuntime();
        lead(1);
        assertThat(heartbeat(join("a", List.of("t"))).heartbeatIntervalMs()).isEqualTo(7000);
        // 46 s of silence: past the broker's 45 s, within the group's 50 s.
        advance(46_000);
        assertThat(group().members()).containsOnlyKeys("a");
        advance(5_000);
        assertThat(group().members()).isEmpty();
    }

    @Test
    void aMemberThatDoesNotRevokeWithinItsRebalanceTimeoutIsRemoved() {
        lead(1);
        heartbeat(join("a", List.of("t")));
        heartbeat(join("b", List.of("t")));
        heartbeat(beat("a", 1, parts(t, 0, 1, 2, 3, 4, 5)));
        assertThat(member("a").state()).isEqualTo(MemberState.UNREVOKED_PARTITIONS);
        // a heartbeats but never gives the partitions up.
        for (int i = 0; i < 3; i++) {
            advance(REBALANCE / 3 + 1);
            heartbeat(beat("b", 2, Assignment.EMPTY));
            if (member("a") != null) heartbeat(beat("a", 1, parts(t, 0, 1, 2, 3, 4, 5)));
        }
        assertThat(group().members()).containsOnlyKeys("b");
        assertThat(heartbeat(beat("a", 1, null)).error()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void staleAndFutureEpochsAreFencedAndUnknownMembersRefused() {
        lead(1);
        heartbeat(join("a", List.of("t")));
        assertThat(heartbeat(beat("a", 2, null)).error()).isEqualTo(Errors.FENCED_MEMBER_EPOCH);
        assertThat(heartbeat(beat("zz", 1, null)).error()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        heartbeat(join("b", List.of("t")));
        Assignment aKept = heartbeat(beat("a", 1, parts(t, 0, 1, 2, 3, 4, 5))).assignment();
        heartbeat(beat("a", 1, aKept)); // a is at epoch 2 now, previous epoch 1
        // Its last answer lost: epoch 1 with no more than it owns is accepted; claiming more is fenced.
        assertThat(heartbeat(beat("a", 1, aKept)).error()).isEqualTo(Errors.NONE);
        assertThat(heartbeat(beat("a", 1, parts(t, 0, 1, 2, 3, 4, 5))).error()).isEqualTo(Errors.FENCED_MEMBER_EPOCH);
        assertThat(heartbeat(beat("a", 0 + 5, aKept)).error()).isEqualTo(Errors.FENCED_MEMBER_EPOCH);
        // After fencing the member rejoins with epoch 0 and gets its partitions back.
        var rejoin = heartbeat(join("a", List.of("t")));
        assertThat(rejoin.error()).isEqualTo(Errors.NONE);
        assertThat(rejoin.assignment()).isEqualTo(aKept);
    }

    @Test
    void aStaticMemberKeepsItsPartitionsWhileAwayAndGetsThemBackUnderANewId() {
        lead(1);
        heartbeat(join("a", List.of("t")));
        var s = heartbeat(new ConsumerGroupProtocol.HeartbeatRequest("g", "s1", 0, "instance-1", null, REBALANCE,
                List.of("t"), null, null, Assignment.EMPTY, "c", "h"));
        assertThat(s.error()).isEqualTo(Errors.NONE);
        Assignment aKept = heartbeat(beat("a", 1, parts(t, 0, 1, 2, 3, 4, 5))).assignment();
        heartbeat(beat("a", 1, aKept));
        Assignment sParts = heartbeat(beat("s1", 2, Assignment.EMPTY)).assignment();
        assertThat(sParts.size()).isEqualTo(3);
        // The same instance under another id while s1 is there: refused.
        var clash = heartbeat(new ConsumerGroupProtocol.HeartbeatRequest("g", "s2", 0, "instance-1", null, REBALANCE,
                List.of("t"), null, null, Assignment.EMPTY, "c", "h"));
        assertThat(clash.error()).isEqualTo(Errors.UNRELEASED_INSTANCE_ID);
        // Static leave (-2): the member stays with its partitions, no new group epoch.
        int epoch = group().groupEpoch();
        var away = heartbeat(new ConsumerGroupProtocol.HeartbeatRequest("g", "s1", -2, "instance-1", null, -1, null, null,
                null, null, "c", "h"));
        assertThat(away.memberEpoch()).isEqualTo(-2);
        assertThat(group().groupEpoch()).isEqualTo(epoch);
        assertThat(member("s1").assigned()).isEqualTo(sParts);
        // Back under a new id: same partitions, still no rebalance.
        var back = heartbeat(new ConsumerGroupProtocol.HeartbeatRequest("g", "s2", 0, "instance-1", null, REBALANCE,
                List.of("t"), null, null, Assignment.EMPTY, "c", "h"));
        assertThat(back.error()).isEqualTo(Errors.NONE);
        assertThat(back.assignment()).isEqualTo(sParts);
        assertThat(back.memberEpoch()).isEqualTo(epoch);
        assertThat(group().members()).containsOnlyKeys("a", "s2");
        assertThat(group().groupEpoch()).isEqualTo(epoch);
        // Away again and not back within the session: removed, a gets everything.
        heartbeat(new ConsumerGroupProtocol.HeartbeatRequest("g", "s2", -2, "instance-1", null, -1, null, null, null, null, "c", "h"));
        for (int i = 0; i < 4; i++) {
            advance(SESSION / 3);
            heartbeat(beat("a", member("a").memberEpoch(), null));
        }
        assertThat(group().members()).containsOnlyKeys("a");
        assertThat(heartbeat(beat("a", member("a").memberEpoch(), aKept)).assignment()).isEqualTo(parts(t, 0, 1, 2, 3, 4, 5));
    }

    @Test
    void aDynamicMemberLeavesWithEpochMinusOne() {
        lead(1);
        heartbeat(join("a", List.of("t")));
        var left = heartbeat(beat("a", -1, null));
        assertThat(left.error()).isEqualTo(Errors.NONE);
        assertThat(left.memberEpoch()).isEqualTo(-1);
        assertThat(group().state()).isEqualTo(ConsumerGroupState.EMPTY);
        assertThat(heartbeat(beat("a", -1, null)).error()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void serverAssignorsAreChosenByTheMembersAndUnknownOnesRefused() {
        lead(1);
        UUID u = topic("u", 5);
        UUID v = topic("v", 5);
        var bad = heartbeat(new ConsumerGroupProtocol.HeartbeatRequest("g", "a", 0, null, null, REBALANCE, List.of("u"), null,
                "sticky", Assignment.EMPTY, "c", "h"));
        assertThat(bad.error()).isEqualTo(Errors.UNSUPPORTED_ASSIGNOR);
        for (String m : List.of("m1", "m2")) {
            heartbeat(new ConsumerGroupProtocol.HeartbeatRequest("g", m, 0, null, null, REBALANCE, List.of("u", "v"), null,
                    "range", Assignment.EMPTY, "c", "h"));
        }
        // Range: per topic, the first member (by id) gets the extra partition; co-partitioned topics line up.
        Map<UUID, Set<Integer>> expected = Map.of(u, Set.of(0, 1, 2), v, Set.of(0, 1, 2));
        assertThat(group().targetOf("m1").partitions()).isEqualTo(expected);
        assertThat(group().targetOf("m2").partitions()).isEqualTo(Map.of(u, Set.of(3, 4), v, Set.of(3, 4)));
        assertThat(read(s -> ConsumerGroupDescription.of(s.consumerGroups(), "g")).assignor()).isEqualTo("range");
    }

    @Test
    void uniformSpreadsEvenlyAndMovesLittleWhenAMemberJoins() {
        UniformAssignor uniform = new UniformAssignor();
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        Map<UUID, Integer> partitions = Map.of(a, 13, b, 8);
        Map<String, PartitionAssignor.MemberSubscription> members = new java.util.TreeMap<>();
        for (int i = 0; i < 6; i++) members.put("m" + i, new PartitionAssignor.MemberSubscription("m" + i, Set.of(a, b)));
        Map<String, Assignment> first = uniform.assign(members, partitions, Map.of());
        assertBalancedAndComplete(first, 21);
        members.put("m6", new PartitionAssignor.MemberSubscription("m6", Set.of(a, b)));
        Map<String, Assignment> second = uniform.assign(members, partitions, first);
        assertBalancedAndComplete(second, 21);
        int moved = 0;
        for (int i = 0; i < 6; i++) moved += first.get("m" + i).minus(second.get("m" + i)).size();
        // 21 partitions over 7 members: the newcomer takes 3, and only those move.
        assertThat(moved).isEqualTo(3);
        // Heterogeneous: a member subscribed to one topic only gets partitions of that topic.
        members.put("m7", new PartitionAssignor.MemberSubscription("m7", Set.of(b)));
        Map<String, Assignment> third = uniform.assign(members, partitions, second);
        assertThat(third.get("m7").partitions().keySet()).containsOnly(b);
        assertThat(third.values().stream().mapToInt(Assignment::size).sum()).isEqualTo(21);
    }

    static void assertBalancedAndComplete(Map<String, Assignment> assignment, int total) {
        Set<String> seen = new java.util.HashSet<>();
        for (Assignment x : assignment.values()) {
            x.partitions().forEach((topic, ps) -> ps.forEach(p -> assertThat(seen.add(topic + "-" + p)).isTrue()));
        }
        assertThat(seen).hasSize(total);
        int max = assignment.values().stream().mapToInt(Assignment::size).max().orElseThrow();
        int min = assignment.values().stream().mapToInt(Assignment::size).min().orElseThrow();
        assertThat(max - min).isLessThanOrEqualTo(1);
    }

    @Test
    void regexSubscriptionsFollowTheTopicsAndInvalidPatternsAreRefused() {
        lead(1);
        UUID tx = topic("tx", 2);
        topic("u", 3);
        var bad = heartbeat(new ConsumerGroupProtocol.HeartbeatRequest("g", "a", 0, null, null, REBALANCE, null, "t[",
                null, Assignment.EMPTY, "c", "h"));
        assertThat(bad.error()).isEqualTo(Errors.INVALID_REGULAR_EXPRESSION);
        var r = heartbeat(new ConsumerGroupProtocol.HeartbeatRequest("g", "a", 0, null, null, REBALANCE, null, "t.*",
                null, Assignment.EMPTY, "c", "h"));
        assertThat(r.assignment().partitions()).containsOnlyKeys(t, tx);
        // A new matching topic: the next heartbeat sees new metadata, bumps the epoch and assigns it.
        UUID t2 = topic("t2", 1);
        var after = heartbeat(beat("a", r.memberEpoch(), r.assignment()));
        assertThat(after.memberEpoch()).isEqualTo(r.memberEpoch() + 1);
        assertThat(after.assignment().partitions()).containsOnlyKeys(t, tx, t2);
    }

    @Test
    void theGroupMaxSizeIsEnforced() {
        settings = new ConsumerGroupProtocol.Settings(List.of("uniform"), SESSION, 5000, 2, "bidirectional");
        runtime = newRuntime();
        lead(1);
        assertThat(heartbeat(join("a", List.of("t"))).error()).isEqualTo(Errors.NONE);
        assertThat(heartbeat(join("b", List.of("t"))).error()).isEqualTo(Errors.NONE);
        assertThat(heartbeat(join("c", List.of("t"))).error()).isEqualTo(Errors.GROUP_MAX_SIZE_REACHED);
        assertThat(group().members()).containsOnlyKeys("a", "b");
    }

    @Test
    void badFirstHeartbeatsAreInvalidRequests() {
        lead(1);
        assertThat(heartbeat(new ConsumerGroupProtocol.HeartbeatRequest("g", "a", 0, null, null, REBALANCE, null, null, null,
                null, "c", "h")).error()).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(heartbeat(new ConsumerGroupProtocol.HeartbeatRequest("g", "", 3, null, null, REBALANCE, List.of("t"), null,
                null, null, "c", "h")).error()).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(heartbeat(new ConsumerGroupProtocol.HeartbeatRequest("g", "a", 0, null, null, -1, List.of("t"), null,
                null, null, "c", "h")).error()).isEqualTo(Errors.INVALID_REQUEST);
    }

    @Test
    void membersEpochsAndAssignmentsSurviveACoordinatorMove() {
        lead(1);
        heartbeat(join("a", List.of("t")));
        heartbeat(join("b", List.of("t")));
        Assignment aKept = heartbeat(beat("a", 1, parts(t, 0, 1, 2, 3, 4, 5))).assignment();
        heartbeat(beat("a", 1, aKept));
        Assignment bParts = heartbeat(beat("b", 2, Assignment.EMPTY)).assignment();
        runtime.scheduleUnload(0, 1);
        runtime = newRuntime();
        lead(2);
        assertThat(group().state()).isEqualTo(ConsumerGroupState.STABLE);
        assertThat(group().members()).containsOnlyKeys("a", "b");
        assertThat(member("a").assigned()).isEqualTo(aKept);
        assertThat(member("b").assigned()).isEqualTo(bParts);
        // The members carry on at their epochs on the new coordinator, nothing reassigned.
        var r = heartbeat(beat("b", 2, bParts));
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.memberEpoch()).isEqualTo(2);
        assertThat(r.assignment()).isNull();
        // Sessions restart on load: a member that never comes back is removed.
        for (int i = 0; i < 4; i++) {
            advance(SESSION / 3);
            heartbeat(beat("b", 2, null));
        }
        assertThat(group().members()).containsOnlyKeys("b");
    }

    @Test
    void offsetCommitsUseTheMemberEpochAsGeneration() {
        lead(1);
        heartbeat(join("a", List.of("t")));
        var commit = List.of(new GroupCoordinatorShard.OffsetCommit("t", 0, 10, -1, null));
        assertThat(write(s -> s.commit("g", 1, "a", null, commit)).groupError()).isEqualTo(Errors.NONE);
        assertThat(write(s -> s.commit("g", 0, "a", null, commit)).groupError()).isEqualTo(Errors.STALE_MEMBER_EPOCH);
        assertThat(write(s -> s.commit("g", 1, "zz", null, commit)).groupError()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(write(s -> s.commit("g", -1, "", null, commit)).groupError()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(read(s -> s.fetchOffsets("g", null)).get("t").get(0).offset()).isEqualTo(10);
    }

    @Test
    void transactionalOffsetCommitsCheckTheMemberEpoch() {
        lead(1);
        heartbeat(join("a", List.of("t")));
        var commit = List.of(new GroupCoordinatorShard.OffsetCommit("t", 1, 20, -1, null));
        // The consumer's current epoch: accepted, pending until the marker.
        assertThat(write(s -> s.txnCommit("g", 7, (short) 0, 1, "a", null, commit)).groupError()).isEqualTo(Errors.NONE);
        java.util.Set<io.fjord.broker.group.OffsetKey> pending = read(s -> s.pendingTransactionalOffsets("g"));
        assertThat(pending).hasSize(1);
        // An older epoch of the member (a zombie after a rebalance), an unknown member.
        assertThat(write(s -> s.txnCommit("g", 7, (short) 0, 0, "a", null, commit)).groupError()).isEqualTo(Errors.STALE_MEMBER_EPOCH);
        assertThat(write(s -> s.txnCommit("g", 7, (short) 0, 2, "a", null, commit)).groupError()).isEqualTo(Errors.STALE_MEMBER_EPOCH);
        assertThat(write(s -> s.txnCommit("g", 7, (short) 0, 1, "zz", null, commit)).groupError()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(write(s -> s.txnCommit("g", 7, (short) 0, 3, "", null, commit)).groupError()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        // Versions before 3 carry neither: accepted, as Kafka does (unlike a plain OffsetCommit of a non-member).
        assertThat(write(s -> s.txnCommit("g", 8, (short) 0, -1, "", null, commit)).groupError()).isEqualTo(Errors.NONE);
        write(s -> s.completeTransaction(7, (short) 0, true));
        assertThat(read(s -> s.fetchOffsets("g", null)).get("t").get(1).offset()).isEqualTo(20);
    }

    @Test
    void listDescribeAndDeleteSeeConsumerGroups() {
        lead(1);
        heartbeat(join("a", List.of("t")));
        var listing = read(GroupCoordinatorShard::list);
        assertThat(listing).containsExactly(new GroupCoordinatorShard.GroupListing("g", "consumer", "Stable", "consumer"));
        assertThat(read(s -> s.describe("g")).members()).extracting(GroupCoordinatorShard.MemberDescription::memberId)
                .containsExactly("a");
        ConsumerGroupDescription d = read(s -> ConsumerGroupDescription.of(s.consumerGroups(), "g"));
        assertThat(d.members().get(0).assignment().get(0).topicName()).isEqualTo("t");
        assertThat(d.groupEpoch()).isEqualTo(1);
        assertThat((Object) write(s -> s.deleteGroup("g"))).isEqualTo(Errors.NON_EMPTY_GROUP);
        heartbeat(beat("a", -1, null));
        assertThat((Object) write(s -> s.deleteGroup("g"))).isEqualTo(Errors.NONE);
        assertThat((Object) read(s -> s.consumerGroups().group("g"))).isNull();
        assertThat(read(GroupCoordinatorShard::list)).isEmpty();
    }

    @Test
    void anEmptyClassicGroupUpgradesAndAnEmptyConsumerGroupDowngrades() {
        lead(1);
        // A classic group's offsets, no members.
        write(s -> s.commit("g", -1, "", null, List.of(new GroupCoordinatorShard.OffsetCommit("t", 2, 77, -1, null))));
        var r = heartbeat(join("a", List.of("t")));
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(read(s -> s.fetchOffsets("g", null)).get("t").get(2).offset()).isEqualTo(77);
        // A classic member joining while consumer members are there becomes a classic member of the consumer group.
        JoinResult mixed = write(s -> s.join(classicJoin())).join();
        assertThat(mixed.error()).isEqualTo(Errors.NONE);
        assertThat(group().classicInfo(mixed.memberId())).isNotNull();
        assertThat(write(s -> s.leave("g", List.of(new GroupCoordinatorShard.LeavingMember(mixed.memberId(), null)))).values())
                .containsOnly(Errors.NONE);
        // The last consumer member leaves: a classic member converts the group back; offsets stay.
        heartbeat(beat("a", -1, null));
        JoinResult joined = write(s -> s.join(classicJoin())).join();
        assertThat(joined.error()).isEqualTo(Errors.NONE);
        assertThat((Object) read(s -> s.consumerGroups().group("g"))).isNull();
        assertThat(read(s -> s.describe("g")).protocolType()).isEqualTo("consumer");
        assertThat(read(s -> s.fetchOffsets("g", null)).get("t").get(2).offset()).isEqualTo(77);
        // A consumer member meets the classic group mid-rebalance (not Stable): told to retry.
        assertThat(heartbeat(join("b", List.of("t"))).error()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    }

    static byte[] subscription(List<Integer> owned) {
        io.fjord.protocol.types.Struct sub = new io.fjord.protocol.types.Struct(io.fjord.protocol.api.ConsumerProtocol.SUBSCRIPTION)
                .set("Topics", List.of("t"));
        sub.add("OwnedPartitions", sub.child("OwnedPartitions").set("Topic", "t").set("Partitions", owned));
        return io.fjord.protocol.api.ConsumerProtocol.serialize(sub, (short) 1);
    }

    static byte[] assignment(List<Integer> partitions) {
        io.fjord.protocol.types.Struct a = new io.fjord.protocol.types.Struct(io.fjord.protocol.api.ConsumerProtocol.ASSIGNMENT);
        a.add("AssignedPartitions", a.child("AssignedPartitions").set("Topic", "t").set("Partitions", partitions));
        return io.fjord.protocol.api.ConsumerProtocol.serialize(a, (short) 0);
    }

    static List<Integer> partitionsOf(byte[] assignment) {
        var v = io.fjord.protocol.api.ConsumerProtocol.deserialize(io.fjord.protocol.api.ConsumerProtocol.ASSIGNMENT,
                java.nio.ByteBuffer.wrap(assignment));
        List<Integer> out = new ArrayList<>();
        for (var tp : v.value().getStructs("AssignedPartitions")) out.addAll(tp.<Integer>getList("Partitions"));
        out.sort(null);
        return out;
    }

    static GroupCoordinatorShard.JoinRequest classicJoin(String memberId, List<Integer> owned) {
        return new GroupCoordinatorShard.JoinRequest("g", memberId, null, "consumer", Map.of("range", subscription(owned)),
                10_000, 30_000, false, "client", "/127.0.0.1");
    }

    @Test
    void aLiveClassicGroupUpgradesAndItsClassicMembersReconcileByRejoining() {
        lead(1);
        // A Stable classic group of two members owning 0-2 and 3-5.
        var j1 = write(s -> s.join(classicJoin("", List.of())));
        String c1 = j1.join().memberId();
        var j2 = write(s -> s.join(classicJoin("", List.of())));
        write(s -> s.join(classicJoin(c1, List.of()))).join();
        String c2 = j2.join().memberId();
        int gen = read(s -> s.describe("g")).members().size() == 2 ? j2.join().generationId() : -1;
        var sync2 = write(s -> s.sync("g", gen, c2, null, null, null, Map.of()));
        String leader = j2.join().leaderId();
        write(s -> s.sync("g", gen, leader, null, null, null, Map.of(c1, assignment(List.of(0, 1, 2)), c2, assignment(List.of(3, 4, 5))))).join();
        sync2.join();
        assertThat(read(s -> s.describe("g")).state()).isEqualTo("Stable");

        // A consumer member arrives: the group converts, the classic members keep their partitions at their generation.
        var r = heartbeat(join("n", List.of("t")));
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.assignment()).isEqualTo(Assignment.EMPTY);
        assertThat(group().members()).containsOnlyKeys(c1, c2, "n");
        assertThat(member(c1).assigned()).isEqualTo(parts(t, 0, 1, 2));
        assertNoDoubleOwnership();
        // Offsets stay; a classic commit uses the generation it knows.
        assertThat(write(s -> s.commit("g", gen, c1, null, List.of(new GroupCoordinatorShard.OffsetCommit("t", 0, 9, -1, null))))
                .groupError()).isEqualTo(Errors.NONE);
        // The classic members learn of the change from their heartbeat and rejoin, revoking first (eager: everything).
        assertThat((Object) write(s -> s.heartbeat("g", gen, c1, null))).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        for (String c : List.of(c1, c2)) {
            JoinResult rejoin = write(s -> s.join(classicJoin(c, List.of()))).join();
            assertThat(rejoin.error()).isEqualTo(Errors.NONE);
            assertThat(rejoin.leaderId()).isEmpty();
            assertThat(rejoin.generationId()).isEqualTo(member(c).memberEpoch());
            var synced = write(s -> s.sync("g", rejoin.generationId(), c, null, null, null, Map.of())).join();
            assertThat(synced.error()).isEqualTo(Errors.NONE);
            assertThat(partitionsOf(synced.assignment())).hasSize(2);
            assertThat((Object) write(s -> s.heartbeat("g", rejoin.generationId(), c, null))).isEqualTo(Errors.NONE);
            assertNoDoubleOwnership();
        }
        // The partitions they released go to the consumer member.
        var n2 = heartbeat(beat("n", r.memberEpoch(), Assignment.EMPTY));
        assertThat(n2.assignment().size()).isEqualTo(2);
        assertThat(group().state()).isEqualTo(ConsumerGroupState.STABLE);
        assertNoDoubleOwnership();
        // A classic member leaves through LeaveGroup: its partitions are reassigned.
        var left = write(s -> s.leave("g", List.of(new GroupCoordinatorShard.LeavingMember(c1, null))));
        assertThat(left.values()).containsOnly(Errors.NONE);
        assertThat(group().members()).containsOnlyKeys(c2, "n");
        // Survives a coordinator move: the classic member is still classic there.
        runtime.scheduleUnload(0, 1);
        runtime = newRuntime();
        lead(2);
        assertThat(group().classicInfo(c2)).isNotNull();
        int c2Epoch = member(c2).memberEpoch();
        assertThat((Object) write(s -> s.heartbeat("g", c2Epoch, c2, null))).isIn(Errors.NONE, Errors.REBALANCE_IN_PROGRESS);
    }

    static GroupCoordinatorShard.JoinRequest classicJoin() {
        return new GroupCoordinatorShard.JoinRequest("g", "", null, "consumer", Map.of("range", new byte[] {1}), 10_000,
                30_000, false, "client", "/127.0.0.1");
    }

    @Test
    void theGroupStateMachineRefusesIllegalMoves() {
        ConsumerGroup g = new ConsumerGroup("x");
        g.markDead();
        List<Throwable> errors = new ArrayList<>();
        try {
            g.markDead();
        } catch (IllegalStateException e) {
            errors.add(e);
        }
        // Dead may follow Dead (idempotent deletion) but nothing else may follow it.
        assertThat(errors).isEmpty();
        assertThat(ConsumerGroupState.EMPTY.validPrevious()).doesNotContain(ConsumerGroupState.DEAD);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ConsumerGroupMember("m", null, null, "", "", List.of(),
                null, null, 1, 1, 0, MemberState.UNREVOKED_PARTITIONS, Assignment.EMPTY, Assignment.EMPTY))
                .isInstanceOf(IllegalStateException.class);
    }
}
