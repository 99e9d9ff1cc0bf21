package io.fjord.broker.handlers.group;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.group.GroupCoordinatorShard;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** OffsetCommit (v2-10): group members commit with their generation; a member-less commit uses generation -1. */
public final class OffsetCommitHandler implements ApiHandler {
    private final GroupCoordinator coordinator;
    private final TopicAdmin admin;

    public OffsetCommitHandler(GroupCoordinator coordinator, TopicAdmin admin) {
        this.coordinator = coordinator;
        this.admin = admin;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        short v = ctx.version();
        List<GroupCoordinatorShard.OffsetCommit> commits = new ArrayList<>();
        List<Object[]> order = new ArrayList<>(); // {topic struct, partition struct, commit or error}
        OffsetCommitRequests.read(request, v, 10, 6, admin, commits, order);
        OffsetCommitRequests.refuse(ctx, null, commits, order); // TOPIC Read per topic (GROUP Read is GroupAclGate's)
        if (commits.isEmpty() && !order.isEmpty()) {
            return CompletableFuture.completedFuture(toResponse(ctx, order, new GroupCoordinatorShard.CommitResult(Errors.NONE, Map.of())));
        }
        return coordinator.commit(request.getString("GroupId"), request.getInt("GenerationIdOrMemberEpoch"),
                request.getString("MemberId"), v >= 7 ? request.getString("GroupInstanceId") : null, commits)
                .thenApply(r -> toResponse(ctx, order, r));
    }

    private static Struct toResponse(RequestContext ctx, List<Object[]> order, GroupCoordinatorShard.CommitResult r) {
        short v = ctx.version();
        Errors[] groupError = {r.groupError()};
        Map<GroupCoordinatorShard.OffsetCommit, Errors> result = r.partitions();
        Struct response = ctx.spec().newResponse();
        Struct current = null;
        Struct currentIn = null;
        for (Object[] o : order) {
            Struct tIn = (Struct) o[0];
            if (tIn != currentIn) {
                current = response.child("Topics");
                if (v >= 10) current.set("TopicId", tIn.getUuid("TopicId")); else current.set("Name", tIn.getString("Name"));
                response.add("Topics", current);
                currentIn = tIn;
            }
            Errors e = o[2] instanceof Errors err ? err
                    : groupError[0] != Errors.NONE ? groupError[0] : result.get((GroupCoordinatorShard.OffsetCommit) o[2]);
            current.add("Partitions", current.child("Partitions").set("PartitionIndex", ((Struct) o[1]).getInt("PartitionIndex"))
                    .set("ErrorCode", e.code()));
        }
        return response;
    }

    static UUID zero() {
        return new UUID(0, 0);
    }
}
