package io.fjord.client.consumer.internals;

import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.ConsumerPartitionAssignor.Subscription;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Helpers the assignors share: member order, topic order, empty results. */
public final class AssignorSupport {
    public static final Comparator<TopicPartition> PARTITION_ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    private AssignorSupport() {
    }

    /**
     * Members in Kafka's order: those with a group.instance.id first, by that id; then the others by member id.
     */
    public static List<String> sortedMembers(Map<String, Subscription> subscriptions) {
        List<String> members = new ArrayList<>(subscriptions.keySet());
        members.sort((a, b) -> {
            String ia = subscriptions.get(a).groupInstanceId();
            String ib = subscriptions.get(b).groupInstanceId();
            if (ia != null && ib != null) return ia.compareTo(ib);
            if (ia != null) return -1;
            if (ib != null) return 1;
            return a.compareTo(b);
        });
        return members;
    }

    /** Every topic some member subscribes to and the cluster knows, sorted by name. */
    public static List<String> sortedTopics(Map<String, Subscription> subscriptions, Map<String, Integer> partitionsPerTopic) {
        TreeSet<String> topics = new TreeSet<>();
        for (Subscription s : subscriptions.values()) {
            for (String t : s.topics()) if (partitionsPerTopic.containsKey(t)) topics.add(t);
        }
        return new ArrayList<>(topics);
    }

    public static Map<String, List<TopicPartition>> emptyAssignment(Map<String, Subscription> subscriptions) {
        Map<String, List<TopicPartition>> out = new HashMap<>();
        for (String m : subscriptions.keySet()) out.put(m, new ArrayList<>());
        return out;
    }
}
