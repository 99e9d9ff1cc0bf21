package io.fjord.broker.handlers.group;

import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.group.GroupCoordinatorShard;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** LeaveGroup (v0-5): one member (v0-2) or a batch of members, static ones by instance id (v3+). */
public final class LeaveGroupHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    public LeaveGroupHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        short v = ctx.version();
        List<GroupCoordinatorShard.LeavingMember> leaving = new ArrayList<>();
        if (v >= 3) {
            for (Struct m : request.getStructs("Members")) {
                leaving.add(new GroupCoordinatorShard.LeavingMember(m.getString("MemberId"), m.getString("GroupInstanceId")));
            }
        } else {
            leaving.add(new GroupCoordinatorShard.LeavingMember(request.getString("MemberId"), null));
        }
        return coordinator.leave(request.getString("GroupId"), leaving).thenApply(r -> toResponse(ctx, leaving, r));
    }

    private static Struct toResponse(RequestContext ctx, List<GroupCoordinatorShard.LeavingMember> leaving, GroupCoordinator.LeaveResult r) {
        short v = ctx.version();
        Struct response = ctx.spec().newResponse();
        if (r.groupError() != Errors.NONE) return response.set("ErrorCode", r.groupError().code());
        Map<GroupCoordinatorShard.LeavingMember, Errors> result = r.members();
        if (v >= 3) {
            response.set("ErrorCode", Errors.NONE.code());
            for (GroupCoordinatorShard.LeavingMember l : leaving) {
                response.add("Members", response.child("Members").set("MemberId", l.memberId() == null ? "" : l.memberId())
                        .set("GroupInstanceId", l.groupInstanceId()).set("ErrorCode", result.get(l).code()));
            }
        } else {
            response.set("ErrorCode", result.get(leaving.get(0)).code());
        }
        return response;
    }
}
