package io.fjord.broker.group.consumer;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * One step of a member towards its target assignment (Kafka's current-assignment builder): a member first revokes
 * what it must give up (UNREVOKED_PARTITIONS, epoch unchanged); once its heartbeat shows it no longer owns them it
 * moves to the target epoch and gets the target partitions that no other member still owns or revokes; the rest
 * come later (UNRELEASED_PARTITIONS). Pure: the caller writes the resulting member as a record. Stateless.
 */
final class Reconciliation {
    private Reconciliation() {
    }

    /**
     * @param member      the member as it stands
     * @param target      its target partitions
     * @param targetEpoch the target assignment's epoch
     * @param owners      for each partition, the other member still owning or revoking it
     * @param owned       what the member reported it owns, or null if it did not say
     */
    static ConsumerGroupMember next(ConsumerGroupMember member, Assignment target, int targetEpoch,
                                    Map<UUID, Map<Integer, String>> owners, Assignment owned) {
        switch (member.state()) {
            case STABLE -> {
                if (member.memberEpoch() == targetEpoch && member.assigned().equals(target)) return member;
                return compute(member, target, targetEpoch, owners);
            }
            case UNREVOKED_PARTITIONS -> {
                // Still revoking until the member says it gave the partitions up.
                if (owned == null || owned.overlaps(member.pendingRevocation())) return member;
                return compute(member.withAssignment(member.memberEpoch(), member.previousMemberEpoch(), MemberState.STABLE,
                        member.assigned(), Assignment.EMPTY), target, targetEpoch, owners);
            }
            case UNRELEASED_PARTITIONS -> {
                return compute(member, target, targetEpoch, owners);
            }
            default -> throw new IllegalStateException("unknown member state " + member.state());
        }
    }

    private static ConsumerGroupMember compute(ConsumerGroupMember member, Assignment target, int targetEpoch,
                                               Map<UUID, Map<Integer, String>> owners) {
        Assignment current = member.assigned().union(member.pendingRevocation());
        Assignment kept = current.intersect(target);
        Assignment revoke = current.minus(target);
        if (!revoke.isEmpty()) {
            // Give up first, at the current epoch: nobody gets these until this member confirms.
            return member.withAssignment(member.memberEpoch(), member.previousMemberEpoch(), MemberState.UNREVOKED_PARTITIONS,
                    kept, revoke);
        }
        Assignment wanted = target.minus(kept);
        Map<UUID, Set<Integer>> free = new HashMap<>();
        boolean unreleased = false;
        for (Map.Entry<UUID, Set<Integer>> e : wanted.partitions().entrySet()) {
            Map<Integer, String> topicOwners = owners.getOrDefault(e.getKey(), Map.of());
            for (int p : e.getValue()) {
                if (topicOwners.containsKey(p)) {
                    unreleased = true;
                } else {
                    free.computeIfAbsent(e.getKey(), k -> new java.util.TreeSet<>()).add(p);
                }
            }
        }
        Assignment assigned = kept.union(new Assignment(free));
        int previous = member.memberEpoch() == targetEpoch ? member.previousMemberEpoch() : member.memberEpoch();
        return member.withAssignment(targetEpoch, previous, unreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE,
                assigned, Assignment.EMPTY);
    }
}
