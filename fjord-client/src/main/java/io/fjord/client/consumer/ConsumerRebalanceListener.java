package io.fjord.client.consumer;

import io.fjord.client.common.TopicPartition;
import java.util.Collection;

/**
 * Called on the polling thread around rebalances. With an eager assignor every owned partition is revoked before
 * the member rejoins; with a cooperative one only the partitions taken away. {@link #onPartitionsLost} is for
 * partitions the member no longer owned when it found out (its generation was fenced): no commit can succeed.
 */
public interface ConsumerRebalanceListener {
    void onPartitionsRevoked(Collection<TopicPartition> partitions);

    void onPartitionsAssigned(Collection<TopicPartition> partitions);

    default void onPartitionsLost(Collection<TopicPartition> partitions) {
        onPartitionsRevoked(partitions);
    }
}
