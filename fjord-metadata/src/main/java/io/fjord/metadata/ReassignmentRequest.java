package io.fjord.metadata;

import java.util.List;

/**
 * One partition of an AlterPartitionReassignments request (KIP-455).
 *
 * @param targetReplicas the replica list to move to, first the preferred leader; null cancels the reassignment
 *                       in progress
 */
public record ReassignmentRequest(TopicPartitionRef partition, List<Integer> targetReplicas) {
    public ReassignmentRequest {
        targetReplicas = targetReplicas == null ? null : List.copyOf(targetReplicas);
    }
}
