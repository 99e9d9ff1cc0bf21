package io.fjord.client.common;

import java.util.List;

/** One partition as the cluster metadata describes it; {@code leader} is -1 when it has none. */
public record PartitionInfo(String topic, int partition, int leader, int leaderEpoch, List<Integer> replicas,
                            List<Integer> isr, List<Integer> offlineReplicas) {
}
