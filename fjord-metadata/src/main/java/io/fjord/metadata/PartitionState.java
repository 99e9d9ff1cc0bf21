package io.fjord.metadata;

import java.util.List;

/**
 * Who holds and who leads one partition. {@code leaderEpoch} grows with every leader change (and when a
 * reassignment drops replicas) and fences stale leaders; {@code partitionEpoch} grows with every change to this
 * state. During a reassignment (KIP-455) {@code replicas} is the target followed by the replicas being removed;
 * {@code addingReplicas} are the target replicas that were not replicas before, {@code removingReplicas} the old
 * replicas not in the target. Both are empty when no reassignment is in progress.
 */
public record PartitionState(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                             int partitionEpoch, List<Integer> addingReplicas, List<Integer> removingReplicas) {
    public PartitionState {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        addingReplicas = List.copyOf(addingReplicas);
        removingReplicas = List.copyOf(removingReplicas);
    }

    /** A partition with no reassignment in progress. */
    public PartitionState(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                          int partitionEpoch) {
        this(partition, replicas, isr, leader, leaderEpoch, partitionEpoch, List.of(), List.of());
    }

    public boolean isReassigning() {
        return !addingReplicas.isEmpty() || !removingReplicas.isEmpty();
    }

    /** The first replica: the leader a preferred election picks. */
    public int preferredLeader() {
        return replicas.isEmpty() ? -1 : replicas.get(0);
    }

    /**
     * The replica list a reassignment is moving to ({@code replicas} without the ones being removed), or
     * {@code replicas} when none is in progress.
     */
    public List<Integer> targetReplicas() {
        if (removingReplicas.isEmpty()) return replicas;
        return replicas.stream().filter(r -> !removingReplicas.contains(r)).toList();
    }

    /** The replica list before the reassignment started ({@code replicas} without the ones being added). */
    public List<Integer> originalReplicas() {
        if (addingReplicas.isEmpty()) return replicas;
        return replicas.stream().filter(r -> !addingReplicas.contains(r)).toList();
    }
}
