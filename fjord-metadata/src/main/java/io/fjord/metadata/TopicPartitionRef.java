package io.fjord.metadata;

/** A partition named by its topic's name and its index. */
public record TopicPartitionRef(String topic, int partition) {
}
