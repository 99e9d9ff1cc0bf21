package io.fjord.broker.handlers.group;

import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.group.GroupCoordinatorShard;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * ListGroups (v0-5): the groups this broker coordinates, filtered by state (v4+) and type (v5+: classic, consumer).
 * As in Kafka, CLUSTER Describe sees every group; without it only the groups the principal may DESCRIBE are listed
 * (no error: the others are simply left out).
 */
public final class ListGroupsHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    public ListGroupsHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        short v = ctx.version();
        List<String> states = v >= 4 ? request.getList("StatesFilter") : List.of();
        List<String> types = v >= 5 ? request.getList("TypesFilter") : List.of();
        boolean seesAll = ctx.authorized(AclOperation.DESCRIBE, AclResourceType.CLUSTER, AclResourceType.CLUSTER_NAME);
        return coordinator.list().thenApply(groups -> {
            Struct response = ctx.spec().newResponse().set("ErrorCode", Errors.NONE.code());
            for (GroupCoordinatorShard.GroupListing g : groups) {
            if (!seesAll && !ctx.authorized(AclOperation.DESCRIBE, AclResourceType.GROUP, g.groupId())) continue;
            if (!states.isEmpty() && states.stream().noneMatch(s -> s.equalsIgnoreCase(g.state()))) continue;
            if (!types.isEmpty() && types.stream().noneMatch(t -> t.equalsIgnoreCase(g.type()))) continue;
            response.add("Groups", response.child("Groups").set("GroupId", g.groupId()).set("ProtocolType", g.protocolType())
                    .set("GroupState", g.state()).set("GroupType", g.type()));
            }
            return response;
        });
    }
}
