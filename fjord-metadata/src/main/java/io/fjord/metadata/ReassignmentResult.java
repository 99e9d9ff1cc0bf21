package io.fjord.metadata;

import io.fjord.protocol.api.Errors;

/** One partition's outcome of an AlterPartitionReassignments request; {@code message} may be null. */
public record ReassignmentResult(TopicPartitionRef partition, Errors error, String message) {
}
