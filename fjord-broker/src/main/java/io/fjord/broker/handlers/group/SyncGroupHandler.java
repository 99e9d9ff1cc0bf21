package io.fjord.broker.handlers.group;

import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.protocol.types.Struct;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** SyncGroup (v0-5): members wait for the leader's assignment, then each gets its own. */
public final class SyncGroupHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    public SyncGroupHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        short v = ctx.version();
        Map<String, byte[]> assignments = new HashMap<>();
        for (Struct a : request.getStructs("Assignments")) assignments.put(a.getString("MemberId"), (byte[]) a.get("Assignment"));
        return coordinator.sync(request.getString("GroupId"), request.getInt("GenerationId"), request.getString("MemberId"),
                        v >= 3 ? request.getString("GroupInstanceId") : null,
                        v >= 5 ? request.getString("ProtocolType") : null, v >= 5 ? request.getString("ProtocolName") : null,
                        assignments)
                .thenApply(r -> {
                    Struct response = ctx.spec().newResponse();
                    response.set("ErrorCode", r.error().code()).set("Assignment", r.assignment());
                    if (v >= 5) response.set("ProtocolType", r.protocolType()).set("ProtocolName", r.protocolName());
                    return response;
                });
    }
}
