package io.fjord.broker.group.consumer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Kafka's {@code uniform} server assignor semantics: partitions spread as evenly as the subscriptions allow, and
 * sticky — a partition stays with its previous owner while that member still subscribes to the topic and is not
 * above its fair share. With identical subscriptions every member gets {@code floor(P/M)} or {@code ceil(P/M)}
 * partitions. Heterogeneous subscriptions: each unassigned partition goes to the subscribed member holding the
 * fewest partitions (ties by member id). Stateless.
 */
public final class UniformAssignor implements PartitionAssignor {
    public static final String NAME = "uniform";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Assignment> assign(Map<String, MemberSubscription> members, Map<UUID, Integer> partitions,
                                          Map<String, Assignment> previous) {
        Map<String, Map<UUID, Set<Integer>>> out = new TreeMap<>();
        Map<String, Integer> counts = new HashMap<>();
        for (String m : members.keySet()) {
            out.put(m, new TreeMap<>());
            counts.put(m, 0);
        }
        if (members.isEmpty()) return Map.of();
        // Fair share per member: the partitions it can take, spread over the members that can take them.
        int total = 0;
        for (Map.Entry<UUID, Integer> t : partitions.entrySet()) {
            boolean anyone = members.values().stream().anyMatch(s -> s.topics().contains(t.getKey()));
            if (anyone) total += t.getValue();
        }
        int quota = (total + members.size() - 1) / members.size();
        int exactFloor = total / members.size();
        int extrasAllowed = total - exactFloor * members.size(); // members that may hold ceil instead of floor
        List<TopicPartitionRef> unassigned = new ArrayList<>();
        for (Map.Entry<UUID, Integer> t : new TreeMap<>(partitions).entrySet()) {
            for (int p = 0; p < t.getValue(); p++) unassigned.add(new TopicPartitionRef(t.getKey(), p));
        }
        // 1. Stickiness: keep previous partitions still subscribed, up to the fair share.
        List<TopicPartitionRef> rest = new ArrayList<>();
        int membersAtCeil = 0;
        Map<TopicPartitionRef, String> prevOwner = new HashMap<>();
        previous.forEach((m, a) -> a.partitions().forEach((t, ps) -> ps.forEach(p -> prevOwner.put(new TopicPartitionRef(t, p), m))));
        for (TopicPartitionRef tp : unassigned) {
            String owner = prevOwner.get(tp);
            MemberSubscription s = owner == null ? null : members.get(owner);
            if (s != null && s.topics().contains(tp.topic())) {
                int c = counts.get(owner);
                boolean underFloor = c < exactFloor;
                boolean mayReachCeil = c == exactFloor && c < quota && membersAtCeil < extrasAllowed;
                if (underFloor || mayReachCeil) {
                    if (!underFloor) membersAtCeil++;
                    out.get(owner).computeIfAbsent(tp.topic(), k -> new TreeSet<>()).add(tp.partition());
                    counts.put(owner, c + 1);
                    continue;
                }
            }
            rest.add(tp);
        }
        // 2. Every other partition to the least loaded member subscribed to its topic.
        for (TopicPartitionRef tp : rest) {
            String best = null;
            for (MemberSubscription s : members.values()) {
                if (!s.topics().contains(tp.topic())) continue;
                if (best == null || counts.get(s.memberId()) < counts.get(best)
                        || (counts.get(s.memberId()).equals(counts.get(best)) && s.memberId().compareTo(best) < 0)) {
                    best = s.memberId();
                }
            }
            if (best == null) continue; // nobody subscribes to the topic
            out.get(best).computeIfAbsent(tp.topic(), k -> new TreeSet<>()).add(tp.partition());
            counts.merge(best, 1, Integer::sum);
        }
        rebalance(members, out, counts, total);
        Map<String, Assignment> result = new TreeMap<>();
        out.forEach((m, a) -> result.put(m, new Assignment(a)));
        return result;
    }

    /**
     * Heterogeneous subscriptions can leave a member short while another holds two or more partitions more of a
     * topic the short one also subscribes to: move one such partition at a time, least loaded receiver first.
     * Each move lowers the spread, so the loop ends; it is bounded by the partition count anyway.
     */
    private static void rebalance(Map<String, MemberSubscription> members, Map<String, Map<UUID, Set<Integer>>> out,
                                  Map<String, Integer> counts, int total) {
        for (int moves = 0; moves < total; moves++) {
            boolean moved = false;
            List<String> byLoad = new ArrayList<>(members.keySet());
            byLoad.sort((x, y) -> counts.get(x).equals(counts.get(y)) ? x.compareTo(y) : counts.get(x) - counts.get(y));
            search:
            for (String receiver : byLoad) {
                for (int i = byLoad.size() - 1; i >= 0; i--) {
                    String giver = byLoad.get(i);
                    if (counts.get(giver) - counts.get(receiver) < 2) break;
                    for (Map.Entry<UUID, Set<Integer>> e : out.get(giver).entrySet()) {
                        if (e.getValue().isEmpty() || !members.get(receiver).topics().contains(e.getKey())) continue;
                        int p = ((TreeSet<Integer>) e.getValue()).last();
                        e.getValue().remove(p);
                        out.get(receiver).computeIfAbsent(e.getKey(), k -> new TreeSet<>()).add(p);
                        counts.merge(giver, -1, Integer::sum);
                        counts.merge(receiver, 1, Integer::sum);
                        moved = true;
                        break search;
                    }
                }
            }
            if (!moved) return;
        }
    }

    private record TopicPartitionRef(UUID topic, int partition) {
    }
}
