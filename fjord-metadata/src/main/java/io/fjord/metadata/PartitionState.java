package io.fjord.metadata;

import java.util.List;

/**
 * Who holds and who leads one partition. {@code leaderEpoch} grows with every leader change and fences stale
 * leaders; {@code partitionEpoch} grows with every change to this state.
 */
public record PartitionState(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                             int partitionEpoch) {
    public PartitionState {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }
}
