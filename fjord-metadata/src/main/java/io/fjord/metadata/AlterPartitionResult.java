package io.fjord.metadata;

import io.fjord.protocol.api.Errors;

/**
 * The answer to an {@link AlterPartitionRequest}: {@link Errors#NONE} with the committed state, or Kafka's error
 * code for why nothing changed ({@code state} null), or {@link Errors#NEW_LEADER_ELECTED} when the change was
 * committed but completed a reassignment that moved the leadership away from the requester ({@code state} set).
 */
public record AlterPartitionResult(Errors error, PartitionState state) {
    public static AlterPartitionResult error(Errors error) {
        return new AlterPartitionResult(error, null);
    }
}
