package io.fjord.broker.group;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A classic consumer group's state: members, generation, chosen protocol, leader, and committed offsets.
 * Not thread-safe: owned by its {@link GroupCoordinatorShard}, whose events run one at a time.
 */
final class ClassicGroup {
    final String groupId;
    private GroupState state = GroupState.EMPTY;
    int generationId;
    String protocolType;
    String protocolName;
    String leaderId;
    final Map<String, GroupMember> members = new LinkedHashMap<>();
    /** Dynamic members told to rejoin with the id they were given (MEMBER_ID_REQUIRED); each has a timer. */
    final Set<String> pendingMembers = new HashSet<>();
    final Map<String, String> staticMembers = new java.util.HashMap<>(); // group.instance.id -> member id
    final Map<OffsetKey, CommittedOffset> offsets = new TreeMap<>();
    boolean initialDelayRunning;
    /** When the group last became Empty (0: never had members here): offsets expire counting from it. */
    long emptySinceMs;

    ClassicGroup(String groupId) {
        this.groupId = groupId;
    }

    GroupState state() {
        return state;
    }

    void transitionTo(GroupState next) {
        if (!next.validPrevious().contains(state)) {
            throw new IllegalStateException("group " + groupId + " cannot go from " + state + " to " + next);
        }
        state = next;
    }

    boolean is(GroupState s) {
        return state == s;
    }

    void add(GroupMember m) {
        if (members.isEmpty()) protocolType = m.protocolType;
        members.put(m.memberId, m);
        if (m.isStatic()) staticMembers.put(m.groupInstanceId, m.memberId);
        if (leaderId == null) leaderId = m.memberId;
    }

    void remove(String memberId) {
        GroupMember m = members.remove(memberId);
        if (m == null) return;
        if (m.isStatic()) staticMembers.remove(m.groupInstanceId, memberId);
        if (memberId.equals(leaderId)) leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
    }

    /** True if a member with these protocols could join: same protocol type and a protocol every member supports. */
    boolean supports(String type, Set<String> protocols) {
        if (members.isEmpty()) return type != null && !type.isEmpty() && !protocols.isEmpty();
        if (!type.equals(protocolType)) return false;
        Set<String> common = new HashSet<>(protocols);
        for (GroupMember m : members.values()) common.retainAll(m.protocols.keySet());
        return !common.isEmpty();
    }

    /** The protocol every member supports that gets the most first-preference votes (ties: first seen). */
    String selectProtocol() {
        Set<String> candidates = null;
        for (GroupMember m : members.values()) {
            if (candidates == null) candidates = new java.util.LinkedHashSet<>(m.protocols.keySet());
            else candidates.retainAll(m.protocols.keySet());
        }
        if (candidates == null || candidates.isEmpty()) return null;
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (String c : candidates) votes.put(c, 0);
        for (GroupMember m : members.values()) {
            for (String p : m.protocols.keySet()) {
                if (candidates.contains(p)) {
                    votes.merge(p, 1, Integer::sum);
                    break;
                }
            }
        }
        String best = null;
        int bestVotes = -1;
        for (Map.Entry<String, Integer> e : votes.entrySet()) {
            if (e.getValue() > bestVotes) {
                best = e.getKey();
                bestVotes = e.getValue();
            }
        }
        return best;
    }

    boolean allMembersJoined() {
        for (GroupMember m : members.values()) if (m.awaitingJoin == null) return false;
        return pendingMembers.isEmpty();
    }

    int maxRebalanceTimeoutMs() {
        int max = 0;
        for (GroupMember m : members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
        return max;
    }

    List<GroupMember> memberList() {
        return new ArrayList<>(members.values());
    }

    /** A committed offset of the group, as stored in the offsets topic. */
    record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestamp) {
    }
}
