package io.fjord.broker.handlers.group;

import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.protocol.types.Struct;
import java.util.concurrent.CompletableFuture;

/** Heartbeat (v0-4): keeps a member's session alive and tells it when a rebalance started. */
public final class HeartbeatHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    public HeartbeatHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        return coordinator.heartbeat(request.getString("GroupId"), request.getInt("GenerationId"),
                request.getString("MemberId"), ctx.version() >= 3 ? request.getString("GroupInstanceId") : null)
                .thenApply(error -> ctx.spec().newResponse().set("ErrorCode", error.code()));
    }
}
