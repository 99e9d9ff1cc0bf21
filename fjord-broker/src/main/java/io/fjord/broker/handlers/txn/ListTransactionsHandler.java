package io.fjord.broker.handlers.txn;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.txn.TransactionCoordinator;
import io.fjord.broker.txn.TransactionCoordinatorShard;
import io.fjord.broker.txn.TransactionState;
import io.fjord.protocol.api.Errors;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.protocol.types.Struct;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * ListTransactions (v0-2): the transactional ids of this broker's coordinator shards, filtered by state names
 * (unknown names are echoed in UnknownStateFilters), producer ids, (v1) a minimum running time and (v2) a regular
 * expression (an invalid one: INVALID_REQUEST). As in Kafka, only the ids the principal may DESCRIBE are listed.
 */
public final class ListTransactionsHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;

    public ListTransactionsHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        Set<TransactionState> states = EnumSet.noneOf(TransactionState.class);
        java.util.List<String> unknown = new java.util.ArrayList<>();
        for (Object o : request.getList("StateFilters")) {
            TransactionState s = TransactionState.byKafkaName((String) o);
            if (s == null) unknown.add((String) o); else states.add(s);
        }
        response.set("UnknownStateFilters", unknown);
        if (!request.getList("StateFilters").isEmpty() && states.isEmpty()) {
            return CompletableFuture.completedFuture(response.set("ErrorCode", Errors.NONE.code())); // only unknown states
        }
        Set<Long> pids = new HashSet<>();
        for (Object o : request.getList("ProducerIdFilters")) pids.add((Long) o);
        Pattern pattern = null;
        String regex = ctx.version() >= 2 ? request.getString("TransactionalIdPattern") : null;
        if (regex != null && !regex.isEmpty()) {
            try {
                pattern = Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                return CompletableFuture.completedFuture(response.set("ErrorCode", Errors.INVALID_REQUEST.code()));
            }
        }
        long duration = ctx.version() >= 1 ? request.getLong("DurationFilter") : -1;
        return coordinator.list(states, pids, duration, pattern).thenApply(all -> {
            for (TransactionCoordinatorShard.Listing l : all) {
                if (!ctx.authorized(AclOperation.DESCRIBE, AclResourceType.TRANSACTIONAL_ID, l.transactionalId())) continue;
                response.add("TransactionStates", response.child("TransactionStates").set("TransactionalId", l.transactionalId())
                        .set("ProducerId", l.producerId()).set("TransactionState", l.state()));
            }
            return response.set("ErrorCode", Errors.NONE.code());
        });
    }
}
