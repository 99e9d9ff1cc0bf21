package io.fjord.broker.group.consumer;

import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * An immutable set of partitions by topic id: what a member owns, must revoke, or is meant to own. Empty sets are
 * never kept, so two equal assignments are {@code equals}.
 */
public record Assignment(Map<UUID, Set<Integer>> partitions) {
    public static final Assignment EMPTY = new Assignment(Map.of());

    public Assignment {
        Map<UUID, Set<Integer>> copy = new TreeMap<>();
        partitions.forEach((t, ps) -> {
            if (!ps.isEmpty()) copy.put(t, Collections.unmodifiableSet(new TreeSet<>(ps)));
        });
        partitions = Collections.unmodifiableMap(copy);
    }

    public static Assignment of(Map<UUID, ? extends Set<Integer>> partitions) {
        return new Assignment(Map.copyOf(partitions));
    }

    public boolean isEmpty() {
        return partitions.isEmpty();
    }

    public boolean contains(UUID topic, int partition) {
        Set<Integer> ps = partitions.get(topic);
        return ps != null && ps.contains(partition);
    }

    public int size() {
        return partitions.values().stream().mapToInt(Set::size).sum();
    }

    public Assignment union(Assignment other) {
        Map<UUID, Set<Integer>> m = mutable();
        other.partitions.forEach((t, ps) -> m.computeIfAbsent(t, k -> new HashSet<>()).addAll(ps));
        return new Assignment(m);
    }

    public Assignment minus(Assignment other) {
        Map<UUID, Set<Integer>> m = mutable();
        other.partitions.forEach((t, ps) -> {
            Set<Integer> mine = m.get(t);
            if (mine != null) mine.removeAll(ps);
        });
        return new Assignment(m);
    }

    public Assignment intersect(Assignment other) {
        Map<UUID, Set<Integer>> m = mutable();
        m.forEach((t, ps) -> ps.retainAll(other.partitions.getOrDefault(t, Set.of())));
        return new Assignment(m);
    }

    public boolean overlaps(Assignment other) {
        return !intersect(other).isEmpty();
    }

    private Map<UUID, Set<Integer>> mutable() {
        Map<UUID, Set<Integer>> m = new TreeMap<>();
        partitions.forEach((t, ps) -> m.put(t, new TreeSet<>(ps)));
        return m;
    }
}
