package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.producer.ProducerIdManager;
import io.fjord.broker.txn.TransactionCoordinator;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * InitProducerId (v0-5) for idempotent producers: a fresh producer id with epoch 0. From v3 a producer may send
 * its current id and epoch to have the epoch bumped (KIP-360); when the bump would overflow the epoch (or the id
 * was never issued here) it gets a fresh id instead.
 *
 * <p>A request with a TransactionalId goes to the {@link TransactionCoordinator} (which must be this broker): a
 * stable producer id per transactional id, the epoch bumped on every call, an open transaction of the previous
 * producer aborted first (CONCURRENT_TRANSACTIONS until that completes; the client retries).
 */
public final class InitProducerIdHandler implements ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(InitProducerIdHandler.class);
    /** Kafka's client bumps locally below this and asks for a new id at it; the broker mirrors that bound. */
    private static final short MAX_EPOCH = Short.MAX_VALUE - 1;

    private final ProducerIdManager ids;
    private final TransactionCoordinator transactions;

    public InitProducerIdHandler(ProducerIdManager ids, TransactionCoordinator transactions) {
        this.ids = ids;
        this.transactions = transactions;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse().set("ProducerId", -1L).set("ProducerEpoch", (short) -1);
        long pid = ctx.version() >= 3 ? request.getLong("ProducerId") : -1L;
        short epoch = ctx.version() >= 3 ? request.getShort("ProducerEpoch") : -1;
        String transactionalId = request.getString("TransactionalId");
        if (transactionalId != null) {
            if (transactions == null) {
                return CompletableFuture.completedFuture(response.set("ErrorCode", Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()));
            }
            return transactions.initProducerId(transactionalId, request.getInt("TransactionTimeoutMs"), pid, epoch)
                    .thenApply(r -> response.set("ErrorCode", r.error().code()).set("ProducerId", r.producerId())
                            .set("ProducerEpoch", r.producerEpoch()));
        }
        try {
            if (pid >= 0 && epoch >= 0 && epoch < MAX_EPOCH && ids.mayHaveIssued(pid)) {
                response.set("ProducerId", pid).set("ProducerEpoch", (short) (epoch + 1));
            } else {
                response.set("ProducerId", ids.nextId()).set("ProducerEpoch", (short) 0);
            }
            response.set("ErrorCode", Errors.NONE.code());
        } catch (IOException | RuntimeException e) {
            log.error("Cannot allocate a producer id", e);
            response.set("ProducerId", -1L).set("ProducerEpoch", (short) -1)
                    .set("ErrorCode", Errors.UNKNOWN_SERVER_ERROR.code());
        }
        return CompletableFuture.completedFuture(response);
    }
}
