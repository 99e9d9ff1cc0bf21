package io.fjord.broker.handlers.txn;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.txn.TransactionCoordinator;
import io.fjord.protocol.types.Struct;
import java.util.concurrent.CompletableFuture;

/**
 * EndTxn (v0-5): commit or abort. Answered once PREPARE_x is committed in {@code __transaction_state}; the markers
 * follow. v5 is transaction version 2 (KIP-890): the epoch is bumped and returned with the producer id.
 */
public final class EndTxnHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;

    public EndTxnHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        boolean tv2 = ctx.version() >= 5;
        return coordinator.endTxn(request.getString("TransactionalId"), request.getLong("ProducerId"),
                request.getShort("ProducerEpoch"), request.getBool("Committed"), tv2)
                .thenApply(r -> {
                    Struct out = ctx.spec().newResponse().set("ErrorCode", r.error().code());
                    if (tv2) out.set("ProducerId", r.producerId()).set("ProducerEpoch", r.producerEpoch());
                    return out;
                });
    }
}
