package io.fjord.metadata.placement;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Replica placement, Kafka's classic algorithm: brokers sorted by id (or, when every broker has a rack, a
 * rack-alternated list), partition p's first replica (the preferred leader) on broker (p + startIndex) mod n, the
 * followers after it at a gap of {@code nextReplicaShift}, which grows by one each time p wraps past n, so the
 * follower sets of successive rounds differ. With racks, a follower is skipped while its rack (or the broker)
 * already holds a replica of the partition and some rack does not yet. Pure and deterministic given the start
 * index and shift (random ones come from the {@link Random} passed in).
 */
public final class ReplicaPlacer {
    /** A broker that may receive replicas (callers pass unfenced brokers only); rack null if unset. */
    public record Broker(int id, String rack) {
    }

    /** Placement refused: replication factor or partition count impossible for these brokers. */
    public static final class PlacementException extends RuntimeException {
        public PlacementException(String message) {
            super(message);
        }
    }

    private ReplicaPlacer() {
    }

    /**
     * Places {@code partitions} partitions numbered from {@code startPartitionId}.
     *
     * @param startIndex index of partition 0's first replica in the broker list, or -1 for a random one
     * @param shift the initial {@code nextReplicaShift}, or -1 for a random one
     * @return replica lists, one per new partition, in partition order
     */
    public static List<List<Integer>> place(List<Broker> brokers, int partitions, int replicationFactor, int startIndex,
                                            int shift, int startPartitionId, Random random) {
        if (partitions <= 0) throw new PlacementException("Number of partitions must be larger than 0.");
        if (replicationFactor <= 0) throw new PlacementException("Replication factor must be larger than 0.");
        if (replicationFactor > brokers.size()) {
            throw new PlacementException("Unable to replicate the partition " + replicationFactor
                    + " time(s): The target replication factor of " + replicationFactor
                    + " cannot be reached because only " + brokers.size() + " broker(s) are registered.");
        }
        boolean rackAware = !brokers.isEmpty() && brokers.stream().allMatch(b -> b.rack() != null);
        List<Broker> arranged = rackAware ? rackAlternated(brokers) : sortedById(brokers);
        int n = arranged.size();
        int start = startIndex >= 0 ? startIndex % n : random.nextInt(n);
        int nextShift = shift >= 0 ? shift : random.nextInt(n);
        int numRacks = rackAware ? (int) arranged.stream().map(Broker::rack).distinct().count() : 1;
        List<List<Integer>> out = new ArrayList<>();
        int p = Math.max(0, startPartitionId);
        for (int i = 0; i < partitions; i++, p++) {
            if (p > 0 && p % n == 0) nextShift++;
            int first = (p + start) % n;
            List<Integer> replicas = new ArrayList<>();
            Broker leader = arranged.get(first);
            replicas.add(leader.id());
            if (!rackAware) {
                for (int j = 0; j < replicationFactor - 1; j++) {
                    replicas.add(arranged.get(replicaIndex(first, nextShift, j, n)).id());
                }
            } else {
                Set<String> racks = new HashSet<>(Set.of(leader.rack()));
                Set<Integer> used = new HashSet<>(Set.of(leader.id()));
                int k = 0;
                for (int j = 0; j < replicationFactor - 1; j++) {
                    while (true) {
                        Broker b = arranged.get(replicaIndex(first, nextShift * numRacks, k++, n));
                        boolean rackOk = !racks.contains(b.rack()) || racks.size() == numRacks;
                        boolean brokerOk = !used.contains(b.id()) || used.size() == n;
                        if (rackOk && brokerOk) {
                            replicas.add(b.id());
                            racks.add(b.rack());
                            used.add(b.id());
                            break;
                        }
                    }
                }
            }
            out.add(List.copyOf(replicas));
        }
        return out;
    }

    /**
     * Placement for partitions added to an existing topic (CreatePartitions): the pattern continues from the
     * existing partition count, anchored on partition 0's first replica, as Kafka does.
     */
    public static List<List<Integer>> continuing(List<Broker> brokers, List<Integer> partition0Replicas, int existingCount,
                                                 int added, int replicationFactor, Random random) {
        boolean rackAware = !brokers.isEmpty() && brokers.stream().allMatch(b -> b.rack() != null);
        List<Broker> arranged = rackAware ? rackAlternated(brokers) : sortedById(brokers);
        int start = -1;
        if (partition0Replicas != null && !partition0Replicas.isEmpty()) {
            for (int i = 0; i < arranged.size(); i++) if (arranged.get(i).id() == partition0Replicas.get(0)) start = i;
        }
        return place(brokers, added, replicationFactor, start, start, existingCount, random);
    }

    static int replicaIndex(int first, int shift, int j, int n) {
        if (n == 1) return first;
        long s = 1 + (((long) shift + j) % (n - 1));
        return (int) ((first + s) % n);
    }

    static List<Broker> sortedById(List<Broker> brokers) {
        List<Broker> s = new ArrayList<>(brokers);
        s.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return s;
    }

    /** Racks by name, each rack's brokers by id; one broker from each rack in turn: [r1b1, r2b1, r3b1, r1b2, ...]. */
    static List<Broker> rackAlternated(List<Broker> brokers) {
        Map<String, List<Broker>> byRack = new TreeMap<>();
        for (Broker b : sortedById(brokers)) byRack.computeIfAbsent(b.rack(), r -> new ArrayList<>()).add(b);
        List<Iterator<Broker>> its = new ArrayList<>();
        for (List<Broker> l : byRack.values()) its.add(l.iterator());
        List<Broker> out = new ArrayList<>();
        while (out.size() < brokers.size()) {
            for (Iterator<Broker> it : its) if (it.hasNext()) out.add(it.next());
        }
        return out;
    }
}
