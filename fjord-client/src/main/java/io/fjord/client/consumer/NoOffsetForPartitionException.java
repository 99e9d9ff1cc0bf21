package io.fjord.client.consumer;

import io.fjord.client.common.TopicPartition;
import io.fjord.client.errors.FjordClientException;
import java.util.Set;

/** A partition has no position and {@code auto.offset.reset} is {@code none}. */
public class NoOffsetForPartitionException extends FjordClientException {
    public NoOffsetForPartitionException(Set<TopicPartition> partitions) {
        super("Undefined offset with no reset policy (auto.offset.reset=none) for partitions: " + partitions);
    }
}
