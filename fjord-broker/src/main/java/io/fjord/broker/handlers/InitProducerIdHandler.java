package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.producer.ProducerIdManager;
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
 * <p>Transactions are not served yet. A request with a TransactionalId gets {@code TRANSACTIONAL_ID_AUTHORIZATION_FAILED}:
 * the Java producer treats it as fatal at once ({@code initTransactions()} throws
 * {@code TransactionalIdAuthorizationException}), whereas {@code NOT_COORDINATOR} or
 * {@code COORDINATOR_NOT_AVAILABLE} would make it look the coordinator up and retry until {@code max.block.ms}.
 */
public final class InitProducerIdHandler implements ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(InitProducerIdHandler.class);
    /** Kafka's client bumps locally below this and asks for a new id at it; the broker mirrors that bound. */
    private static final short MAX_EPOCH = Short.MAX_VALUE - 1;

    private final ProducerIdManager ids;

    public InitProducerIdHandler(ProducerIdManager ids) {
        this.ids = ids;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse().set("ProducerId", -1L).set("ProducerEpoch", (short) -1);
        if (request.getString("TransactionalId") != null) {
            return CompletableFuture.completedFuture(
                    response.set("ErrorCode", Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()));
        }
        long pid = ctx.version() >= 3 ? request.getLong("ProducerId") : -1L;
        short epoch = ctx.version() >= 3 ? request.getShort("ProducerEpoch") : -1;
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
