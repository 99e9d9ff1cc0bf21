package io.fjord.broker.handlers.txn;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.txn.TransactionCoordinator;
import io.fjord.protocol.types.Struct;
import java.util.concurrent.CompletableFuture;

/** AddOffsetsToTxn (v0-4): adds the group's {@code __consumer_offsets} partition to the producer's transaction. */
public final class AddOffsetsToTxnHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;

    public AddOffsetsToTxnHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        return coordinator.addOffsets(request.getString("TransactionalId"), request.getLong("ProducerId"),
                request.getShort("ProducerEpoch"), request.getString("GroupId"))
                .thenApply(e -> ctx.spec().newResponse().set("ErrorCode", e.code()));
    }
}
