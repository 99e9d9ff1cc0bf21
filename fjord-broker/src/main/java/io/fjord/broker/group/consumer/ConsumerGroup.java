package io.fjord.broker.group.consumer;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A consumer group (KIP-848) as the replayed records built it: the group epoch (bumped by every change of members,
 * subscriptions or subscribed topics' metadata), the target assignment and its epoch, and the members with their
 * current assignments. Changed only by {@link ConsumerGroupRecords} replay; the state ({@link ConsumerGroupState})
 * is derived after each record. Not thread-safe: owned by its shard, whose events run one at a time.
 */
public final class ConsumerGroup {
    final String groupId;
    private ConsumerGroupState state = ConsumerGroupState.EMPTY;
    int groupEpoch;
    long metadataHash;
    int assignmentEpoch;
    final Map<String, ConsumerGroupMember> members = new LinkedHashMap<>();
    final Map<String, Assignment> targetAssignment = new HashMap<>();
    final Map<String, String> staticMembers = new HashMap<>(); // instance id -> member id

    ConsumerGroup(String groupId) {
        this.groupId = groupId;
    }

    public String groupId() {
        return groupId;
    }

    public ConsumerGroupState state() {
        return state;
    }

    public int groupEpoch() {
        return groupEpoch;
    }

    public int assignmentEpoch() {
        return assignmentEpoch;
    }

    public Map<String, ConsumerGroupMember> members() {
        return java.util.Collections.unmodifiableMap(members);
    }

    public Assignment targetOf(String memberId) {
        return targetAssignment.getOrDefault(memberId, Assignment.EMPTY);
    }

    void putMember(ConsumerGroupMember m) {
        ConsumerGroupMember old = members.put(m.memberId(), m);
        if (old != null && old.isStatic()) staticMembers.remove(old.instanceId(), old.memberId());
        if (m.isStatic()) staticMembers.put(m.instanceId(), m.memberId());
    }

    void removeMember(String memberId) {
        ConsumerGroupMember old = members.remove(memberId);
        if (old != null && old.isStatic()) staticMembers.remove(old.instanceId(), memberId);
    }

    /** The member owning (or still revoking) each partition, other than {@code except}. */
    Map<UUID, Map<Integer, String>> owners(String except) {
        Map<UUID, Map<Integer, String>> out = new HashMap<>();
        for (ConsumerGroupMember m : members.values()) {
            if (m.memberId().equals(except)) continue;
            for (Assignment a : new Assignment[] {m.assigned(), m.pendingRevocation()}) {
                a.partitions().forEach((t, ps) -> {
                    for (int p : ps) out.computeIfAbsent(t, k -> new HashMap<>()).put(p, m.memberId());
                });
            }
        }
        return out;
    }

    void markDead() {
        transitionTo(ConsumerGroupState.DEAD);
    }

    /** Derives the state from epochs and members after a replayed record. */
    void refreshState() {
        if (state == ConsumerGroupState.DEAD) return;
        ConsumerGroupState next;
        if (members.isEmpty()) {
            next = ConsumerGroupState.EMPTY;
        } else if (groupEpoch > assignmentEpoch) {
            next = ConsumerGroupState.ASSIGNING;
        } else {
            next = ConsumerGroupState.STABLE;
            for (ConsumerGroupMember m : members.values()) {
                if (m.memberEpoch() != assignmentEpoch || m.state() != MemberState.STABLE) {
                    next = ConsumerGroupState.RECONCILING;
                    break;
                }
            }
        }
        transitionTo(next);
    }

    private void transitionTo(ConsumerGroupState next) {
        if (!next.validPrevious().contains(state)) {
            throw new IllegalStateException("consumer group " + groupId + " cannot go from " + state + " to " + next);
        }
        state = next;
    }

    Set<String> memberIds() {
        return members.keySet();
    }
}
