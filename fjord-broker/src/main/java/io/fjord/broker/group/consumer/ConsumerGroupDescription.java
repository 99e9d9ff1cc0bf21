package io.fjord.broker.group.consumer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** A snapshot of a consumer group for ConsumerGroupDescribe, taken on the shard's executor. Immutable. */
public record ConsumerGroupDescription(String groupId, String state, int groupEpoch, int assignmentEpoch, String assignor,
                                      List<Member> members) {
    public record TopicPartitions(UUID topicId, String topicName, List<Integer> partitions) {
    }

    public record Member(String memberId, String instanceId, String rackId, int memberEpoch, String clientId,
                         String clientHost, List<String> subscribedTopicNames, String subscribedTopicRegex,
                         List<TopicPartitions> assignment, List<TopicPartitions> targetAssignment) {
    }

    /** Null when there is no consumer group of that id. */
    public static ConsumerGroupDescription of(ConsumerGroupProtocol protocol, String groupId) {
        ConsumerGroup g = protocol.group(groupId);
        if (g == null) return null;
        List<Member> members = new ArrayList<>();
        for (ConsumerGroupMember m : g.members.values()) {
            members.add(new Member(m.memberId(), m.instanceId(), m.rackId(), m.memberEpoch(), m.clientId(), m.clientHost(),
                    m.subscribedTopicNames(), m.subscribedTopicRegex(), named(protocol, m.assigned()),
                    named(protocol, g.targetOf(m.memberId()))));
        }
        return new ConsumerGroupDescription(groupId, g.state().displayName(), g.groupEpoch, g.assignmentEpoch,
                protocol.assignorOf(g), members);
    }

    private static List<TopicPartitions> named(ConsumerGroupProtocol protocol, Assignment a) {
        List<TopicPartitions> out = new ArrayList<>();
        for (var e : a.partitions().entrySet()) {
            String name = protocol.topicName(e.getKey());
            Set<Integer> ps = e.getValue();
            out.add(new TopicPartitions(e.getKey(), name == null ? "" : name, new ArrayList<>(ps)));
        }
        return out;
    }
}
