package io.fjord.client.consumer;

import io.fjord.client.common.TopicPartition;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Assigns the partitions of a consumer group's subscribed topics to its members; run by the group leader. Kafka's
 * contract and protocol names, so members of Fjord's and Kafka's consumers in one group agree on the strategy.
 */
public interface ConsumerPartitionAssignor {
    /** How a rebalance moves partitions: EAGER revokes everything before joining, COOPERATIVE only what moves. */
    enum RebalanceProtocol { EAGER, COOPERATIVE }

    /** A member's subscription as decoded from its JoinGroup metadata (ConsumerProtocol SUBSCRIPTION). */
    record Subscription(List<String> topics, ByteBuffer userData, List<TopicPartition> ownedPartitions, int generationId,
                        String groupInstanceId) {
        public Subscription(List<String> topics) {
            this(topics, null, List.of(), -1, null);
        }
    }

    /** The protocol name in JoinGroup ("range", "roundrobin", "sticky", "cooperative-sticky"). */
    String name();

    default List<RebalanceProtocol> supportedProtocols() {
        return List.of(RebalanceProtocol.EAGER);
    }

    /** Extra bytes this member sends in its subscription (null for none). */
    default ByteBuffer subscriptionUserData(Set<String> topics) {
        return null;
    }

    /** Member id → its partitions, for every member in {@code subscriptions}. */
    Map<String, List<TopicPartition>> assign(Map<String, Integer> partitionsPerTopic, Map<String, Subscription> subscriptions);

    /** Called on every member with what it was given and the generation it was given in. */
    default void onAssignment(List<TopicPartition> assignment, int generationId) {
    }
}
