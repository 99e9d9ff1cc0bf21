package io.fjord.broker.handlers.group;

import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.group.GroupCoordinatorShard;
import io.fjord.broker.group.JoinResult;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.protocol.types.Struct;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** JoinGroup (v0-9): the answer waits until the group's join phase ends. v4+ first joins get MEMBER_ID_REQUIRED. */
public final class JoinGroupHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    public JoinGroupHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        short v = ctx.version();
        Map<String, byte[]> protocols = new LinkedHashMap<>();
        for (Struct p : request.getStructs("Protocols")) protocols.putIfAbsent(p.getString("Name"), (byte[]) p.get("Metadata"));
        int session = request.getInt("SessionTimeoutMs");
        int rebalance = v >= 1 ? request.getInt("RebalanceTimeoutMs") : session;
        String host = ctx.clientAddress() instanceof java.net.InetSocketAddress a ? "/" + a.getAddress().getHostAddress() : "";
        GroupCoordinatorShard.JoinRequest join = new GroupCoordinatorShard.JoinRequest(request.getString("GroupId"),
                request.getString("MemberId"), v >= 5 ? request.getString("GroupInstanceId") : null,
                request.getString("ProtocolType"), protocols, session, rebalance, v >= 4,
                ctx.header().clientId(), host);
        return coordinator.join(join).thenApply(r -> toResponse(ctx, r));
    }

    private static Struct toResponse(RequestContext ctx, JoinResult r) {
        Struct response = ctx.spec().newResponse();
        response.set("ErrorCode", r.error().code()).set("GenerationId", r.generationId())
                .set("ProtocolName", ctx.version() >= 7 ? r.protocolName() : (r.protocolName() == null ? "" : r.protocolName()))
                .set("Leader", r.leaderId() == null ? "" : r.leaderId()).set("MemberId", r.memberId() == null ? "" : r.memberId());
        if (ctx.version() >= 7) response.set("ProtocolType", r.protocolType());
        if (ctx.version() >= 9) response.set("SkipAssignment", r.skipAssignment());
        for (JoinResult.Member m : r.members()) {
            response.add("Members", response.child("Members").set("MemberId", m.memberId())
                    .set("GroupInstanceId", m.groupInstanceId()).set("Metadata", m.metadata() == null ? new byte[0] : m.metadata()));
        }
        return response;
    }
}
