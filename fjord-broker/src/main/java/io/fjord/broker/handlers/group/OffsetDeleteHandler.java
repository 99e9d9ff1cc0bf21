package io.fjord.broker.handlers.group;

import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.group.OffsetKey;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
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

/** OffsetDelete (v0): deletes a group's offsets for topics none of its members subscribes to. */
public final class OffsetDeleteHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    public OffsetDeleteHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        List<OffsetKey> keys = new java.util.ArrayList<>();
        for (Struct t : request.getStructs("Topics")) {
            for (Struct p : t.getStructs("Partitions")) keys.add(new OffsetKey(t.getString("Name"), p.getInt("PartitionIndex")));
        }
        return coordinator.deleteOffsets(request.getString("GroupId"), keys, OffsetDeleteHandler::subscribedTopics)
                .thenApply(r -> toResponse(ctx, request, r.groupError(), r.partitions()));
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
