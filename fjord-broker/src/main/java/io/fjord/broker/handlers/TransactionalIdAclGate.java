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
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED and never reach the coordinator; AddOffsetsToTxn's group also needs GROUP
 * Read (GROUP_AUTHORIZATION_FAILED). A null id (an idempotent producer's InitProducerId) needs CLUSTER
 * IdempotentWrite or Write on some topic, as in Kafka since KIP-679 (CLUSTER_AUTHORIZATION_FAILED). Stateless;
 * thread-safe.
 */
public final class TransactionalIdAclGate implements ApiHandler {
    private final ApiHandler inner;

    public TransactionalIdAclGate(ApiHandler inner) {
        this.inner = inner;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        String id = request.getString("TransactionalId");
        Errors refused = id != null && !ctx.authorized(AclOperation.WRITE, AclResourceType.TRANSACTIONAL_ID, id)
                ? Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : null;
        if (id == null && request.schema().has("TransactionalId") && !request.schema().has("GroupId")
                && !ctx.authorized(AclOperation.IDEMPOTENT_WRITE, AclResourceType.CLUSTER, AclResourceType.CLUSTER_NAME)
                && !ctx.authorizedOnSome(AclOperation.WRITE, AclResourceType.TOPIC)) {
            refused = Errors.CLUSTER_AUTHORIZATION_FAILED; // an idempotent producer's InitProducerId (KIP-679)
        }
        if (refused == null && request.schema().has("GroupId")
                && !ctx.authorized(AclOperation.READ, AclResourceType.GROUP, request.getString("GroupId"))) {
            refused = Errors.GROUP_AUTHORIZATION_FAILED; // AddOffsetsToTxn also needs GROUP Read, checked second as in Kafka
        }
        if (refused == null) return inner.handle(ctx, request);
        Struct response = ctx.spec().newResponse().set("ErrorCode", refused.code());
        if (response.schema().has("ProducerId")) response.set("ProducerId", -1L).set("ProducerEpoch", (short) -1);
        return CompletableFuture.completedFuture(response);
    }
}
