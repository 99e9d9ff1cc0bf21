package io.fjord.metadata;

import java.util.List;
import java.util.UUID;

/**
 * A partition leader's request to change the ISR (KIP-497's AlterPartition, one partition): the epochs are the
 * state the leader based it on; the controller commits {@code newIsr} only if they are still current.
 *
 * @param topicId the topic's id, or null to look the topic up by name
 */
public record AlterPartitionRequest(String topic, UUID topicId, int partition, int leaderId, int leaderEpoch,
                                    int partitionEpoch, List<Integer> newIsr) {
    public AlterPartitionRequest {
        newIsr = List.copyOf(newIsr);
    }
}
