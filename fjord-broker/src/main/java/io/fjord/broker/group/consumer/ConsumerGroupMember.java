package io.fjord.broker.group.consumer;

import java.util.List;

/**
 * One member of a consumer group, immutable: what it subscribes to (member metadata record) and where it stands
 * (current assignment record). Epoch -2 is a static member that left for a while and keeps its partitions until
 * its session expires (Kafka's LEAVE_GROUP_STATIC_MEMBER_EPOCH).
 */
public record ConsumerGroupMember(String memberId, String instanceId, String rackId, String clientId, String clientHost,
                                  List<String> subscribedTopicNames, String subscribedTopicRegex, String serverAssignor,
                                  int rebalanceTimeoutMs, int memberEpoch, int previousMemberEpoch, MemberState state,
                                  Assignment assigned, Assignment pendingRevocation) {
    public static final int LEAVE_EPOCH = -1;
    public static final int STATIC_LEAVE_EPOCH = -2;

    public ConsumerGroupMember {
        subscribedTopicNames = List.copyOf(subscribedTopicNames);
        boolean pending = !pendingRevocation.isEmpty();
        if (pending != (state == MemberState.UNREVOKED_PARTITIONS)) {
            throw new IllegalStateException("member " + memberId + " in " + state + " with pending revocation " + pendingRevocation);
        }
        if (assigned.overlaps(pendingRevocation)) {
            throw new IllegalStateException("member " + memberId + ": a partition both assigned and pending revocation");
        }
    }

    /** A member that just joined: nothing assigned, epoch 0. */
    public static ConsumerGroupMember joining(String memberId) {
        return new ConsumerGroupMember(memberId, null, null, "", "", List.of(), null, null, -1, 0, 0,
                MemberState.STABLE, Assignment.EMPTY, Assignment.EMPTY);
    }

    public boolean isStatic() {
        return instanceId != null;
    }

    public ConsumerGroupMember withMetadata(String instanceId, String rackId, String clientId, String clientHost,
                                            List<String> topics, String regex, String assignor, int rebalanceTimeoutMs) {
        return new ConsumerGroupMember(memberId, instanceId, rackId, clientId, clientHost, topics, regex, assignor,
                rebalanceTimeoutMs, memberEpoch, previousMemberEpoch, state, assigned, pendingRevocation);
    }

    public ConsumerGroupMember withAssignment(int epoch, int previousEpoch, MemberState newState, Assignment newAssigned,
                                              Assignment newPending) {
        return new ConsumerGroupMember(memberId, instanceId, rackId, clientId, clientHost, subscribedTopicNames,
                subscribedTopicRegex, serverAssignor, rebalanceTimeoutMs, epoch, previousEpoch, newState, newAssigned, newPending);
    }

    public ConsumerGroupMember withId(String newId) {
        return new ConsumerGroupMember(newId, instanceId, rackId, clientId, clientHost, subscribedTopicNames,
                subscribedTopicRegex, serverAssignor, rebalanceTimeoutMs, memberEpoch, previousMemberEpoch, state, assigned,
                pendingRevocation);
    }

    /** Same subscription and client metadata (ignoring the assignment). */
    public boolean sameMetadata(ConsumerGroupMember o) {
        return java.util.Objects.equals(instanceId, o.instanceId) && java.util.Objects.equals(rackId, o.rackId)
                && clientId.equals(o.clientId) && clientHost.equals(o.clientHost)
                && subscribedTopicNames.equals(o.subscribedTopicNames)
                && java.util.Objects.equals(subscribedTopicRegex, o.subscribedTopicRegex)
                && java.util.Objects.equals(serverAssignor, o.serverAssignor) && rebalanceTimeoutMs == o.rebalanceTimeoutMs;
    }

    public boolean sameSubscription(ConsumerGroupMember o) {
        return subscribedTopicNames.equals(o.subscribedTopicNames) && java.util.Objects.equals(subscribedTopicRegex, o.subscribedTopicRegex)
                && java.util.Objects.equals(serverAssignor, o.serverAssignor);
    }
}
