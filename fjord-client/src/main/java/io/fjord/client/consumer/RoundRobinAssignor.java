package io.fjord.client.consumer;

import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.internals.AssignorSupport;
import java.util.List;
import java.util.Map;

/**
 * All subscribed topic-partitions in order (topics sorted by name, then partition) are dealt out one by one over
 * the sorted members in a circle, skipping members not subscribed to the partition's topic.
 */
public final class RoundRobinAssignor implements ConsumerPartitionAssignor {
    @Override
    public String name() {
        return "roundrobin";
    }

    @Override
    public Map<String, List<TopicPartition>> assign(Map<String, Integer> partitionsPerTopic, Map<String, Subscription> subscriptions) {
        Map<String, List<TopicPartition>> out = AssignorSupport.emptyAssignment(subscriptions);
        List<String> members = AssignorSupport.sortedMembers(subscriptions);
        if (members.isEmpty()) return out;
        int next = 0;
        for (String topic : AssignorSupport.sortedTopics(subscriptions, partitionsPerTopic)) {
            for (int p = 0; p < partitionsPerTopic.get(topic); p++) {
                while (!subscriptions.get(members.get(next % members.size())).topics().contains(topic)) next++;
                out.get(members.get(next % members.size())).add(new TopicPartition(topic, p));
                next++;
            }
        }
        return out;
    }
}
