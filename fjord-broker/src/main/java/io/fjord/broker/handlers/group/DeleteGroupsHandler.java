package io.fjord.broker.handlers.group;

import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * DeleteGroups (v0-3): only empty groups; their committed offsets are deleted with them (NOT_COORDINATOR elsewhere).
 * A group the principal may not DELETE answers GROUP_AUTHORIZATION_FAILED and is left alone (Kafka's check).
 */
public final class DeleteGroupsHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    public DeleteGroupsHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        List<Object> ids = request.getList("GroupsNames");
        List<CompletableFuture<io.fjord.protocol.api.Errors>> results = new ArrayList<>();
        for (Object id : ids) {
            results.add(ctx.authorized(AclOperation.DELETE, AclResourceType.GROUP, (String) id) ? coordinator.deleteGroup((String) id)
                    : CompletableFuture.completedFuture(io.fjord.protocol.api.Errors.GROUP_AUTHORIZATION_FAILED));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(v -> {
            Struct response = ctx.spec().newResponse();
            for (int i = 0; i < ids.size(); i++) {
                response.add("Results", response.child("Results").set("GroupId", ids.get(i))
                        .set("ErrorCode", results.get(i).join().code()));
            }
            return response;
        });
    }
}
