package io.fjord.client.consumer.internals;

import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.ConsumerPartitionAssignor.Subscription;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The balanced, sticky assignment behind "sticky" and "cooperative-sticky". Inputs are each member's subscribed
 * topics and previously owned partitions with the generation they were owned in. Only owners from the highest
 * generation count (an older claim is stale); a partition claimed by two members of that generation counts as
 * unowned. Equal subscriptions: every member gets floor or ceil of partitions/members, keeping as many owned
 * partitions as those quotas allow (the fewest possible moves). Different subscriptions: owned partitions are kept,
 * unowned ones go to the least loaded eligible member (partitions with fewest eligible members first), then
 * partitions move one at a time from a member to an eligible one with at least two fewer, until none can.
 */
public final class StickyAssignment {
    /** What a member owned before this rebalance. */
    public record Owned(List<TopicPartition> partitions, int generation) {
    }

    private final Map<String, List<TopicPartition>> assignment;
    private final Map<TopicPartition, String> previousOwner;

    private StickyAssignment(Map<String, List<TopicPartition>> assignment, Map<TopicPartition, String> previousOwner) {
        this.assignment = assignment;
        this.previousOwner = previousOwner;
    }

    public Map<String, List<TopicPartition>> assignment() {
        return assignment;
    }

    /** Partitions given to a member other than their (valid) previous owner. */
    public Map<TopicPartition, String> transferring() {
        Map<TopicPartition, String> out = new HashMap<>();
        assignment.forEach((m, parts) -> {
            for (TopicPartition tp : parts) {
                String prev = previousOwner.get(tp);
                if (prev != null && !prev.equals(m)) out.put(tp, m);
            }
        });
        return out;
    }

    public static StickyAssignment compute(Map<String, Integer> partitionsPerTopic, Map<String, Subscription> subscriptions,
                                           Map<String, Owned> owned) {
        List<String> members = AssignorSupport.sortedMembers(subscriptions);
        // Valid previous owners: highest generation only, subscribed topics that exist, no double claims.
        int maxGen = Integer.MIN_VALUE;
        for (String m : members) maxGen = Math.max(maxGen, owned.getOrDefault(m, new Owned(List.of(), -1)).generation());
        Map<TopicPartition, String> previousOwner = new HashMap<>();
        Set<TopicPartition> doubleClaimed = new HashSet<>();
        for (String m : members) {
            Owned o = owned.get(m);
            if (o == null || o.generation() != maxGen) continue;
            Subscription s = subscriptions.get(m);
            for (TopicPartition tp : o.partitions()) {
                Integer n = partitionsPerTopic.get(tp.topic());
                if (n == null || tp.partition() >= n || !s.topics().contains(tp.topic())) continue;
                String other = previousOwner.putIfAbsent(tp, m);
                if (other != null && !other.equals(m)) doubleClaimed.add(tp);
            }
        }
        doubleClaimed.forEach(previousOwner::remove);

        List<TopicPartition> all = new ArrayList<>();
        for (String t : AssignorSupport.sortedTopics(subscriptions, partitionsPerTopic)) {
            for (int p = 0; p < partitionsPerTopic.get(t); p++) all.add(new TopicPartition(t, p));
        }
        Map<String, List<TopicPartition>> result = new HashMap<>();
        for (String m : members) result.put(m, new ArrayList<>());
        Map<String, List<TopicPartition>> kept = new HashMap<>();
        for (String m : members) kept.put(m, new ArrayList<>());
        for (TopicPartition tp : all) {
            String prev = previousOwner.get(tp);
            if (prev != null) kept.get(prev).add(tp);
        }
        if (members.isEmpty()) return new StickyAssignment(result, previousOwner);

        boolean equal = true;
        Set<String> first = new HashSet<>(subscriptions.get(members.get(0)).topics());
        for (String m : members) equal &= new HashSet<>(subscriptions.get(m).topics()).equals(first);

        if (equal) {
            int n = members.size();
            int minQ = all.size() / n;
            int maxSlots = all.size() % n; // members that may hold minQ + 1
            Set<TopicPartition> unassigned = new LinkedHashSet<>(all);
            for (String m : members) {
                List<TopicPartition> k = kept.get(m);
                int keep = Math.min(k.size(), minQ);
                if (k.size() > minQ && maxSlots > 0) {
                    keep = minQ + 1;
                    maxSlots--;
                }
                for (TopicPartition tp : k.subList(0, keep)) {
                    result.get(m).add(tp);
                    unassigned.remove(tp);
                }
            }
            var it = unassigned.iterator();
            for (String m : members) {
                while (result.get(m).size() < minQ && it.hasNext()) result.get(m).add(it.next());
            }
            for (String m : members) {
                if (!it.hasNext()) break;
                if (result.get(m).size() == minQ && maxSlots > 0) {
                    result.get(m).add(it.next());
                    maxSlots--;
                }
            }
            return new StickyAssignment(result, previousOwner);
        }

        Map<TopicPartition, List<String>> eligible = new HashMap<>();
        for (TopicPartition tp : all) {
            List<String> e = new ArrayList<>();
            for (String m : members) if (subscriptions.get(m).topics().contains(tp.topic())) e.add(m);
            eligible.put(tp, e);
        }
        Map<TopicPartition, String> owner = new HashMap<>();
        for (String m : members) {
            for (TopicPartition tp : kept.get(m)) {
                result.get(m).add(tp);
                owner.put(tp, m);
            }
        }
        List<TopicPartition> unowned = new ArrayList<>();
        for (TopicPartition tp : all) if (!owner.containsKey(tp)) unowned.add(tp);
        unowned.sort(Comparator.<TopicPartition>comparingInt(tp -> eligible.get(tp).size()).thenComparing(AssignorSupport.PARTITION_ORDER));
        for (TopicPartition tp : unowned) {
            String best = null;
            for (String m : eligible.get(tp)) if (best == null || result.get(m).size() < result.get(best).size()) best = m;
            result.get(best).add(tp);
            owner.put(tp, best);
        }
        boolean moved = true;
        while (moved) {
            moved = false;
            List<String> byLoad = new ArrayList<>(members);
            byLoad.sort(Comparator.<String>comparingInt(m -> -result.get(m).size()).thenComparing(m -> m));
            outer:
            for (String from : byLoad) {
                List<TopicPartition> parts = new ArrayList<>(result.get(from));
                // Move partitions the member did not own before first.
                parts.sort(Comparator.<TopicPartition>comparingInt(tp -> from.equals(previousOwner.get(tp)) ? 1 : 0)
                        .thenComparing(AssignorSupport.PARTITION_ORDER));
                for (TopicPartition tp : parts) {
                    String to = null;
                    for (String m : eligible.get(tp)) {
                        if (result.get(m).size() <= result.get(from).size() - 2 && (to == null || result.get(m).size() < result.get(to).size())) to = m;
                    }
                    if (to != null) {
                        result.get(from).remove(tp);
                        result.get(to).add(tp);
                        moved = true;
                        break outer;
                    }
                }
            }
        }
        return new StickyAssignment(result, previousOwner);
    }
}
