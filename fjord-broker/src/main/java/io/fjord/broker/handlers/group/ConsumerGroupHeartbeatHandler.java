package io.fjord.broker.handlers.group;

import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.group.consumer.Assignment;
import io.fjord.broker.group.consumer.ConsumerGroupProtocol;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.protocol.types.Struct;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * ConsumerGroupHeartbeat (v0-1, KIP-848): join, heartbeat and leave of a consumer group member, on its shard.
 * GROUP Read is checked in front ({@code GroupAclGate}); here, as Kafka does, a subscription naming a topic the
 * principal may not DESCRIBE is refused with TOPIC_AUTHORIZATION_FAILED before the coordinator sees it.
 */
public final class ConsumerGroupHeartbeatHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    public ConsumerGroupHeartbeatHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct r) {
        String host = ctx.clientAddress() instanceof java.net.InetSocketAddress a ? "/" + a.getAddress().getHostAddress() : "";
        List<String> topics = r.getList("SubscribedTopicNames");
        if (topics != null) {
            List<String> hidden = new java.util.ArrayList<>();
            for (String t : topics) if (!ctx.authorized(AclOperation.DESCRIBE, AclResourceType.TOPIC, t)) hidden.add(t);
            if (!hidden.isEmpty()) {
                return CompletableFuture.completedFuture(ctx.spec().newResponse()
                        .set("ErrorCode", io.fjord.protocol.api.Errors.TOPIC_AUTHORIZATION_FAILED.code())
                        .set("ErrorMessage", "The client is not authorized to describe topics: " + String.join(", ", hidden))
                        .set("MemberId", null).set("MemberEpoch", -1).set("HeartbeatIntervalMs", 0));
            }
        }
        ConsumerGroupProtocol.HeartbeatRequest req = new ConsumerGroupProtocol.HeartbeatRequest(r.getString("GroupId"),
                r.getString("MemberId"), r.getInt("MemberEpoch"), r.getString("InstanceId"), r.getString("RackId"),
                r.getInt("RebalanceTimeoutMs"), topics, ctx.version() >= 1 ? r.getString("SubscribedTopicRegex") : null,
                r.getString("ServerAssignor"), owned(r.getStructs("TopicPartitions")),
                ctx.header().clientId() == null ? "" : ctx.header().clientId(), host);
        return coordinator.consumerGroupHeartbeat(req).thenApply(resp -> {
            Struct out = ctx.spec().newResponse().set("ErrorCode", resp.error().code()).set("ErrorMessage", resp.message())
                    .set("MemberId", resp.memberId()).set("MemberEpoch", resp.memberEpoch())
                    .set("HeartbeatIntervalMs", resp.heartbeatIntervalMs());
            if (resp.assignment() != null) {
                Struct a = out.child("Assignment");
                resp.assignment().partitions().forEach((t, ps) -> a.add("TopicPartitions",
                        a.child("TopicPartitions").set("TopicId", t).set("Partitions", new java.util.ArrayList<>(ps))));
                out.set("Assignment", a);
            }
            return out;
        });
    }

    private static Assignment owned(List<Struct> tps) {
        if (tps == null) return null;
        Map<UUID, Set<Integer>> m = new TreeMap<>();
        for (Struct tp : tps) {
            List<Integer> ps = tp.getList("Partitions");
            m.computeIfAbsent(tp.getUuid("TopicId"), k -> new HashSet<>()).addAll(ps);
        }
        return new Assignment(m);
    }
}
