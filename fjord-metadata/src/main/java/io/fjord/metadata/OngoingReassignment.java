package io.fjord.metadata;

import java.util.List;

/** A reassignment in progress, as ListPartitionReassignments reports it. */
public record OngoingReassignment(TopicPartitionRef partition, List<Integer> replicas, List<Integer> addingReplicas,
                                  List<Integer> removingReplicas) {
}
