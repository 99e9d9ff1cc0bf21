package io.fjord.broker.handlers.group;

import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.concurrent.CompletableFuture;

/**
 * FindCoordinator (v0-6): a group's coordinator is the leader of its {@code __consumer_offsets} partition, asked of
 * any broker (COORDINATOR_NOT_AVAILABLE while the partition has no leader or the topic cannot be created yet).
 * A transactional id's coordinator (key type 1) is the leader of its {@code __transaction_state} partition, the
 * same way. v4+ batches keys. Kafka's checks: a group key needs GROUP Describe (GROUP_AUTHORIZATION_FAILED), a
 * transactional id TRANSACTIONAL_ID Describe (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), per key.
 */
public final class FindCoordinatorHandler implements ApiHandler {
    private static final byte GROUP = 0;
    private static final byte TRANSACTION = 1;
    private final GroupCoordinator coordinator;
    private final io.fjord.broker.txn.TransactionCoordinator transactions;

    public FindCoordinatorHandler(GroupCoordinator coordinator, io.fjord.broker.txn.TransactionCoordinator transactions) {
        this.coordinator = coordinator;
        this.transactions = transactions;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        short v = ctx.version();
        byte keyType = v >= 1 ? request.getByte("KeyType") : GROUP;
        Struct response = ctx.spec().newResponse();
        if (v >= 4) {
            for (Object key : request.getList("CoordinatorKeys")) {
                Struct c = response.child("Coordinators").set("Key", key);
                fill(ctx, c, keyType, (String) key, true);
                response.add("Coordinators", c);
            }
        } else {
            fill(ctx, response, keyType, request.getString("Key"), v >= 1);
        }
        return CompletableFuture.completedFuture(response);
    }

    private void fill(RequestContext ctx, Struct s, byte keyType, String key, boolean hasMessage) {
        String listener = ctx.listenerName();
        if (keyType == GROUP && !ctx.authorized(AclOperation.DESCRIBE, AclResourceType.GROUP, key)) {
            fill(s, Errors.GROUP_AUTHORIZATION_FAILED, null, null, hasMessage, listener);
            return;
        }
        if (keyType == TRANSACTION && !ctx.authorized(AclOperation.DESCRIBE, AclResourceType.TRANSACTIONAL_ID, key)) {
            fill(s, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, null, null, hasMessage, listener);
            return;
        }
        if (keyType == TRANSACTION && transactions != null) {
            io.fjord.broker.txn.TransactionCoordinator.Coordinator t = transactions.findCoordinator(key);
            fill(s, t.error(), t.message(), t.node(), hasMessage, listener);
            return;
        }
        if (keyType != GROUP) {
            s.set("ErrorCode", Errors.INVALID_REQUEST.code()).set("NodeId", -1).set("Host", "").set("Port", -1);
            if (hasMessage) s.set("ErrorMessage", "Unknown coordinator key type " + keyType);
            return;
        }
        GroupCoordinator.Coordinator c = coordinator.findCoordinator(key);
        fill(s, c.error(), c.message(), c.node(), hasMessage, listener);
    }

    private static void fill(Struct s, Errors error, String message, io.fjord.metadata.BrokerNode node, boolean hasMessage,
                             String listener) {
        if (error != Errors.NONE) {
            s.set("ErrorCode", error.code()).set("NodeId", -1).set("Host", "").set("Port", -1);
            if (hasMessage) s.set("ErrorMessage", message);
            return;
        }
        // The coordinator's endpoint on the listener this request came in on (a client on SSL must not be sent to PLAINTEXT).
        io.fjord.metadata.BrokerNode.Endpoint e = node.endpoint(listener);
        if (e == null) {
            s.set("ErrorCode", Errors.COORDINATOR_NOT_AVAILABLE.code()).set("NodeId", -1).set("Host", "").set("Port", -1);
            if (hasMessage) s.set("ErrorMessage", "the coordinator has no listener " + listener);
            return;
        }
        s.set("ErrorCode", Errors.NONE.code()).set("NodeId", node.id()).set("Host", e.host()).set("Port", e.port());
        if (hasMessage) s.set("ErrorMessage", null);
    }
}
