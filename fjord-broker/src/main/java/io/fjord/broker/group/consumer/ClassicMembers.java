package io.fjord.broker.group.consumer;

import io.fjord.broker.coordinator.CoordinatorRecord;
import io.fjord.broker.coordinator.CoordinatorResult;
import io.fjord.broker.group.JoinResult;
import io.fjord.broker.group.SyncResult;
import io.fjord.protocol.api.ConsumerProtocol;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Classic-protocol members inside a consumer group (KIP-848 online migration): their JoinGroup, SyncGroup,
 * Heartbeat and LeaveGroup are answered from the consumer group. A JoinGroup is answered at once: the member's
 * subscription (and the partitions it says it still owns) go through the same target assignment and reconciliation
 * as a consumer member's heartbeat, its member epoch is the generation, nobody is leader (the server assigns), and
 * SyncGroup hands it its assigned partitions as a ConsumerProtocol assignment. Its Heartbeat answers
 * REBALANCE_IN_PROGRESS while its partitions differ from its target, so it rejoins (revoking as its assignor does).
 * Also converts a live classic group ({@link #convert}). Not thread-safe: runs on the shard's executor.
 */
public final class ClassicMembers {
    private final ConsumerGroupProtocol protocol;

    public ClassicMembers(ConsumerGroupProtocol protocol) {
        this.protocol = protocol;
    }

    /** A classic member as the classic group holds it, for the upgrade. */
    public record Snapshot(String memberId, String instanceId, String clientId, String clientHost, int sessionTimeoutMs,
                           int rebalanceTimeoutMs, Map<String, byte[]> protocols, String protocolName, byte[] assignment) {
    }

    /** True if {@code memberId} is a classic member of the consumer group {@code groupId}. */
    public boolean isClassicMember(String groupId, String memberId) {
        ConsumerGroup g = protocol.group(groupId);
        return g != null && memberId != null && g.classicMembers.containsKey(memberId);
    }

    // ------------------------------------------------------------------------------------------------ upgrade

    /** The consumer group a stable classic group becomes, with the records writing it; its members keep their partitions. */
    public ClassicUpgrade.Outcome convert(String groupId, int generation, List<Snapshot> members) {
        protocol.beginOperation(groupId);
        ConsumerGroup g = new ConsumerGroup(groupId);
        List<CoordinatorRecord> records = new ArrayList<>();
        for (Snapshot s : members) {
            byte[] md = s.protocols().get(s.protocolName());
            Subscription sub = decodeSubscription(md);
            Assignment owned = decodeAssignment(s.assignment());
            ConsumerGroupMember m = new ConsumerGroupMember(s.memberId(), s.instanceId(), null, s.clientId() == null ? "" : s.clientId(),
                    s.clientHost(), sub.topics(), null, null, s.rebalanceTimeoutMs(), generation, generation - 1,
                    MemberState.STABLE, owned, Assignment.EMPTY);
            ClassicMemberInfo info = new ClassicMemberInfo(s.sessionTimeoutMs(), s.protocols());
            g.putMember(m);
            g.classicMembers.put(m.memberId(), info);
            g.targetAssignment.put(m.memberId(), owned);
            records.add(ConsumerGroupRecords.memberMetadata(groupId, m, info));
            records.add(ConsumerGroupRecords.targetMember(groupId, m.memberId(), owned));
            records.add(ConsumerGroupRecords.currentAssignment(groupId, m));
            protocol.scheduleSession(groupId, m.memberId(), s.sessionTimeoutMs());
        }
        g.groupEpoch = generation;
        g.assignmentEpoch = generation;
        g.metadataHash = 0; // unknown: the first heartbeat computes it and bumps the epoch anyway
        records.add(ConsumerGroupRecords.groupEpoch(groupId, generation, 0));
        records.add(ConsumerGroupRecords.targetEpoch(groupId, generation));
        return new ClassicUpgrade.Outcome(Errors.NONE, null, g, records);
    }

    // ------------------------------------------------------------------------------------------------ join, sync

    public CoordinatorResult<JoinResult> join(String groupId, String memberId, String instanceId, String protocolType,
                                              Map<String, byte[]> protocols, int sessionTimeoutMs, int rebalanceTimeoutMs,
                                              String clientId, String clientHost) {
        protocol.beginOperation(groupId);
        ConsumerGroup g = protocol.group(groupId);
        if (!"consumer".equals(protocolType) || protocols.isEmpty()) return CoordinatorResult.of(error(Errors.INCONSISTENT_GROUP_PROTOCOL, memberId));
        boolean unknown = memberId == null || memberId.isEmpty();
        String id = unknown ? (clientId == null ? "" : clientId) + "-" + UUID.randomUUID() : memberId;
        ConsumerGroupMember member = g.members.get(id);
        if (!unknown && member == null) return CoordinatorResult.of(error(Errors.UNKNOWN_MEMBER_ID, memberId));
        if (member != null && !g.classicMembers.containsKey(id)) return CoordinatorResult.of(error(Errors.INCONSISTENT_GROUP_PROTOCOL, id));
        boolean joining = member == null;
        if (joining) {
            if (g.members.size() >= protocol.settings().maxSize()) return CoordinatorResult.of(error(Errors.GROUP_MAX_SIZE_REACHED, ""));
            member = ConsumerGroupMember.joining(id);
        }
        ClassicMemberInfo info = new ClassicMemberInfo(sessionTimeoutMs, protocols);
        Subscription sub = decodeSubscription(protocols.get(info.protocolName()));
        ConsumerGroupMember updated = member.withMetadata(instanceId, member.rackId(), clientId == null ? "" : clientId, clientHost,
                sub.topics(), null, null, rebalanceTimeoutMs);
        Map<String, ConsumerGroupMember> members = new LinkedHashMap<>(g.members);
        Map<String, Assignment> target = new HashMap<>(g.targetAssignment);
        List<CoordinatorRecord> records = new ArrayList<>();
        // What the member still owns, from its subscription: an eager assignor has revoked everything by now.
        ConsumerGroupMember reconciled = protocol.apply(g, members, target, records, member, updated, joining, sub.owned(), info);
        protocol.scheduleSession(groupId, id, sessionTimeoutMs);
        return new CoordinatorResult<>(records, new JoinResult(Errors.NONE, id, reconciled.memberEpoch(), "consumer",
                info.protocolName(), "", false, List.of()));
    }

    public SyncResult sync(String groupId, int generationId, String memberId) {
        ConsumerGroup g = protocol.group(groupId);
        ConsumerGroupMember m = g.members.get(memberId);
        ClassicMemberInfo info = g.classicMembers.get(memberId);
        if (m == null || info == null) return new SyncResult(Errors.UNKNOWN_MEMBER_ID, null, null, new byte[0]);
        if (generationId != m.memberEpoch()) return new SyncResult(Errors.ILLEGAL_GENERATION, null, null, new byte[0]);
        protocol.scheduleSession(groupId, memberId, info.sessionTimeoutMs());
        return new SyncResult(Errors.NONE, "consumer", info.protocolName(), encodeAssignment(m.assigned()));
    }

    // ------------------------------------------------------------------------------------------------ heartbeat, leave

    public Errors heartbeat(String groupId, int generationId, String memberId) {
        ConsumerGroup g = protocol.group(groupId);
        ConsumerGroupMember m = g.members.get(memberId);
        ClassicMemberInfo info = g.classicMembers.get(memberId);
        if (m == null || info == null) return Errors.UNKNOWN_MEMBER_ID;
        if (generationId != m.memberEpoch()) return Errors.ILLEGAL_GENERATION;
        protocol.scheduleSession(groupId, memberId, info.sessionTimeoutMs());
        // Anything left to reconcile is done through a rejoin.
        boolean settled = m.state() == MemberState.STABLE && m.memberEpoch() == g.assignmentEpoch
                && m.assigned().equals(g.targetOf(memberId));
        return settled ? Errors.NONE : Errors.REBALANCE_IN_PROGRESS;
    }

    public CoordinatorResult<Errors> leave(String groupId, String memberId) {
        protocol.beginOperation(groupId);
        ConsumerGroup g = protocol.group(groupId);
        if (g == null || !g.members.containsKey(memberId)) return CoordinatorResult.of(Errors.UNKNOWN_MEMBER_ID);
        return new CoordinatorResult<>(protocol.removalRecords(g, memberId), Errors.NONE);
    }

    private static JoinResult error(Errors e, String memberId) {
        return new JoinResult(e, memberId, -1, null, null, "", false, List.of());
    }

    // ------------------------------------------------------------------------------------------------ codec

    private record Subscription(List<String> topics, Assignment owned) {
    }

    private Subscription decodeSubscription(byte[] metadata) {
        if (metadata == null || metadata.length < 2) return new Subscription(List.of(), Assignment.EMPTY);
        ConsumerProtocol.Versioned v = ConsumerProtocol.deserialize(ConsumerProtocol.SUBSCRIPTION, ByteBuffer.wrap(metadata));
        List<String> topics = new ArrayList<>(v.value().<String>getList("Topics"));
        topics.sort(null);
        Map<UUID, Set<Integer>> owned = new TreeMap<>();
        if (v.version() >= 1) {
            for (Struct tp : v.value().getStructs("OwnedPartitions")) {
                UUID id = topicId(tp.getString("Topic"));
                if (id != null) owned.computeIfAbsent(id, k -> new HashSet<>()).addAll(tp.<Integer>getList("Partitions"));
            }
        }
        return new Subscription(topics, new Assignment(owned));
    }

    private Assignment decodeAssignment(byte[] bytes) {
        if (bytes == null || bytes.length < 2) return Assignment.EMPTY;
        ConsumerProtocol.Versioned v = ConsumerProtocol.deserialize(ConsumerProtocol.ASSIGNMENT, ByteBuffer.wrap(bytes));
        Map<UUID, Set<Integer>> out = new TreeMap<>();
        for (Struct tp : v.value().getStructs("AssignedPartitions")) {
            UUID id = topicId(tp.getString("Topic"));
            if (id != null) out.computeIfAbsent(id, k -> new HashSet<>()).addAll(tp.<Integer>getList("Partitions"));
        }
        return new Assignment(out);
    }

    private byte[] encodeAssignment(Assignment a) {
        Struct s = new Struct(ConsumerProtocol.ASSIGNMENT);
        a.partitions().forEach((id, ps) -> {
            String name = protocol.topicName(id);
            if (name != null) s.add("AssignedPartitions", s.child("AssignedPartitions").set("Topic", name).set("Partitions", new ArrayList<>(ps)));
        });
        s.set("UserData", null);
        return ConsumerProtocol.serialize(s, (short) 0);
    }

    private UUID topicId(String name) {
        ConsumerGroupProtocol.TopicMeta t = protocol.topicsByName().get(name);
        return t == null ? null : t.id();
    }
}
