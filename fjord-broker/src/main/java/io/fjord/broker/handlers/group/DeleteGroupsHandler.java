package io.fjord.broker.handlers.group;

import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.protocol.types.Struct;
import java.util.concurrent.CompletableFuture;

/** DeleteGroups (v0-3): only empty groups; their committed offsets are deleted with them. */
public final class DeleteGroupsHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    public DeleteGroupsHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        for (Object id : request.getList("GroupsNames")) {
            response.add("Results", response.child("Results").set("GroupId", id)
                    .set("ErrorCode", coordinator.deleteGroup((String) id).code()));
        }
        return CompletableFuture.completedFuture(response);
    }
}
