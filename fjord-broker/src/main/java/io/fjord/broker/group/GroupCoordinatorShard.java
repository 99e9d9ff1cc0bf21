package io.fjord.broker.group;

import io.fjord.broker.coordinator.CoordinatorRecord;
import io.fjord.broker.coordinator.CoordinatorResult;
import io.fjord.broker.coordinator.CoordinatorShard;
import io.fjord.broker.coordinator.CoordinatorTimer;
import io.fjord.broker.group.consumer.ClassicMembers;
import io.fjord.broker.group.consumer.ClassicUpgrade;
import io.fjord.broker.group.consumer.ConsumerGroup;
import io.fjord.broker.group.consumer.ConsumerGroupProtocol;
import io.fjord.protocol.api.Errors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiPredicate;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic group protocol for the groups of one {@code __consumer_offsets} partition: JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup, committed offsets, their expiry, and group deletion. See {@link GroupState} for a group's
 * state machine. Run by the coordinator runtime: its handlers return the records to write with the response, and
 * committed offsets and group deletions change only in {@link #replay}, so loading the partition rebuilds them.
 * Membership lives in memory (as the join/sync protocol needs futures that wait) and is rebuilt by members
 * rejoining after the coordinator moves. Timers (join phase, initial delay, sessions, pending members, offsets
 * retention) are the runtime's, on its injected clock.
 *
 * <p>Not thread-safe: the runtime runs each shard's events one at a time.
 */
public final class GroupCoordinatorShard implements CoordinatorShard {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinatorShard.class);
    private static final String EXPIRE_OFFSETS = "expire-offsets";

    /** The shard's settings: Kafka's group and offsets broker configs. */
    public record Settings(int initialRebalanceDelayMs, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                           int maxGroupSize, int maxMetadataBytes, long offsetsRetentionMs, long retentionCheckIntervalMs) {
        public static Settings from(io.fjord.broker.config.BrokerConfig config) {
            return new Settings(config.getInt("group.initial.rebalance.delay.ms"),
                    config.getInt("group.min.session.timeout.ms"), config.getInt("group.max.session.timeout.ms"),
                    config.getInt("group.max.size"), config.getInt("offset.metadata.max.bytes"),
                    config.getLong("offsets.retention.minutes") * 60_000L, config.getLong("offsets.retention.check.interval.ms"));
        }
    }

    private final int partition;
    private final Map<String, ClassicGroup> groups = new HashMap<>();
    private final CoordinatorTimer timer;
    private final LongSupplier clock;
    private final Settings settings;
    private final BiPredicate<String, Integer> partitionExists;
    /** The groups of this partition that speak the consumer protocol (KIP-848); their offsets stay in {@link #groups}. */
    private final ConsumerGroupProtocol consumer;
    /** Offsets of open transactions (TxnOffsetCommit), kept apart from the group state. */
    private final TransactionalOffsets txnOffsets = new TransactionalOffsets();
    /** Classic members inside consumer groups (online migration). */
    private final ClassicMembers classicInConsumer;

    public GroupCoordinatorShard(int partition, CoordinatorTimer timer, LongSupplier clock, Settings settings,
                                 BiPredicate<String, Integer> partitionExists) {
        this(partition, timer, clock, settings, partitionExists, ConsumerGroupProtocol.Settings.defaults(), Map::of);
    }

    public GroupCoordinatorShard(int partition, CoordinatorTimer timer, LongSupplier clock, Settings settings,
                                 BiPredicate<String, Integer> partitionExists, ConsumerGroupProtocol.Settings consumerSettings,
                                 ConsumerGroupProtocol.Topics topics) {
        this.partition = partition;
        this.timer = timer;
        this.clock = clock;
        this.settings = settings;
        this.partitionExists = partitionExists;
        this.consumer = new ConsumerGroupProtocol(timer, consumerSettings, topics, this::classicGroupInUse);
        this.classicInConsumer = new ClassicMembers(consumer);
        String policy = consumerSettings.migrationPolicy();
        if ("bidirectional".equalsIgnoreCase(policy) || "upgrade".equalsIgnoreCase(policy)) consumer.allowUpgrades(this::upgrade);
    }

    private ClassicUpgrade.Outcome upgrade(String groupId, ConsumerGroupProtocol protocol) {
        return ClassicGroupUpgrade.upgrade(groups.get(groupId), classicInConsumer, this::removeFromGroup, clock.getAsLong());
    }

    private boolean classicGroupInUse(String groupId) {
        ClassicGroup g = groups.get(groupId);
        return g != null && !g.is(GroupState.EMPTY) && !g.is(GroupState.DEAD);
    }

    /** The consumer group protocol of this shard (ConsumerGroupHeartbeat, ConsumerGroupDescribe). */
    public ConsumerGroupProtocol consumerGroups() {
        return consumer;
    }

    public CoordinatorResult<ConsumerGroupProtocol.HeartbeatResponse> consumerGroupHeartbeat(ConsumerGroupProtocol.HeartbeatRequest req) {
        return consumer.heartbeat(req);
    }

    // ------------------------------------------------------------------------------------------------ replay

    @Override
    public void replay(CoordinatorRecord record) {
        if (consumer.replay(record)) return;
        if (txnOffsets.replay(record)) return;
        OffsetRecords.Decoded d = OffsetRecords.decode(record);
        if (d == null) return;
        if (d.tp() == null) { // the group was deleted (DeleteGroups, or its offsets all expired)
            ClassicGroup g = groups.remove(d.group());
            if (g != null && !g.is(GroupState.DEAD)) g.transitionTo(GroupState.DEAD);
            return;
        }
        if (d.offsetOrNull() == null) {
            ClassicGroup g = groups.get(d.group());
            if (g != null) g.offsets.remove(d.tp());
            return;
        }
        ClassicGroup g = groups.computeIfAbsent(d.group(), ClassicGroup::new);
        if (g.protocolType == null) g.protocolType = "consumer";
        g.offsets.put(d.tp(), d.offsetOrNull());
    }

    @Override
    public void onLoaded() {
        timer.schedule(EXPIRE_OFFSETS, settings.retentionCheckIntervalMs(), this::expireOffsets);
        consumer.onLoaded();
        log.info("__consumer_offsets-{}: {} groups loaded", partition, groups.size());
    }

    @Override
    public void onUnloaded() {
        // The group moves to the new leader of this partition: whoever waits looks the coordinator up again.
        for (ClassicGroup g : groups.values()) {
            for (GroupMember m : g.members.values()) {
                if (m.awaitingJoin != null) m.awaitingJoin.complete(JoinResult.error(Errors.NOT_COORDINATOR, m.memberId));
                if (m.awaitingSync != null) m.awaitingSync.complete(SyncResult.error(Errors.NOT_COORDINATOR));
                m.awaitingJoin = null;
                m.awaitingSync = null;
            }
        }
        groups.clear();
        consumer.onUnloaded();
        txnOffsets.clear();
    }

    // ------------------------------------------------------------------------------------------------ join

    public record JoinRequest(String groupId, String memberId, String groupInstanceId, String protocolType,
                              Map<String, byte[]> protocols, int sessionTimeoutMs, int rebalanceTimeoutMs,
                              boolean requireKnownMemberId, String clientId, String clientHost) {
    }

    /** The answer completes when the join phase ends (at once for errors). Writes nothing. */
    public CoordinatorResult<CompletableFuture<JoinResult>> join(JoinRequest req) {
        ConsumerGroup cg = req.groupId() == null ? null : consumer.group(req.groupId());
        if (cg != null) {
            if (!cg.members().isEmpty()) {
                // A classic member in a live consumer group: answered from the consumer group at once.
                CoordinatorResult<JoinResult> r = classicInConsumer.join(req.groupId(), req.memberId(), req.groupInstanceId(),
                        req.protocolType(), req.protocols(), req.sessionTimeoutMs(), req.rebalanceTimeoutMs(), req.clientId(),
                        req.clientHost());
                return new CoordinatorResult<>(r.records(), done(r.response()));
            }
            if (!downgradeAllowed()) return CoordinatorResult.of(done(JoinResult.error(Errors.INCONSISTENT_GROUP_PROTOCOL, req.memberId())));
            // Online downgrade: an empty consumer group becomes a classic group again; its offsets stay.
            log.info("group {}: empty consumer group converted to a classic group", req.groupId());
            return new CoordinatorResult<>(consumer.deletionRecords(req.groupId()), joinNow(req));
        }
        return CoordinatorResult.of(joinNow(req));
    }

    private boolean downgradeAllowed() {
        String policy = consumerSettings().migrationPolicy();
        return "bidirectional".equalsIgnoreCase(policy) || "downgrade".equalsIgnoreCase(policy);
    }

    private ConsumerGroupProtocol.Settings consumerSettings() {
        return consumer.settings();
    }

    private CompletableFuture<JoinResult> joinNow(JoinRequest req) {
        if (req.groupId() == null || req.groupId().isEmpty()) return done(JoinResult.error(Errors.INVALID_GROUP_ID, req.memberId()));
        if (req.sessionTimeoutMs() < settings.minSessionTimeoutMs() || req.sessionTimeoutMs() > settings.maxSessionTimeoutMs()) {
            return done(JoinResult.error(Errors.INVALID_SESSION_TIMEOUT, req.memberId()));
        }
        boolean unknownMember = req.memberId() == null || req.memberId().isEmpty();
        ClassicGroup group = groups.get(req.groupId());
        if (group == null && !unknownMember) return done(JoinResult.error(Errors.UNKNOWN_MEMBER_ID, req.memberId()));
        if (group == null) {
            // Checked before the group exists, so a refused join leaves nothing behind.
            if (req.protocolType() == null || req.protocolType().isEmpty() || req.protocols().isEmpty()) {
                return done(JoinResult.error(Errors.INCONSISTENT_GROUP_PROTOCOL, req.memberId()));
            }
            group = new ClassicGroup(req.groupId());
            groups.put(req.groupId(), group);
        }
        if (group.is(GroupState.DEAD)) return done(JoinResult.error(Errors.COORDINATOR_NOT_AVAILABLE, req.memberId()));
        if (!group.supports(req.protocolType(), req.protocols().keySet())) {
            return done(JoinResult.error(Errors.INCONSISTENT_GROUP_PROTOCOL, req.memberId()));
        }
        return unknownMember ? joinUnknownMember(group, req) : joinKnownMember(group, req);
    }

    private CompletableFuture<JoinResult> joinUnknownMember(ClassicGroup group, JoinRequest req) {
        String newId = (req.clientId() == null ? "" : req.clientId()) + "-" + UUID.randomUUID();
        if (req.groupInstanceId() != null) {
            String old = group.staticMembers.get(req.groupInstanceId());
            if (old != null) return replaceStaticMember(group, old, newId, req);
        } else if (req.requireKnownMemberId()) {
            if (group.members.size() + group.pendingMembers.size() >= settings.maxGroupSize()) {
                return done(JoinResult.error(Errors.GROUP_MAX_SIZE_REACHED, ""));
            }
            // First contact: hand out an id and wait for the member to come back with it (KIP-394).
            group.pendingMembers.add(newId);
            String groupId = group.groupId;
            timer.schedule(pendingKey(groupId, newId), req.sessionTimeoutMs(), () -> {
                expirePending(groupId, newId);
                return List.of();
            });
            return done(JoinResult.error(Errors.MEMBER_ID_REQUIRED, newId));
        }
        if (group.members.size() >= settings.maxGroupSize()) return done(JoinResult.error(Errors.GROUP_MAX_SIZE_REACHED, ""));
        GroupMember m = new GroupMember(newId, req.groupInstanceId(), req.clientId(), req.clientHost(),
                req.sessionTimeoutMs(), req.rebalanceTimeoutMs(), req.protocolType(), req.protocols());
        return addMemberAndRebalance(group, m);
    }

    private CompletableFuture<JoinResult> joinKnownMember(ClassicGroup group, JoinRequest req) {
        String id = req.memberId();
        if (group.pendingMembers.remove(id)) {
            // The member came back with the id it was given: now it joins for real.
            timer.cancel(pendingKey(group.groupId, id));
            if (group.members.size() >= settings.maxGroupSize()) return done(JoinResult.error(Errors.GROUP_MAX_SIZE_REACHED, id));
            GroupMember m = new GroupMember(id, req.groupInstanceId(), req.clientId(), req.clientHost(),
                    req.sessionTimeoutMs(), req.rebalanceTimeoutMs(), req.protocolType(), req.protocols());
            return addMemberAndRebalance(group, m);
        }
        if (!group.members.containsKey(id)) return done(JoinResult.error(Errors.UNKNOWN_MEMBER_ID, id));
        GroupMember m = group.members.get(id);
        if (!Objects.equals(m.groupInstanceId, req.groupInstanceId())) return done(JoinResult.error(Errors.FENCED_INSTANCE_ID, id));
        switch (group.state()) {
            case PREPARING_REBALANCE -> {
                return updateMemberAndRebalance(group, m, req);
            }
            case COMPLETING_REBALANCE -> {
                if (m.sameProtocols(req.protocols())) {
                    // The member missed the join response: answer with the generation as it stands.
                    return done(joinResultFor(group, m));
                }
                return updateMemberAndRebalance(group, m, req);
            }
            case STABLE -> {
                if (id.equals(group.leaderId) || !m.sameProtocols(req.protocols())) return updateMemberAndRebalance(group, m, req);
                return done(joinResultFor(group, m));
            }
            default -> {
                return done(JoinResult.error(Errors.UNKNOWN_MEMBER_ID, id));
            }
        }
    }

    private CompletableFuture<JoinResult> replaceStaticMember(ClassicGroup group, String oldId, String newId, JoinRequest req) {
        GroupMember old = group.members.get(oldId);
        GroupMember m = new GroupMember(newId, req.groupInstanceId(), req.clientId(), req.clientHost(),
                req.sessionTimeoutMs(), req.rebalanceTimeoutMs(), req.protocolType(), req.protocols());
        m.assignment = old.assignment;
        boolean wasLeader = oldId.equals(group.leaderId);
        // The old incarnation is fenced: its pending requests learn so.
        if (old.awaitingJoin != null) old.awaitingJoin.complete(JoinResult.error(Errors.FENCED_INSTANCE_ID, oldId));
        if (old.awaitingSync != null) old.awaitingSync.complete(SyncResult.error(Errors.FENCED_INSTANCE_ID));
        removeFromGroup(group, oldId);
        group.add(m);
        if (wasLeader) group.leaderId = newId;
        // As long as the group would pick the same protocol, a static member coming back changes nothing: it keeps
        // its assignment and no rebalance happens. A returning leader is told to skip the assignment (KIP-814).
        if (group.is(GroupState.STABLE) && Objects.equals(group.selectProtocol(), group.protocolName)) {
            scheduleSession(group, m);
            JoinResult r = joinResultFor(group, m);
            return done(new JoinResult(r.error(), r.memberId(), r.generationId(), r.protocolType(), r.protocolName(),
                    r.leaderId(), newId.equals(group.leaderId), r.members()));
        }
        return updateMemberAndRebalance(group, m, req);
    }

    private CompletableFuture<JoinResult> addMemberAndRebalance(ClassicGroup group, GroupMember m) {
        group.add(m);
        m.awaitingJoin = new CompletableFuture<>();
        CompletableFuture<JoinResult> f = m.awaitingJoin;
        prepareRebalance(group, "member " + m.memberId + " joined");
        maybeCompleteJoin(group);
        return f;
    }

    private CompletableFuture<JoinResult> updateMemberAndRebalance(ClassicGroup group, GroupMember m, JoinRequest req) {
        m.protocols = new LinkedHashMap<>(req.protocols());
        m.sessionTimeoutMs = req.sessionTimeoutMs();
        m.rebalanceTimeoutMs = req.rebalanceTimeoutMs();
        if (m.awaitingJoin != null) m.awaitingJoin.complete(JoinResult.error(Errors.UNKNOWN_MEMBER_ID, m.memberId));
        m.awaitingJoin = new CompletableFuture<>();
        CompletableFuture<JoinResult> f = m.awaitingJoin;
        prepareRebalance(group, "member " + m.memberId + " rejoined");
        maybeCompleteJoin(group);
        return f;
    }

    private void prepareRebalance(ClassicGroup group, String reason) {
        if (group.is(GroupState.PREPARING_REBALANCE)) return;
        if (group.is(GroupState.COMPLETING_REBALANCE)) {
            for (GroupMember m : group.members.values()) {
                if (m.awaitingSync != null) {
                    m.awaitingSync.complete(SyncResult.error(Errors.REBALANCE_IN_PROGRESS));
                    m.awaitingSync = null;
                }
                m.assignment = new byte[0];
            }
        }
        boolean initial = group.is(GroupState.EMPTY);
        group.transitionTo(GroupState.PREPARING_REBALANCE);
        log.info("group {} preparing rebalance for generation {}: {}", group.groupId, group.generationId + 1, reason);
        String groupId = group.groupId;
        if (initial && settings.initialRebalanceDelayMs() > 0) {
            group.initialDelayRunning = true;
            int delay = Math.min(settings.initialRebalanceDelayMs(), Math.max(1, group.maxRebalanceTimeoutMs()));
            timer.schedule(joinKey(groupId), delay, () -> {
                joinPhaseExpired(groupId);
                return List.of();
            });
        } else {
            timer.schedule(joinKey(groupId), Math.max(1, group.maxRebalanceTimeoutMs()), () -> {
                joinPhaseExpired(groupId);
                return List.of();
            });
        }
    }

    /** The join phase (or the initial delay, which lets more members of a starting group arrive) is over. */
    private void joinPhaseExpired(String groupId) {
        ClassicGroup group = groups.get(groupId);
        if (group == null || !group.is(GroupState.PREPARING_REBALANCE)) return;
        group.initialDelayRunning = false;
        completeJoin(group);
    }

    private void maybeCompleteJoin(ClassicGroup group) {
        if (!group.is(GroupState.PREPARING_REBALANCE)) return;
        // A group whose members all left is Empty at once (Kafka's behaviour), even during the initial delay.
        if (group.members.isEmpty() || (!group.initialDelayRunning && group.allMembersJoined())) completeJoin(group);
    }

    /**
     * Told each time a join phase ends in a new generation with members (Kafka's completed rebalances; the move to
     * Empty after the last member left is not one). Only live handling calls
     * it, never a replay, so loading a partition does not count its history again.
     */
    private Runnable rebalanceCompleted = () -> { };

    public void onRebalanceCompleted(Runnable listener) {
        this.rebalanceCompleted = listener;
    }

    /** Ends the join phase: members that did not rejoin are dropped, and a new generation begins. */
    private void completeJoin(ClassicGroup group) {
        timer.cancel(joinKey(group.groupId));
        group.initialDelayRunning = false;
        for (GroupMember m : group.memberList()) {
            if (m.awaitingJoin == null) {
                log.info("group {}: member {} did not rejoin in time; removing it", group.groupId, m.memberId);
                removeFromGroup(group, m.memberId);
            }
        }
        group.generationId++;
        if (group.members.isEmpty()) {
            group.protocolName = null;
            group.leaderId = null;
            group.transitionTo(GroupState.EMPTY);
            group.emptySinceMs = clock.getAsLong();
            log.info("group {} is empty at generation {}", group.groupId, group.generationId);
            return;
        }
        rebalanceCompleted.run(); // a generation with members: the rebalance produced an assignment
        group.protocolName = group.selectProtocol();
        if (group.leaderId == null || !group.members.containsKey(group.leaderId)) {
            group.leaderId = group.members.keySet().iterator().next();
        }
        group.transitionTo(GroupState.COMPLETING_REBALANCE);
        log.info("group {} generation {}: {} members, protocol {}, leader {}", group.groupId, group.generationId,
                group.members.size(), group.protocolName, group.leaderId);
        for (GroupMember m : group.members.values()) {
            CompletableFuture<JoinResult> f = m.awaitingJoin;
            m.awaitingJoin = null;
            scheduleSession(group, m);
            f.complete(joinResultFor(group, m));
        }
    }

    private JoinResult joinResultFor(ClassicGroup group, GroupMember m) {
        List<JoinResult.Member> members = new ArrayList<>();
        if (m.memberId.equals(group.leaderId)) {
            for (GroupMember other : group.members.values()) {
                members.add(new JoinResult.Member(other.memberId, other.groupInstanceId, other.protocols.get(group.protocolName)));
            }
        }
        return new JoinResult(Errors.NONE, m.memberId, group.generationId, group.protocolType, group.protocolName,
                group.leaderId, false, members);
    }

    private void expirePending(String groupId, String memberId) {
        ClassicGroup group = groups.get(groupId);
        if (group != null && group.pendingMembers.remove(memberId)) maybeCompleteJoin(group);
    }

    // ------------------------------------------------------------------------------------------------ sessions

    private static String joinKey(String groupId) {
        return "join/" + groupId;
    }

    private static String sessionKey(String groupId, String memberId) {
        return "session/" + groupId + "/" + memberId;
    }

    private static String pendingKey(String groupId, String memberId) {
        return "pending/" + groupId + "/" + memberId;
    }

    private void scheduleSession(ClassicGroup group, GroupMember m) {
        String groupId = group.groupId;
        String memberId = m.memberId;
        timer.schedule(sessionKey(groupId, memberId), m.sessionTimeoutMs, () -> {
            expireSession(groupId, memberId);
            return List.of();
        });
    }

    private void expireSession(String groupId, String memberId) {
        ClassicGroup group = groups.get(groupId);
        GroupMember m = group == null ? null : group.members.get(memberId);
        if (m == null || m.awaitingJoin != null) return; // gone, or waiting in the join phase (its own deadline)
        log.info("group {}: member {} session expired", groupId, memberId);
        removeMember(group, m);
    }

    private void removeFromGroup(ClassicGroup group, String memberId) {
        timer.cancel(sessionKey(group.groupId, memberId));
        group.remove(memberId);
    }

    private void removeMember(ClassicGroup group, GroupMember m) {
        if (m.awaitingJoin != null) m.awaitingJoin.complete(JoinResult.error(Errors.UNKNOWN_MEMBER_ID, m.memberId));
        if (m.awaitingSync != null) m.awaitingSync.complete(SyncResult.error(Errors.UNKNOWN_MEMBER_ID));
        removeFromGroup(group, m.memberId);
        switch (group.state()) {
            case STABLE, COMPLETING_REBALANCE -> {
                prepareRebalance(group, "member " + m.memberId + " left");
                maybeCompleteJoin(group);
            }
            case PREPARING_REBALANCE -> maybeCompleteJoin(group);
            default -> {
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ sync

    public CoordinatorResult<CompletableFuture<SyncResult>> sync(String groupId, int generationId, String memberId,
            String groupInstanceId, String protocolType, String protocolName, Map<String, byte[]> assignments) {
        if (classicInConsumer.isClassicMember(groupId, memberId)) {
            return CoordinatorResult.of(done(classicInConsumer.sync(groupId, generationId, memberId)));
        }
        return CoordinatorResult.of(syncNow(groupId, generationId, memberId, groupInstanceId, protocolType, protocolName, assignments));
    }

    private CompletableFuture<SyncResult> syncNow(String groupId, int generationId, String memberId, String groupInstanceId,
                                                  String protocolType, String protocolName, Map<String, byte[]> assignments) {
        ClassicGroup group = groups.get(groupId);
        if (group == null) return done(SyncResult.error(Errors.UNKNOWN_MEMBER_ID));
        GroupMember m = group.members.get(memberId);
        if (group.is(GroupState.DEAD)) return done(SyncResult.error(Errors.COORDINATOR_NOT_AVAILABLE));
        if (m == null) return done(SyncResult.error(Errors.UNKNOWN_MEMBER_ID));
        if (!Objects.equals(m.groupInstanceId, groupInstanceId)) return done(SyncResult.error(Errors.FENCED_INSTANCE_ID));
        if (generationId != group.generationId) return done(SyncResult.error(Errors.ILLEGAL_GENERATION));
        if ((protocolType != null && !protocolType.equals(group.protocolType))
                || (protocolName != null && !protocolName.equals(group.protocolName))) {
            return done(SyncResult.error(Errors.INCONSISTENT_GROUP_PROTOCOL));
        }
        switch (group.state()) {
            case PREPARING_REBALANCE -> {
                return done(SyncResult.error(Errors.REBALANCE_IN_PROGRESS));
            }
            case STABLE -> {
                scheduleSession(group, m);
                return done(new SyncResult(Errors.NONE, group.protocolType, group.protocolName, m.assignment));
            }
            case COMPLETING_REBALANCE -> {
                m.awaitingSync = new CompletableFuture<>();
                CompletableFuture<SyncResult> f = m.awaitingSync;
                scheduleSession(group, m);
                if (memberId.equals(group.leaderId)) {
                    for (GroupMember member : group.members.values()) {
                        byte[] a = assignments.get(member.memberId);
                        member.assignment = a == null ? new byte[0] : a;
                    }
                    group.transitionTo(GroupState.STABLE);
                    for (GroupMember member : group.members.values()) {
                        if (member.awaitingSync != null) {
                            member.awaitingSync.complete(new SyncResult(Errors.NONE, group.protocolType, group.protocolName, member.assignment));
                            member.awaitingSync = null;
                        }
                    }
                }
                return f;
            }
            default -> {
                return done(SyncResult.error(Errors.UNKNOWN_MEMBER_ID));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ heartbeat, leave

    public CoordinatorResult<Errors> heartbeat(String groupId, int generationId, String memberId, String groupInstanceId) {
        if (classicInConsumer.isClassicMember(groupId, memberId)) {
            return CoordinatorResult.of(classicInConsumer.heartbeat(groupId, generationId, memberId));
        }
        return CoordinatorResult.of(heartbeatNow(groupId, generationId, memberId, groupInstanceId));
    }

    private Errors heartbeatNow(String groupId, int generationId, String memberId, String groupInstanceId) {
        ClassicGroup group = groups.get(groupId);
        if (group == null) return Errors.UNKNOWN_MEMBER_ID;
        if (group.is(GroupState.DEAD)) return Errors.COORDINATOR_NOT_AVAILABLE;
        GroupMember m = group.members.get(memberId);
        if (m == null) return Errors.UNKNOWN_MEMBER_ID;
        if (!Objects.equals(m.groupInstanceId, groupInstanceId)) return Errors.FENCED_INSTANCE_ID;
        if (generationId != group.generationId) return Errors.ILLEGAL_GENERATION;
        scheduleSession(group, m);
        return group.is(GroupState.PREPARING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
    }

    public record LeavingMember(String memberId, String groupInstanceId) {
    }

    /** Removes members; one error per member. */
    public CoordinatorResult<Map<LeavingMember, Errors>> leave(String groupId, List<LeavingMember> leaving) {
        Map<LeavingMember, Errors> out = new LinkedHashMap<>();
        if (consumer.group(groupId) != null) {
            List<CoordinatorRecord> records = new ArrayList<>();
            for (LeavingMember l : leaving) {
                if (records.isEmpty() && classicInConsumer.isClassicMember(groupId, l.memberId())) {
                    // One removal per write: the next one must see this one replayed (group epoch, target).
                    CoordinatorResult<Errors> r = classicInConsumer.leave(groupId, l.memberId());
                    records.addAll(r.records());
                    out.put(l, r.response());
                } else {
                    out.put(l, Errors.UNKNOWN_MEMBER_ID);
                }
            }
            return new CoordinatorResult<>(records, out);
        }
        ClassicGroup group = groups.get(groupId);
        if (group == null) {
            for (LeavingMember l : leaving) out.put(l, Errors.UNKNOWN_MEMBER_ID);
            return CoordinatorResult.of(out);
        }
        for (LeavingMember l : leaving) {
            String id = l.memberId();
            if ((id == null || id.isEmpty()) && l.groupInstanceId() != null) id = group.staticMembers.get(l.groupInstanceId());
            if (id != null && group.pendingMembers.remove(id)) {
                timer.cancel(pendingKey(groupId, id));
                maybeCompleteJoin(group);
                out.put(l, Errors.NONE);
                continue;
            }
            GroupMember m = id == null ? null : group.members.get(id);
            if (m == null) {
                out.put(l, Errors.UNKNOWN_MEMBER_ID);
            } else if (l.groupInstanceId() != null && !l.groupInstanceId().equals(m.groupInstanceId)) {
                out.put(l, Errors.FENCED_INSTANCE_ID);
            } else {
                log.info("group {}: member {} left", groupId, m.memberId);
                removeMember(group, m);
                out.put(l, Errors.NONE);
            }
        }
        return CoordinatorResult.of(out);
    }

    // ------------------------------------------------------------------------------------------------ offsets

    public record OffsetCommit(String topic, int partition, long offset, int leaderEpoch, String metadata) {
    }

    /** A group-level error (NONE if fine) and, when there is none, one error per partition. */
    public record CommitResult(Errors groupError, Map<OffsetCommit, Errors> partitions) {
    }

    public CoordinatorResult<CommitResult> commit(String groupId, int generationId, String memberId,
                                                  String groupInstanceId, List<OffsetCommit> commits) {
        if (groupId == null || groupId.isEmpty()) return CoordinatorResult.of(new CommitResult(Errors.INVALID_GROUP_ID, Map.of()));
        ClassicGroup group = groups.get(groupId);
        if (consumer.group(groupId) != null) {
            // A consumer group: the member epoch stands in for the generation (STALE_MEMBER_EPOCH, UNKNOWN_MEMBER_ID).
            Errors e = consumer.validateCommit(groupId, memberId, generationId);
            if (e != Errors.NONE) return CoordinatorResult.of(new CommitResult(e, Map.of()));
        } else if (generationId < 0) {
            // A member-less commit (admin tools, manual assignment) is only for a group without members.
            if (group != null && !group.is(GroupState.EMPTY)) {
                return CoordinatorResult.of(new CommitResult(group.is(GroupState.DEAD) ? Errors.COORDINATOR_NOT_AVAILABLE
                        : Errors.UNKNOWN_MEMBER_ID, Map.of()));
            }
        } else {
            Errors e = checkMember(group, generationId, memberId, groupInstanceId);
            if (e != Errors.NONE) return CoordinatorResult.of(new CommitResult(e, Map.of()));
            scheduleSession(group, group.members.get(memberId));
        }
        Map<OffsetCommit, Errors> out = new LinkedHashMap<>();
        List<CoordinatorRecord> records = new ArrayList<>();
        long now = clock.getAsLong();
        for (OffsetCommit c : commits) {
            if (!partitionExists.test(c.topic(), c.partition())) {
                out.put(c, Errors.UNKNOWN_TOPIC_OR_PARTITION);
            } else if (c.metadata() != null && c.metadata().length() > settings.maxMetadataBytes()) {
                out.put(c, Errors.OFFSET_METADATA_TOO_LARGE);
            } else {
                records.add(OffsetRecords.offsetCommit(groupId, new OffsetKey(c.topic(), c.partition()),
                        new ClassicGroup.CommittedOffset(c.offset(), c.leaderEpoch(), c.metadata(), now)));
                out.put(c, Errors.NONE);
            }
        }
        return new CoordinatorResult<>(records, new CommitResult(Errors.NONE, out));
    }

    private static Errors checkMember(ClassicGroup group, int generationId, String memberId, String groupInstanceId) {
        if (group == null) return Errors.ILLEGAL_GENERATION;
        if (group.is(GroupState.DEAD)) return Errors.COORDINATOR_NOT_AVAILABLE;
        GroupMember m = group.members.get(memberId);
        if (m == null) return Errors.UNKNOWN_MEMBER_ID;
        if (!Objects.equals(m.groupInstanceId, groupInstanceId)) return Errors.FENCED_INSTANCE_ID;
        if (generationId != group.generationId) return Errors.ILLEGAL_GENERATION;
        if (group.is(GroupState.COMPLETING_REBALANCE)) return Errors.REBALANCE_IN_PROGRESS;
        return Errors.NONE;
    }

    /** TxnOffsetCommit: the offsets wait for the producer's transaction marker ({@link TransactionalOffsets}). */
    public CoordinatorResult<CommitResult> txnCommit(String groupId, long producerId, short producerEpoch, int generationId,
                                                     String memberId, String groupInstanceId, List<OffsetCommit> commits) {
        if (groupId == null || groupId.isEmpty()) return CoordinatorResult.of(new CommitResult(Errors.INVALID_GROUP_ID, Map.of()));
        // A consumer group (KIP-848): the member epoch stands in for the generation.
        Errors e = consumer.group(groupId) != null ? consumer.validateTxnCommit(groupId, memberId, groupInstanceId, generationId)
                : TransactionalOffsets.checkMember(groups.get(groupId), generationId, memberId, groupInstanceId);
        if (e != Errors.NONE) return CoordinatorResult.of(new CommitResult(e, Map.of()));
        Map<OffsetCommit, Errors> out = new LinkedHashMap<>();
        List<CoordinatorRecord> records = txnOffsets.commit(groupId, producerId, producerEpoch, commits, clock.getAsLong(),
                settings.maxMetadataBytes(), partitionExists, out);
        return new CoordinatorResult<>(records, new CommitResult(Errors.NONE, out));
    }

    /** The transaction marker of {@code producerId} reached this partition: its pending offsets commit or vanish. */
    public CoordinatorResult<Void> completeTransaction(long producerId, short producerEpoch, boolean commit) {
        return new CoordinatorResult<>(txnOffsets.complete(producerId, producerEpoch, commit), null);
    }

    /** Partitions of the group whose offsets wait for a transaction marker. */
    public java.util.Set<OffsetKey> pendingTransactionalOffsets(String groupId) {
        return txnOffsets.pendingFor(groupId);
    }

    public record FetchedOffset(long offset, int leaderEpoch, String metadata) {
    }

    /** Committed offsets of a group: all of them when {@code wanted} is null. Unknown group: -1 for each wanted. */
    public Map<String, Map<Integer, FetchedOffset>> fetchOffsets(String groupId, Map<String, List<Integer>> wanted) {
        Map<String, Map<Integer, FetchedOffset>> out = new LinkedHashMap<>();
        ClassicGroup group = groups.get(groupId);
        if (wanted == null) {
            if (group != null) {
                group.offsets.forEach((tp, o) -> out.computeIfAbsent(tp.topic(), k -> new LinkedHashMap<>())
                        .put(tp.partition(), new FetchedOffset(o.offset(), o.leaderEpoch(), o.metadata())));
            }
            return out;
        }
        wanted.forEach((t, ps) -> {
            for (int p : ps) {
                ClassicGroup.CommittedOffset o = group == null ? null : group.offsets.get(new OffsetKey(t, p));
                out.computeIfAbsent(t, k -> new LinkedHashMap<>()).put(p,
                        o == null ? new FetchedOffset(-1, -1, "") : new FetchedOffset(o.offset(), o.leaderEpoch(), o.metadata()));
            }
        });
        return out;
    }

    /** A group-level error, and when there is none one error per partition. */
    public record DeleteOffsetsResult(Errors groupError, Map<OffsetKey, Errors> partitions) {
    }

    /** Deletes committed offsets of an empty group, or of topics the group's members do not subscribe to. */
    public CoordinatorResult<DeleteOffsetsResult> deleteOffsets(String groupId, List<OffsetKey> partitions,
            java.util.function.Function<byte[], java.util.Set<String>> subscribedTopics) {
        ClassicGroup group = groups.get(groupId);
        if (group == null || group.is(GroupState.DEAD)) {
            return CoordinatorResult.of(new DeleteOffsetsResult(Errors.GROUP_ID_NOT_FOUND, Map.of()));
        }
        Map<OffsetKey, Errors> perPartition = new LinkedHashMap<>();
        java.util.Set<String> subscribed = new java.util.HashSet<>();
        if (!group.is(GroupState.EMPTY) && "consumer".equals(group.protocolType) && group.protocolName != null) {
            for (GroupMember m : group.members.values()) {
                byte[] md = m.protocols.get(group.protocolName);
                if (md != null) subscribed.addAll(subscribedTopics.apply(md));
            }
        } else if (!group.is(GroupState.EMPTY)) {
            for (OffsetKey tp : partitions) perPartition.put(tp, Errors.GROUP_SUBSCRIBED_TO_TOPIC);
            return CoordinatorResult.of(new DeleteOffsetsResult(Errors.NONE, perPartition));
        }
        List<CoordinatorRecord> tombstones = new ArrayList<>();
        for (OffsetKey tp : partitions) {
            if (subscribed.contains(tp.topic())) {
                perPartition.put(tp, Errors.GROUP_SUBSCRIBED_TO_TOPIC);
            } else {
                perPartition.put(tp, Errors.NONE);
                if (group.offsets.containsKey(tp)) tombstones.add(OffsetRecords.offsetCommit(groupId, tp, null));
            }
        }
        return new CoordinatorResult<>(tombstones, new DeleteOffsetsResult(Errors.NONE, perPartition));
    }

    /**
     * Offsets retention ({@code offsets.retention.minutes}, KIP-211): an Empty group's offsets expire once the
     * retention has passed since it became Empty (since the commit for a group that never had members here); a
     * group left with no offsets is deleted. Runs every {@code offsets.retention.check.interval.ms}.
     */
    List<CoordinatorRecord> expireOffsets() {
        timer.schedule(EXPIRE_OFFSETS, settings.retentionCheckIntervalMs(), this::expireOffsets);
        long now = clock.getAsLong();
        List<CoordinatorRecord> records = new ArrayList<>();
        for (ClassicGroup g : groups.values()) {
            if (!g.is(GroupState.EMPTY) || consumer.hasMembers(g.groupId)) continue;
            int expired = 0;
            for (Map.Entry<OffsetKey, ClassicGroup.CommittedOffset> e : g.offsets.entrySet()) {
                long base = Math.max(g.emptySinceMs, e.getValue().commitTimestamp());
                if (now - base >= settings.offsetsRetentionMs()) {
                    records.add(OffsetRecords.offsetCommit(g.groupId, e.getKey(), null));
                    expired++;
                }
            }
            if (expired > 0) log.info("group {}: {} committed offsets expired", g.groupId, expired);
            if (expired == g.offsets.size() && g.pendingMembers.isEmpty()) {
                records.addAll(consumer.deletionRecords(g.groupId));
                records.add(OffsetRecords.groupTombstone(g.groupId));
            }
        }
        return records;
    }

    // ------------------------------------------------------------------------------------------------ admin

    public record MemberDescription(String memberId, String groupInstanceId, String clientId, String clientHost,
                                    byte[] metadata, byte[] assignment) {
    }

    public record GroupDescription(String groupId, String state, String protocolType, String protocolName,
                                   List<MemberDescription> members) {
    }

    /** Null if the group does not exist. */
    public GroupDescription describe(String groupId) {
        return GroupViews.describe(groups, consumer, groupId);
    }

    /** {@code type} is "classic" or "consumer" (ListGroups v5 GroupType). */
    public record GroupListing(String groupId, String protocolType, String state, String type) {
        public GroupListing(String groupId, String protocolType, String state) {
            this(groupId, protocolType, state, "classic");
        }
    }

    public List<GroupListing> list() {
        return GroupViews.list(groups, consumer);
    }

    /** Deletes an Empty group with its committed offsets (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP otherwise). */
    public CoordinatorResult<Errors> deleteGroup(String groupId) {
        ConsumerGroup cg = consumer.group(groupId);
        if (cg != null) {
            if (!cg.members().isEmpty()) return CoordinatorResult.of(Errors.NON_EMPTY_GROUP);
            List<CoordinatorRecord> records = new ArrayList<>(consumer.deletionRecords(groupId));
            ClassicGroup offsets = groups.get(groupId);
            if (offsets != null) for (OffsetKey tp : offsets.offsets.keySet()) records.add(OffsetRecords.offsetCommit(groupId, tp, null));
            records.add(OffsetRecords.groupTombstone(groupId));
            return new CoordinatorResult<>(records, Errors.NONE);
        }
        ClassicGroup group = groups.get(groupId);
        if (group == null || group.is(GroupState.DEAD)) return CoordinatorResult.of(Errors.GROUP_ID_NOT_FOUND);
        if (!group.is(GroupState.EMPTY)) return CoordinatorResult.of(Errors.NON_EMPTY_GROUP);
        List<CoordinatorRecord> records = new ArrayList<>();
        for (OffsetKey tp : group.offsets.keySet()) records.add(OffsetRecords.offsetCommit(groupId, tp, null));
        records.add(OffsetRecords.groupTombstone(groupId));
        for (String pending : group.pendingMembers) timer.cancel(pendingKey(groupId, pending));
        return new CoordinatorResult<>(records, Errors.NONE);
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
