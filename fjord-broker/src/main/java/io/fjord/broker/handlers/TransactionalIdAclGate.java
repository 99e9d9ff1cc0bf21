package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.concurrent.CompletableFuture;

/**
 * Kafka's TRANSACTIONAL_ID Write check in front of a transaction API whose request names one transactional id and
 * whose response has a top-level error (InitProducerId, EndTxn, AddOffsetsToTxn): refused requests get
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED and never reach the coordinator. A null id (an idempotent producer's
 * InitProducerId) passes. Stateless; thread-safe.
 */
public final class TransactionalIdAclGate implements ApiHandler {
    private final ApiHandler inner;

    public TransactionalIdAclGate(ApiHandler inner) {
        this.inner = inner;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        String id = request.getString("TransactionalId");
        if (id == null || ctx.authorized(AclOperation.WRITE, AclResourceType.TRANSACTIONAL_ID, id)) return inner.handle(ctx, request);
        Struct response = ctx.spec().newResponse().set("ErrorCode", Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code());
        if (response.schema().has("ProducerId")) response.set("ProducerId", -1L).set("ProducerEpoch", (short) -1);
        return CompletableFuture.completedFuture(response);
    }
}
