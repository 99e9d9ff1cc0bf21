package io.fjord.broker.handlers.group;

import io.fjord.broker.group.GroupCoordinator;
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
        List<GroupCoordinator.LeavingMember> leaving = new ArrayList<>();
        if (v >= 3) {
            for (Struct m : request.getStructs("Members")) {
                leaving.add(new GroupCoordinator.LeavingMember(m.getString("MemberId"), m.getString("GroupInstanceId")));
            }
        } else {
            leaving.add(new GroupCoordinator.LeavingMember(request.getString("MemberId"), null));
        }
        Map<GroupCoordinator.LeavingMember, Errors> result = coordinator.leave(request.getString("GroupId"), leaving);
        Struct response = ctx.spec().newResponse();
        if (v >= 3) {
            response.set("ErrorCode", Errors.NONE.code());
            for (GroupCoordinator.LeavingMember l : leaving) {
                response.add("Members", response.child("Members").set("MemberId", l.memberId() == null ? "" : l.memberId())
                        .set("GroupInstanceId", l.groupInstanceId()).set("ErrorCode", result.get(l).code()));
            }
        } else {
            response.set("ErrorCode", result.get(leaving.get(0)).code());
        }
        return CompletableFuture.completedFuture(response);
    }
}
