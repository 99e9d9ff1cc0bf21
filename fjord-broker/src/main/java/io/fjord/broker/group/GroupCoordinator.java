package io.fjord.broker.group;

import io.fjord.broker.config.BrokerConfig;
import io.fjord.protocol.api.Errors;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic group protocol: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, and committed offsets. Each group is
 * a {@link ClassicGroup} guarded by its own monitor; timers (join phase, initial rebalance delay, member sessions)
 * run on one scheduler thread and take the same monitor. Requests that must wait for the rebalance (join, sync)
 * get futures that complete when the group moves on. See {@link GroupState} for the state machine.
 */
public final class GroupCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);

    private final Map<String, ClassicGroup> groups = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fjord-group-timer");
        t.setDaemon(true);
        return t;
    });
    private final OffsetStore store;
    private final int initialRebalanceDelayMs;
    private final int minSessionTimeoutMs;
    private final int maxSessionTimeoutMs;
    private final int maxGroupSize;
    private final int maxMetadataBytes;
    private final BiPredicate<String, Integer> partitionExists;

    GroupCoordinator(OffsetStore store, BrokerConfig config, BiPredicate<String, Integer> partitionExists) {
        this.store = store;
        this.initialRebalanceDelayMs = config.getInt("group.initial.rebalance.delay.ms");
        this.minSessionTimeoutMs = config.getInt("group.min.session.timeout.ms");
        this.maxSessionTimeoutMs = config.getInt("group.max.session.timeout.ms");
        this.maxGroupSize = config.getInt("group.max.size");
        this.maxMetadataBytes = config.getInt("offset.metadata.max.bytes");
        this.partitionExists = partitionExists;
    }

    /** Creates the offsets topic if needed and loads every committed offset; call before serving requests. */
    public static GroupCoordinator start(io.fjord.broker.TopicAdmin admin, io.fjord.broker.replica.ReplicaManager replicas,
                                         BrokerConfig config) {
        OffsetStore store = new OffsetStore(admin, replicas, config.getInt("offsets.topic.num.partitions"));
        store.ensureTopic();
        GroupCoordinator c = new GroupCoordinator(store, config, (topic, partition) -> {
            var t = admin.image().topic(topic);
            return t != null && t.partition(partition) != null;
        });
        int[] loaded = {0};
        store.load((group, tp, offset) -> {
            ClassicGroup g = c.groups.computeIfAbsent(group, ClassicGroup::new);
            if (offset == null) g.offsets.remove(tp); else g.offsets.put(tp, offset);
            loaded[0]++;
        });
        c.groups.values().removeIf(g -> g.offsets.isEmpty() && g.members.isEmpty());
        for (ClassicGroup g : c.groups.values()) g.protocolType = "consumer";
        log.info("loaded {} offset records for {} groups from {}", loaded[0], c.groups.size(), OffsetStore.TOPIC);
        return c;
    }

    public int offsetsPartitionFor(String groupId) {
        return store.partitionFor(groupId);
    }

    // ------------------------------------------------------------------------------------------------ join

    public record JoinRequest(String groupId, String memberId, String groupInstanceId, String protocolType,
                              Map<String, byte[]> protocols, int sessionTimeoutMs, int rebalanceTimeoutMs,
                              boolean requireKnownMemberId, String clientId, String clientHost) {
    }

    public CompletableFuture<JoinResult> join(JoinRequest req) {
        if (req.groupId() == null || req.groupId().isEmpty()) return done(JoinResult.error(Errors.INVALID_GROUP_ID, req.memberId()));
        if (req.sessionTimeoutMs() < minSessionTimeoutMs || req.sessionTimeoutMs() > maxSessionTimeoutMs) {
            return done(JoinResult.error(Errors.INVALID_SESSION_TIMEOUT, req.memberId()));
        }
        boolean unknownMember = req.memberId() == null || req.memberId().isEmpty();
        ClassicGroup group = unknownMember ? groups.computeIfAbsent(req.groupId(), ClassicGroup::new) : groups.get(req.groupId());
        if (group == null) return done(JoinResult.error(Errors.UNKNOWN_MEMBER_ID, req.memberId()));
        synchronized (group) {
            if (group.is(GroupState.DEAD)) return done(JoinResult.error(Errors.COORDINATOR_NOT_AVAILABLE, req.memberId()));
            if (!group.supports(req.protocolType(), req.protocols().keySet())) {
                return done(JoinResult.error(Errors.INCONSISTENT_GROUP_PROTOCOL, req.memberId()));
            }
            return unknownMember ? joinUnknownMember(group, req) : joinKnownMember(group, req);
        }
    }

    private CompletableFuture<JoinResult> joinUnknownMember(ClassicGroup group, JoinRequest req) {
        String newId = (req.clientId() == null ? "" : req.clientId()) + "-" + UUID.randomUUID();
        if (req.groupInstanceId() != null) {
            String old = group.staticMembers.get(req.groupInstanceId());
            if (old != null) return replaceStaticMember(group, old, newId, req);
        } else if (req.requireKnownMemberId()) {
            // First contact: hand out an id and wait for the member to come back with it (KIP-394).
            group.pendingMembers.put(newId, timer.schedule(() -> expirePending(group, newId),
                    req.sessionTimeoutMs(), TimeUnit.MILLISECONDS));
            return done(JoinResult.error(Errors.MEMBER_ID_REQUIRED, newId));
        }
        if (group.members.size() >= maxGroupSize) return done(JoinResult.error(Errors.GROUP_MAX_SIZE_REACHED, ""));
        GroupMember m = new GroupMember(newId, req.groupInstanceId(), req.clientId(), req.clientHost(),
                req.sessionTimeoutMs(), req.rebalanceTimeoutMs(), req.protocolType(), req.protocols());
        return addMemberAndRebalance(group, m);
    }

    private CompletableFuture<JoinResult> joinKnownMember(ClassicGroup group, JoinRequest req) {
        String id = req.memberId();
        java.util.concurrent.ScheduledFuture<?> pending = group.pendingMembers.remove(id);
        if (pending != null) {
            // The member came back with the id it was given: now it joins for real.
            pending.cancel(false);
            if (group.members.size() >= maxGroupSize) return done(JoinResult.error(Errors.GROUP_MAX_SIZE_REACHED, id));
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
        group.remove(oldId);
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
        if (initial && initialRebalanceDelayMs > 0) {
            group.initialDelayRunning = true;
            int delay = Math.min(initialRebalanceDelayMs, Math.max(1, group.maxRebalanceTimeoutMs()));
            group.joinDeadline = timer.schedule(() -> initialDelayExpired(group, delay), delay, TimeUnit.MILLISECONDS);
        } else {
            group.joinDeadline = timer.schedule(() -> joinPhaseExpired(group), Math.max(1, group.maxRebalanceTimeoutMs()),
                    TimeUnit.MILLISECONDS);
        }
    }

    /** The initial delay lets more members of a starting group arrive before the first generation. */
    private void initialDelayExpired(ClassicGroup group, int elapsed) {
        synchronized (group) {
            if (!group.is(GroupState.PREPARING_REBALANCE)) return;
            group.initialDelayRunning = false;
            completeJoin(group);
        }
    }

    private void joinPhaseExpired(ClassicGroup group) {
        synchronized (group) {
            if (!group.is(GroupState.PREPARING_REBALANCE)) return;
            completeJoin(group);
        }
    }

    private void maybeCompleteJoin(ClassicGroup group) {
        if (group.is(GroupState.PREPARING_REBALANCE) && !group.initialDelayRunning && group.allMembersJoined()) completeJoin(group);
    }

    /** Ends the join phase: members that did not rejoin are dropped, and a new generation begins. */
    private void completeJoin(ClassicGroup group) {
        if (group.joinDeadline != null) {
            group.joinDeadline.cancel(false);
            group.joinDeadline = null;
        }
        for (GroupMember m : group.memberList()) {
            if (m.awaitingJoin == null) {
                log.info("group {}: member {} did not rejoin in time; removing it", group.groupId, m.memberId);
                group.remove(m.memberId);
            }
        }
        group.generationId++;
        if (group.members.isEmpty()) {
            group.protocolName = null;
            group.leaderId = null;
            group.transitionTo(GroupState.EMPTY);
            log.info("group {} is empty at generation {}", group.groupId, group.generationId);
            return;
        }
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

    private void expirePending(ClassicGroup group, String memberId) {
        synchronized (group) {
            if (group.pendingMembers.remove(memberId) != null) maybeCompleteJoin(group);
        }
    }

    // ------------------------------------------------------------------------------------------------ sessions

    private void scheduleSession(ClassicGroup group, GroupMember m) {
        if (m.sessionExpiry != null) m.sessionExpiry.cancel(false);
        m.sessionExpiry = timer.schedule(() -> expireSession(group, m.memberId), m.sessionTimeoutMs, TimeUnit.MILLISECONDS);
    }

    private void expireSession(ClassicGroup group, String memberId) {
        synchronized (group) {
            GroupMember m = group.members.get(memberId);
            if (m == null || m.awaitingJoin != null) return; // gone, or waiting in the join phase (its own deadline)
            log.info("group {}: member {} session expired", group.groupId, memberId);
            removeMember(group, m);
        }
    }

    private void removeMember(ClassicGroup group, GroupMember m) {
        if (m.awaitingJoin != null) m.awaitingJoin.complete(JoinResult.error(Errors.UNKNOWN_MEMBER_ID, m.memberId));
        if (m.awaitingSync != null) m.awaitingSync.complete(SyncResult.error(Errors.UNKNOWN_MEMBER_ID));
        group.remove(m.memberId);
        switch (group.state()) {
            case STABLE, COMPLETING_REBALANCE -> prepareRebalance(group, "member " + m.memberId + " left");
            case PREPARING_REBALANCE -> maybeCompleteJoin(group);
            default -> {
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ sync

    public CompletableFuture<SyncResult> sync(String groupId, int generationId, String memberId, String groupInstanceId,
                                              String protocolType, String protocolName, Map<String, byte[]> assignments) {
        ClassicGroup group = groups.get(groupId);
        if (group == null) return done(SyncResult.error(Errors.UNKNOWN_MEMBER_ID));
        synchronized (group) {
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
    }

    // ------------------------------------------------------------------------------------------------ heartbeat, leave

    public Errors heartbeat(String groupId, int generationId, String memberId, String groupInstanceId) {
        ClassicGroup group = groups.get(groupId);
        if (group == null) return Errors.UNKNOWN_MEMBER_ID;
        synchronized (group) {
            if (group.is(GroupState.DEAD)) return Errors.COORDINATOR_NOT_AVAILABLE;
            GroupMember m = group.members.get(memberId);
            if (m == null) return Errors.UNKNOWN_MEMBER_ID;
            if (!Objects.equals(m.groupInstanceId, groupInstanceId)) return Errors.FENCED_INSTANCE_ID;
            if (generationId != group.generationId) return Errors.ILLEGAL_GENERATION;
            scheduleSession(group, m);
            return group.is(GroupState.PREPARING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
        }
    }

    public record LeavingMember(String memberId, String groupInstanceId) {
    }

    /** Removes members; returns one error per member, or a group-level error as the single entry under key null. */
    public Map<LeavingMember, Errors> leave(String groupId, List<LeavingMember> leaving) {
        Map<LeavingMember, Errors> out = new LinkedHashMap<>();
        ClassicGroup group = groups.get(groupId);
        if (group == null) {
            for (LeavingMember l : leaving) out.put(l, Errors.UNKNOWN_MEMBER_ID);
            return out;
        }
        synchronized (group) {
            for (LeavingMember l : leaving) {
                String id = l.memberId();
                if ((id == null || id.isEmpty()) && l.groupInstanceId() != null) id = group.staticMembers.get(l.groupInstanceId());
                if (id != null && group.pendingMembers.containsKey(id)) {
                    group.pendingMembers.remove(id).cancel(false);
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
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ offsets

    public record OffsetCommit(String topic, int partition, long offset, int leaderEpoch, String metadata) {
    }

    /** Commits offsets. Returns a group-level error (NONE if fine) and per-partition errors. */
    public Map<OffsetCommit, Errors> commit(String groupId, int generationId, String memberId, String groupInstanceId,
                                            List<OffsetCommit> commits, Errors[] groupError) {
        groupError[0] = Errors.NONE;
        Map<OffsetCommit, Errors> out = new LinkedHashMap<>();
        if (groupId == null || groupId.isEmpty()) {
            groupError[0] = Errors.INVALID_GROUP_ID;
            return out;
        }
        ClassicGroup group;
        if (generationId < 0) {
            group = groups.computeIfAbsent(groupId, id -> {
                ClassicGroup g = new ClassicGroup(id);
                g.protocolType = "consumer";
                return g;
            });
        } else {
            group = groups.get(groupId);
            if (group == null) {
                groupError[0] = Errors.ILLEGAL_GENERATION;
                return out;
            }
        }
        synchronized (group) {
            if (group.is(GroupState.DEAD)) {
                groupError[0] = Errors.COORDINATOR_NOT_AVAILABLE;
                return out;
            }
            if (generationId < 0) {
                if (!group.is(GroupState.EMPTY)) {
                    groupError[0] = Errors.UNKNOWN_MEMBER_ID; // a member-less commit to a group that has members
                    return out;
                }
            } else {
                GroupMember m = group.members.get(memberId);
                if (m == null) {
                    groupError[0] = Errors.UNKNOWN_MEMBER_ID;
                    return out;
                }
                if (!Objects.equals(m.groupInstanceId, groupInstanceId)) {
                    groupError[0] = Errors.FENCED_INSTANCE_ID;
                    return out;
                }
                if (generationId != group.generationId) {
                    groupError[0] = Errors.ILLEGAL_GENERATION;
                    return out;
                }
                if (group.is(GroupState.COMPLETING_REBALANCE)) {
                    groupError[0] = Errors.REBALANCE_IN_PROGRESS;
                    return out;
                }
                scheduleSession(group, m);
            }
            Map<OffsetKey, ClassicGroup.CommittedOffset> accepted = new LinkedHashMap<>();
            long now = System.currentTimeMillis();
            for (OffsetCommit c : commits) {
                if (!partitionExists.test(c.topic(), c.partition())) {
                    out.put(c, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                } else if (c.metadata() != null && c.metadata().length() > maxMetadataBytes) {
                    out.put(c, Errors.OFFSET_METADATA_TOO_LARGE);
                } else {
                    accepted.put(new OffsetKey(c.topic(), c.partition()),
                            new ClassicGroup.CommittedOffset(c.offset(), c.leaderEpoch(), c.metadata(), now));
                    out.put(c, Errors.NONE);
                }
            }
            try {
                store.write(groupId, accepted);
                group.offsets.putAll(accepted);
            } catch (RuntimeException e) {
                log.error("cannot write offsets of group {}", groupId, e);
                for (OffsetCommit c : commits) if (out.get(c) == Errors.NONE) out.put(c, Errors.UNKNOWN_SERVER_ERROR);
            }
        }
        return out;
    }

    public record FetchedOffset(long offset, int leaderEpoch, String metadata) {
    }

    /** Committed offsets of a group: all of them when {@code wanted} is null. Unknown group: empty. */
    public Map<String, Map<Integer, FetchedOffset>> fetchOffsets(String groupId, Map<String, List<Integer>> wanted) {
        Map<String, Map<Integer, FetchedOffset>> out = new LinkedHashMap<>();
        ClassicGroup group = groups.get(groupId);
        if (group == null) {
            if (wanted != null) wanted.forEach((t, ps) -> ps.forEach(p -> out.computeIfAbsent(t, k -> new LinkedHashMap<>())
                    .put(p, new FetchedOffset(-1, -1, ""))));
            return out;
        }
        synchronized (group) {
            if (wanted == null) {
                group.offsets.forEach((tp, o) -> out.computeIfAbsent(tp.topic(), k -> new LinkedHashMap<>())
                        .put(tp.partition(), new FetchedOffset(o.offset(), o.leaderEpoch(), o.metadata())));
            } else {
                wanted.forEach((t, ps) -> {
                    for (int p : ps) {
                        ClassicGroup.CommittedOffset o = group.offsets.get(new OffsetKey(t, p));
                        out.computeIfAbsent(t, k -> new LinkedHashMap<>()).put(p,
                                o == null ? new FetchedOffset(-1, -1, "") : new FetchedOffset(o.offset(), o.leaderEpoch(), o.metadata()));
                    }
                });
            }
        }
        return out;
    }

    /** Deletes committed offsets of an empty group, or of topics the group's members do not subscribe to. */
    public Errors deleteOffsets(String groupId, List<OffsetKey> partitions,
                                Map<OffsetKey, Errors> perPartition,
                                java.util.function.Function<byte[], java.util.Set<String>> subscribedTopics) {
        ClassicGroup group = groups.get(groupId);
        if (group == null) return Errors.GROUP_ID_NOT_FOUND;
        synchronized (group) {
            if (group.is(GroupState.DEAD)) return Errors.GROUP_ID_NOT_FOUND;
            java.util.Set<String> subscribed = new java.util.HashSet<>();
            if (!group.is(GroupState.EMPTY) && "consumer".equals(group.protocolType) && group.protocolName != null) {
                for (GroupMember m : group.members.values()) {
                    byte[] md = m.protocols.get(group.protocolName);
                    if (md != null) subscribed.addAll(subscribedTopics.apply(md));
                }
            } else if (!group.is(GroupState.EMPTY)) {
                for (OffsetKey tp : partitions) perPartition.put(tp, Errors.GROUP_SUBSCRIBED_TO_TOPIC);
                return Errors.NONE;
            }
            Map<OffsetKey, ClassicGroup.CommittedOffset> tombstones = new LinkedHashMap<>();
            for (OffsetKey tp : partitions) {
                if (subscribed.contains(tp.topic())) {
                    perPartition.put(tp, Errors.GROUP_SUBSCRIBED_TO_TOPIC);
                } else {
                    perPartition.put(tp, Errors.NONE);
                    if (group.offsets.containsKey(tp)) tombstones.put(tp, null);
                }
            }
            store.write(groupId, tombstones);
            tombstones.keySet().forEach(group.offsets::remove);
            return Errors.NONE;
        }
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
        ClassicGroup group = groups.get(groupId);
        if (group == null) return null;
        synchronized (group) {
            List<MemberDescription> members = new ArrayList<>();
            boolean stable = group.is(GroupState.STABLE);
            for (GroupMember m : group.members.values()) {
                byte[] md = group.protocolName == null ? new byte[0] : m.protocols.getOrDefault(group.protocolName, new byte[0]);
                members.add(new MemberDescription(m.memberId, m.groupInstanceId, m.clientId, m.clientHost,
                        stable ? md : new byte[0], stable ? m.assignment : new byte[0]));
            }
            return new GroupDescription(groupId, group.state().displayName(), group.protocolType == null ? "" : group.protocolType,
                    stable ? group.protocolName : "", members);
        }
    }

    public record GroupListing(String groupId, String protocolType, String state) {
    }

    public List<GroupListing> list() {
        List<GroupListing> out = new ArrayList<>();
        for (ClassicGroup g : groups.values()) {
            synchronized (g) {
                if (g.is(GroupState.DEAD)) continue;
                out.add(new GroupListing(g.groupId, g.protocolType == null ? "" : g.protocolType, g.state().displayName()));
            }
        }
        out.sort(java.util.Comparator.comparing(GroupListing::groupId));
        return out;
    }

    public Errors deleteGroup(String groupId) {
        ClassicGroup group = groups.get(groupId);
        if (group == null) return Errors.GROUP_ID_NOT_FOUND;
        synchronized (group) {
            if (group.is(GroupState.DEAD)) return Errors.GROUP_ID_NOT_FOUND;
            if (!group.is(GroupState.EMPTY)) return Errors.NON_EMPTY_GROUP;
            Map<OffsetKey, ClassicGroup.CommittedOffset> tombstones = new LinkedHashMap<>();
            for (OffsetKey tp : group.offsets.keySet()) tombstones.put(tp, null);
            store.write(groupId, tombstones);
            group.offsets.clear();
            group.transitionTo(GroupState.DEAD);
            groups.remove(groupId, group);
            return Errors.NONE;
        }
    }

    Collection<String> groupIds() {
        return new ArrayList<>(groups.keySet());
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        for (ClassicGroup g : groups.values()) {
            synchronized (g) {
                for (GroupMember m : g.members.values()) {
                    if (m.awaitingJoin != null) m.awaitingJoin.complete(JoinResult.error(Errors.COORDINATOR_NOT_AVAILABLE, m.memberId));
                    if (m.awaitingSync != null) m.awaitingSync.complete(SyncResult.error(Errors.COORDINATOR_NOT_AVAILABLE));
                }
            }
        }
    }

    static Map<String, byte[]> protocolsOf(List<String> names, List<byte[]> metadata) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) m.putIfAbsent(names.get(i), metadata.get(i));
        return m;
    }

}
