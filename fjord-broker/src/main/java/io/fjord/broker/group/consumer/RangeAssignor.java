package io.fjord.broker.group.consumer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Kafka's {@code range} server assignor semantics: per topic, the members subscribed to it (by member id, so
 * co-partitioned topics line up) each get a contiguous range; with P partitions and M members the first
 * {@code P % M} members get {@code P/M + 1} and the rest {@code P/M}. Stateless.
 */
public final class RangeAssignor implements PartitionAssignor {
    public static final String NAME = "range";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Assignment> assign(Map<String, MemberSubscription> members, Map<UUID, Integer> partitions,
                                          Map<String, Assignment> previous) {
        Map<String, Map<UUID, Set<Integer>>> out = new TreeMap<>();
        for (String m : members.keySet()) out.put(m, new TreeMap<>());
        for (Map.Entry<UUID, Integer> t : new TreeMap<>(partitions).entrySet()) {
            List<String> subscribers = new ArrayList<>();
            for (MemberSubscription s : members.values()) if (s.topics().contains(t.getKey())) subscribers.add(s.memberId());
            if (subscribers.isEmpty()) continue;
            subscribers.sort(null);
            int n = t.getValue();
            int per = n / subscribers.size();
            int extra = n % subscribers.size();
            int next = 0;
            for (int i = 0; i < subscribers.size(); i++) {
                int size = per + (i < extra ? 1 : 0);
                Set<Integer> range = new TreeSet<>();
                for (int p = next; p < next + size; p++) range.add(p);
                next += size;
                if (!range.isEmpty()) out.get(subscribers.get(i)).put(t.getKey(), range);
            }
        }
        Map<String, Assignment> result = new TreeMap<>();
        out.forEach((m, a) -> result.put(m, new Assignment(a)));
        return result;
    }
}
