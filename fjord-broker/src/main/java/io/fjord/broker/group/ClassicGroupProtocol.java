package io.fjord.broker.group;

import io.fjord.broker.coordinator.CoordinatorTimer;
import io.fjord.broker.group.GroupCoordinatorShard.JoinRequest;
import io.fjord.broker.group.GroupCoordinatorShard.LeavingMember;
import io.fjord.broker.group.GroupCoordinatorShard.Settings;
import io.fjord.protocol.api.Errors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic group protocol of one shard: JoinGroup (with KIP-394's member-id round trip and static members),
 * SyncGroup, Heartbeat, LeaveGroup, and the timers behind them (join phase, initial delay, sessions, pending
 * members). The groups map is the shard's; {@link GroupCoordinatorShard} sends a request here when the group is a
 * classic one, and to the consumer group protocol otherwise. Membership lives only in memory: the protocol's
 * requests wait on futures, and members rejoin after the coordinator moves. See {@link GroupState} for a group's
 * state machine.
 *
 * <p>Not thread-safe: the runtime runs each shard's events one at a time.
 */
final class ClassicGroupProtocol {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinatorShard.class);

    private final Map<String, ClassicGroup> groups;
    private final CoordinatorTimer timer;
    private final LongSupplier clock;
    private final Settings settings;

    ClassicGroupProtocol(Map<String, ClassicGroup> groups, CoordinatorTimer timer, LongSupplier clock, Settings settings) {
        this.groups = groups;
        this.timer = timer;
        this.clock = clock;
        this.settings = settings;
    }

    /**
     * Told each time a join phase ends in a new generation with members (Kafka's completed rebalances; the move to
     * Empty after the last member left is not one). Only live handling calls
     * it, never a replay, so loading a partition does not count its history again.
     */
    private Runnable rebalanceCompleted = () -> { };

    void onRebalanceCompleted(Runnable listener) {
        this.rebalanceCompleted = listener;
    }

    /** A JoinGroup for a classic group; the answer completes when the join phase ends (at once for errors). */
    CompletableFuture<JoinResult> join(JoinRequest req) {
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

    static String pendingKey(String groupId, String memberId) {
        return "pending/" + groupId + "/" + memberId;
    }

    /** (Re)starts the member's session timeout: any request it makes proves it alive. */
    void scheduleSession(ClassicGroup group, GroupMember m) {
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

    /** Drops a member without a rebalance (its replacement or the group's new protocol takes over). */
    void removeFromGroup(ClassicGroup group, String memberId) {
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

    CompletableFuture<SyncResult> sync(String groupId, int generationId, String memberId, String groupInstanceId,
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

    Errors heartbeat(String groupId, int generationId, String memberId, String groupInstanceId) {
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

    /** Removes classic members; one error per member, into {@code out}. */
    Map<LeavingMember, Errors> leave(String groupId, List<LeavingMember> leaving, Map<LeavingMember, Errors> out) {
        ClassicGroup group = groups.get(groupId);
        if (group == null) {
            for (LeavingMember l : leaving) out.put(l, Errors.UNKNOWN_MEMBER_ID);
            return out;
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
        return out;
    }

    /**
     * The partition moved away: whoever waits in a join or sync phase is told so, and looks the coordinator up
     * again.
     */
    void failWaitingMembers() {
        for (ClassicGroup g : groups.values()) {
            for (GroupMember m : g.members.values()) {
                if (m.awaitingJoin != null) m.awaitingJoin.complete(JoinResult.error(Errors.NOT_COORDINATOR, m.memberId));
                if (m.awaitingSync != null) m.awaitingSync.complete(SyncResult.error(Errors.NOT_COORDINATOR));
                m.awaitingJoin = null;
                m.awaitingSync = null;
            }
        }
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
