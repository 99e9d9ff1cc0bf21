package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Field;
import io.fjord.protocol.types.Struct;
import java.util.concurrent.CompletableFuture;

/**
 * Kafka's CLUSTER check in front of a cluster-wide API whose response carries a top-level error: admin APIs need
 * CLUSTER Alter or Describe, inter-broker ones CLUSTER ClusterAction. Refused requests get
 * CLUSTER_AUTHORIZATION_FAILED and never reach the handler. An old version without a top-level error field cannot
 * say so; it is refused by closing the connection (a failed future), never served. Stateless; thread-safe.
 */
public final class ClusterAclGate implements ApiHandler {
    private final ApiHandler inner;
    private final AclOperation needed;

    public ClusterAclGate(ApiHandler inner, AclOperation needed) {
        this.inner = inner;
        this.needed = needed;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        if (ctx.authorized(needed, AclResourceType.CLUSTER, AclResourceType.CLUSTER_NAME)) return inner.handle(ctx, request);
        Struct response = ctx.spec().newResponse();
        if (!has(response, "ErrorCode", ctx.version())) {
            return CompletableFuture.failedFuture(new SecurityException(ctx.principal() + " may not " + needed + " the cluster ("
                    + ctx.spec().name() + " v" + ctx.version() + " has no error field to say so)"));
        }
        response.set("ErrorCode", Errors.CLUSTER_AUTHORIZATION_FAILED.code());
        if (has(response, "ErrorMessage", ctx.version())) response.set("ErrorMessage", "Cluster authorization failed.");
        return CompletableFuture.completedFuture(response);
    }

    private static boolean has(Struct response, String name, short version) {
        if (!response.schema().has(name)) return false;
        Field f = response.schema().field(name);
        return f.versions().contains(version);
    }
}
