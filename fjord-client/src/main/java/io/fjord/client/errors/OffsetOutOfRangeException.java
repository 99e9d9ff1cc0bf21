package io.fjord.client.errors;

import io.fjord.client.common.TopicPartition;
import java.util.Map;

/** A fetch position is outside the log and {@code auto.offset.reset} is {@code none}. */
public class OffsetOutOfRangeException extends FjordClientException {
    private final Map<TopicPartition, Long> offsets;

    public OffsetOutOfRangeException(Map<TopicPartition, Long> offsets) {
        super("Fetch position out of range and no reset policy (auto.offset.reset=none): " + offsets);
        this.offsets = Map.copyOf(offsets);
    }

    public Map<TopicPartition, Long> offsetOutOfRangePartitions() {
        return offsets;
    }
}
