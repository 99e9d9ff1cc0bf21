package io.fjord.metadata;

import java.util.List;
import java.util.UUID;

/**
 * A partition leader's request to change the ISR (KIP-497's AlterPartition, one partition): the epochs are the
 * state the leader based it on; the controller commits {@code newIsr} only if they are still current.
 *
 * @param topicId the topic's id, or null to look the topic up by name
 * @param brokerEpochs for ISR members the leader vouches for, the broker epoch ({@link ClusterImage#brokerEpoch})
 *                     the member fetched with (KIP-903): a member that has restarted since (and may have lost
 *                     unflushed data) is refused. Members without an entry are not checked.
 */
public record AlterPartitionRequest(String topic, UUID topicId, int partition, int leaderId, int leaderEpoch,
                                    int partitionEpoch, List<Integer> newIsr, java.util.Map<Integer, Long> brokerEpochs) {
    public AlterPartitionRequest {
        newIsr = List.copyOf(newIsr);
        brokerEpochs = java.util.Map.copyOf(brokerEpochs);
    }

    public AlterPartitionRequest(String topic, UUID topicId, int partition, int leaderId, int leaderEpoch,
                                 int partitionEpoch, List<Integer> newIsr) {
        this(topic, topicId, partition, leaderId, leaderEpoch, partitionEpoch, newIsr, java.util.Map.of());
    }
}
