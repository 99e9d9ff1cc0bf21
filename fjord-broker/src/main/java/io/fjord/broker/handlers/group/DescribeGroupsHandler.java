package io.fjord.broker.handlers.group;

import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.group.GroupCoordinatorShard;
import java.util.ArrayList;
import java.util.List;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeGroups (v0-6): state, protocol and members (with metadata and assignment once Stable). A group the
 * principal may not DESCRIBE answers GROUP_AUTHORIZATION_FAILED and is not asked of the coordinator (Kafka's check).
 */
public final class DescribeGroupsHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    public DescribeGroupsHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        List<Object> ids = request.getList("Groups");
        List<CompletableFuture<GroupCoordinator.DescribeResult>> results = new ArrayList<>();
        for (Object id : ids) {
            results.add(ctx.authorized(AclOperation.DESCRIBE, AclResourceType.GROUP, (String) id) ? coordinator.describe((String) id)
                    : CompletableFuture.completedFuture(new GroupCoordinator.DescribeResult(Errors.GROUP_AUTHORIZATION_FAILED, null)));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(v -> toResponse(ctx, ids, results));
    }

    private static Struct toResponse(RequestContext ctx, List<Object> ids, List<CompletableFuture<GroupCoordinator.DescribeResult>> results) {
        Struct response = ctx.spec().newResponse();
        for (int i = 0; i < ids.size(); i++) {
            String groupId = (String) ids.get(i);
            Struct g = response.child("Groups").set("GroupId", groupId);
            response.add("Groups", g);
            GroupCoordinator.DescribeResult r = results.get(i).join();
            if (r.error() != Errors.NONE) {
                g.set("ErrorCode", r.error().code()).set("GroupState", "").set("ProtocolType", "").set("ProtocolData", "");
                continue;
            }
            GroupCoordinatorShard.GroupDescription d = r.group();
            if (d == null) {
                // Kafka answers an unknown group as Dead; v6 adds the error code.
                g.set("GroupState", "Dead").set("ProtocolType", "").set("ProtocolData", "")
                        .set("ErrorCode", (ctx.version() >= 6 ? Errors.GROUP_ID_NOT_FOUND : Errors.NONE).code());
                continue;
            }
            g.set("ErrorCode", Errors.NONE.code()).set("GroupState", d.state()).set("ProtocolType", d.protocolType())
                    .set("ProtocolData", d.protocolName() == null ? "" : d.protocolName());
            for (GroupCoordinatorShard.MemberDescription m : d.members()) {
                g.add("Members", g.child("Members").set("MemberId", m.memberId()).set("GroupInstanceId", m.groupInstanceId())
                        .set("ClientId", m.clientId() == null ? "" : m.clientId()).set("ClientHost", m.clientHost())
                        .set("MemberMetadata", m.metadata()).set("MemberAssignment", m.assignment()));
            }
        }
        return response;
    }
}
