package io.fjord.client.consumer;

import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.internals.AssignorSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Per topic, the members subscribed to it (sorted by group.instance.id when set, else member id; static members
 * first) get contiguous ranges: {@code partitions / members} each, the first {@code partitions % members} one more.
 */
public final class RangeAssignor implements ConsumerPartitionAssignor {
    @Override
    public String name() {
        return "range";
    }

    @Override
    public Map<String, List<TopicPartition>> assign(Map<String, Integer> partitionsPerTopic, Map<String, Subscription> subscriptions) {
        Map<String, List<TopicPartition>> out = AssignorSupport.emptyAssignment(subscriptions);
        for (String topic : AssignorSupport.sortedTopics(subscriptions, partitionsPerTopic)) {
            List<String> members = new ArrayList<>();
            for (String m : AssignorSupport.sortedMembers(subscriptions)) {
                if (subscriptions.get(m).topics().contains(topic)) members.add(m);
            }
            int n = partitionsPerTopic.get(topic);
            int per = n / members.size();
            int extra = n % members.size();
            for (int i = 0; i < members.size(); i++) {
                int start = per * i + Math.min(i, extra);
                int len = per + (i < extra ? 1 : 0);
                for (int p = start; p < start + len; p++) out.get(members.get(i)).add(new TopicPartition(topic, p));
            }
        }
        return out;
    }
}
