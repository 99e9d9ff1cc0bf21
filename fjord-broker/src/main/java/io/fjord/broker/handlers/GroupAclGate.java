package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Kafka's GROUP Read check in front of a group API's handler (JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
 * OffsetCommit, OffsetFetch, ConsumerGroupHeartbeat): a principal without Read on the group gets
 * GROUP_AUTHORIZATION_FAILED where the API puts its error (top level; per partition for OffsetCommit; per group
 * for OffsetFetch v8+) and the coordinator never sees the request. A wrapper, so the group handlers stay as they
 * are; stateless and safe for concurrent callers.
 */
public final class GroupAclGate implements ApiHandler {
    private static final short JOIN_GROUP = 11;
    private static final short SYNC_GROUP = 14;
    private static final short OFFSET_COMMIT = 8;
    private static final short OFFSET_FETCH = 9;
    private static final short CONSUMER_GROUP_HEARTBEAT = 68;

    private final ApiHandler inner;

    public GroupAclGate(ApiHandler inner) {
        this.inner = inner;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        if (!ctx.authorizer().isEnabled()) return inner.handle(ctx, request);
        short key = ctx.spec().key();
        if (key == OFFSET_FETCH && ctx.version() >= 8) {
            // Several groups in one request: the unauthorized ones answer the error, the others go through.
            boolean allAllowed = true;
            for (Struct g : request.getStructs("Groups")) allAllowed &= readable(ctx, g.getString("GroupId"));
            if (allAllowed) return inner.handle(ctx, request);
            Struct response = ctx.spec().newResponse().set("ThrottleTimeMs", 0);
            for (Struct g : request.getStructs("Groups")) {
                Struct out = response.child("Groups").set("GroupId", g.getString("GroupId"));
                out.set("ErrorCode", (readable(ctx, g.getString("GroupId")) ? Errors.COORDINATOR_NOT_AVAILABLE
                        : Errors.GROUP_AUTHORIZATION_FAILED).code());
                response.add("Groups", out);
            }
            return CompletableFuture.completedFuture(response);
        }
        String group = request.getString("GroupId");
        if (readable(ctx, group)) return inner.handle(ctx, request);
        return CompletableFuture.completedFuture(refused(ctx, key, request));
    }

    private static boolean readable(RequestContext ctx, String group) {
        return group != null && ctx.authorized(AclOperation.READ, AclResourceType.GROUP, group);
    }

    private static Struct refused(RequestContext ctx, short key, Struct request) {
        Struct response = ctx.spec().newResponse();
        short code = Errors.GROUP_AUTHORIZATION_FAILED.code();
        if (key == OFFSET_COMMIT) {
            for (Struct t : request.getStructs("Topics")) {
                Struct out = response.child("Topics");
                if (ctx.version() >= 10) out.set("TopicId", t.getUuid("TopicId"));
                else out.set("Name", t.getString("Name"));
                for (Struct p : t.getStructs("Partitions")) {
                    out.add("Partitions", out.child("Partitions").set("PartitionIndex", p.getInt("PartitionIndex")).set("ErrorCode", code));
                }
                response.add("Topics", out);
            }
            return response;
        }
        response.set("ErrorCode", code);
        if (key == JOIN_GROUP) {
            response.set("MemberId", request.getString("MemberId")).set("Leader", "").set("ProtocolName", ctx.version() >= 7 ? null : "");
        } else if (key == SYNC_GROUP) {
            response.set("Assignment", ByteBuffer.allocate(0));
        } else if (key == CONSUMER_GROUP_HEARTBEAT) {
            response.set("ErrorMessage", "Group authorization failed.");
        } else if (key == OFFSET_FETCH) {
            response.set("Topics", List.of());
        }
        return response;
    }
}
