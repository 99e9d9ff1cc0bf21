package io.fjord.broker.handlers.group;

import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.group.consumer.ConsumerGroupDescription;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * ConsumerGroupDescribe (v0-1, KIP-848). A group that is not a consumer group is GROUP_ID_NOT_FOUND, as Kafka
 * answers, so Admin.describeConsumerGroups falls back to DescribeGroups for classic groups. Kafka's checks: GROUP
 * Describe on the group (else GROUP_AUTHORIZATION_FAILED, the coordinator is not asked), then TOPIC Describe on
 * every topic its members subscribe to or are assigned (else TOPIC_AUTHORIZATION_FAILED for the group, so a
 * description never leaks a hidden topic's name).
 */
public final class ConsumerGroupDescribeHandler implements ApiHandler {
    private static final byte CONSUMER_MEMBER = 1; // MemberType (v1): 0 classic, 1 consumer

    private final GroupCoordinator coordinator;

    public ConsumerGroupDescribeHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        List<String> ids = request.getList("GroupIds");
        List<CompletableFuture<GroupCoordinator.ConsumerDescribeResult>> results = new ArrayList<>();
        for (String id : ids) {
            results.add(ctx.authorized(AclOperation.DESCRIBE, AclResourceType.GROUP, id) ? coordinator.consumerGroupDescribe(id)
                    : CompletableFuture.completedFuture(new GroupCoordinator.ConsumerDescribeResult(Errors.GROUP_AUTHORIZATION_FAILED, null)));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(v -> {
            Struct response = ctx.spec().newResponse();
            for (int i = 0; i < ids.size(); i++) {
                Struct g = response.child("Groups").set("GroupId", ids.get(i));
                response.add("Groups", g);
                GroupCoordinator.ConsumerDescribeResult r = results.get(i).join();
                ConsumerGroupDescription d = r.group();
                if (r.error() != Errors.NONE || d == null) {
                    Errors e = r.error() != Errors.NONE ? r.error() : Errors.GROUP_ID_NOT_FOUND;
                    g.set("ErrorCode", e.code()).set("GroupState", "").set("AssignorName", "")
                            .set("ErrorMessage", d == null && r.error() == Errors.NONE
                                    ? "Group " + ids.get(i) + " not found." : null);
                    continue;
                }
                List<String> hidden = hiddenTopics(ctx, d);
                if (!hidden.isEmpty()) {
                    g.set("ErrorCode", Errors.TOPIC_AUTHORIZATION_FAILED.code()).set("GroupState", "").set("AssignorName", "")
                            .set("ErrorMessage", "The group has described topic(s) that the client is not authorized to describe.");
                    continue;
                }
                g.set("ErrorCode", Errors.NONE.code()).set("GroupState", d.state()).set("GroupEpoch", d.groupEpoch())
                        .set("AssignmentEpoch", d.assignmentEpoch()).set("AssignorName", d.assignor());
                for (ConsumerGroupDescription.Member m : d.members()) {
                    Struct ms = g.child("Members").set("MemberId", m.memberId()).set("InstanceId", m.instanceId())
                            .set("RackId", m.rackId()).set("MemberEpoch", m.memberEpoch()).set("ClientId", m.clientId())
                            .set("ClientHost", m.clientHost()).set("SubscribedTopicNames", m.subscribedTopicNames())
                            .set("SubscribedTopicRegex", m.subscribedTopicRegex()).set("MemberType", CONSUMER_MEMBER);
                    ms.set("Assignment", assignment(ms.child("Assignment"), m.assignment()));
                    ms.set("TargetAssignment", assignment(ms.child("TargetAssignment"), m.targetAssignment()));
                    g.add("Members", ms);
                }
            }
            return response;
        });
    }

    private static List<String> hiddenTopics(RequestContext ctx, ConsumerGroupDescription d) {
        java.util.Set<String> topics = new java.util.TreeSet<>();
        for (ConsumerGroupDescription.Member m : d.members()) {
            if (m.subscribedTopicNames() != null) topics.addAll(m.subscribedTopicNames());
            for (ConsumerGroupDescription.TopicPartitions tp : m.assignment()) if (tp.topicName() != null) topics.add(tp.topicName());
            for (ConsumerGroupDescription.TopicPartitions tp : m.targetAssignment()) if (tp.topicName() != null) topics.add(tp.topicName());
        }
        List<String> hidden = new ArrayList<>();
        for (String t : topics) if (!ctx.authorized(AclOperation.DESCRIBE, AclResourceType.TOPIC, t)) hidden.add(t);
        return hidden;
    }

    private static Struct assignment(Struct a, List<ConsumerGroupDescription.TopicPartitions> tps) {
        for (ConsumerGroupDescription.TopicPartitions tp : tps) {
            a.add("TopicPartitions", a.child("TopicPartitions").set("TopicId", tp.topicId()).set("TopicName", tp.topicName())
                    .set("Partitions", tp.partitions()));
        }
        return a;
    }
}
