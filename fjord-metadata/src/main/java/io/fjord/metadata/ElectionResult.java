package io.fjord.metadata;

import io.fjord.protocol.api.Errors;

/** One partition's outcome of an ElectLeaders request (Kafka's per-partition error codes). */
public record ElectionResult(TopicPartitionRef partition, Errors error) {
}
