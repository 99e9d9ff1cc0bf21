package io.fjord.broker.handlers.group;

import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.group.OffsetKey;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.protocol.api.ConsumerProtocol;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * OffsetDelete (v0): deletes a group's offsets for topics none of its members subscribes to. Kafka's checks: GROUP
 * Delete on the group (else GROUP_AUTHORIZATION_FAILED for the request), TOPIC Read on each topic (else
 * TOPIC_AUTHORIZATION_FAILED for its partitions, which the coordinator never sees).
 */
public final class OffsetDeleteHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    public OffsetDeleteHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        String group = request.getString("GroupId");
        if (!ctx.authorized(AclOperation.DELETE, AclResourceType.GROUP, group)) {
            return CompletableFuture.completedFuture(toResponse(ctx, request, Errors.GROUP_AUTHORIZATION_FAILED, Map.of()));
        }
        List<OffsetKey> keys = new java.util.ArrayList<>();
        Map<OffsetKey, Errors> refused = new java.util.HashMap<>();
        for (Struct t : request.getStructs("Topics")) {
            boolean readable = ctx.authorized(AclOperation.READ, AclResourceType.TOPIC, t.getString("Name"));
            for (Struct p : t.getStructs("Partitions")) {
                OffsetKey key = new OffsetKey(t.getString("Name"), p.getInt("PartitionIndex"));
                if (readable) keys.add(key); else refused.put(key, Errors.TOPIC_AUTHORIZATION_FAILED);
            }
        }
        return coordinator.deleteOffsets(group, keys, OffsetDeleteHandler::subscribedTopics).thenApply(r -> {
            Map<OffsetKey, Errors> all = new java.util.HashMap<>(r.partitions());
            all.putAll(refused);
            return toResponse(ctx, request, r.groupError(), all);
        });
    }

    private static Struct toResponse(RequestContext ctx, Struct request, Errors groupError, Map<OffsetKey, Errors> perPartition) {
        Struct response = ctx.spec().newResponse().set("ErrorCode", groupError.code());
        if (groupError != Errors.NONE) return response;
        for (Struct t : request.getStructs("Topics")) {
            Struct out = response.child("Topics").set("Name", t.getString("Name"));
            for (Struct p : t.getStructs("Partitions")) {
                Errors e = perPartition.getOrDefault(new OffsetKey(t.getString("Name"), p.getInt("PartitionIndex")), Errors.NONE);
                out.add("Partitions", out.child("Partitions").set("PartitionIndex", p.getInt("PartitionIndex")).set("ErrorCode", e.code()));
            }
            response.add("Topics", out);
        }
        return response;
    }

    private static Set<String> subscribedTopics(byte[] metadata) {
        try {
            Struct sub = ConsumerProtocol.deserialize(ConsumerProtocol.SUBSCRIPTION, ByteBuffer.wrap(metadata)).value();
            return new HashSet<>(sub.getList("Topics"));
        } catch (RuntimeException e) {
            return Set.of();
        }
    }
}
