package io.fjord.broker.group.consumer;

import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A server-side assignor (KIP-848, {@code group.consumer.assignors}): from the members' subscriptions, the
 * subscribed topics' partition counts and the previous target, the next target assignment. Pure and deterministic:
 * the same input gives the same output, so leader and replay never disagree (the output is written as records).
 */
public interface PartitionAssignor {
    String name();

    /** A member as the assignor sees it: its id and the ids of the existing topics it subscribes to. */
    record MemberSubscription(String memberId, Set<UUID> topics) {
    }

    /**
     * @param members    by member id, in a stable order
     * @param partitions partition count by topic id (only topics some member subscribes to)
     * @param previous   the previous target by member id (for stickiness)
     * @return the new target of every member (an empty assignment for a member that gets nothing)
     */
    Map<String, Assignment> assign(Map<String, MemberSubscription> members, Map<UUID, Integer> partitions,
                                   Map<String, Assignment> previous);
}
