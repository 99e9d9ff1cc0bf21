package io.fjord.client.network;

import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.types.Struct;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * What the producer's sender, the consumer and the admin need from the network: send a request to a node and get
 * its response asynchronously. {@link NetworkClient} is the real one; tests plug in fakes.
 */
public interface RequestSender {
    /** Passed as a timeout: use the client's {@code request.timeout.ms}. */
    long DEFAULT_TIMEOUT = -1;

    /**
     * Sends a request built for the version negotiated with {@code nodeId} (the highest both sides support, capped
     * at {@code maxVersion}). The future fails with a {@link io.fjord.client.errors.DisconnectException} if the
     * connection is lost, with a {@link io.fjord.client.errors.TimeoutException} after {@code request.timeout.ms}.
     * With {@code expectResponse} false (Produce with acks=0) the future completes, with a null body, once the
     * request is written.
     */
    default CompletableFuture<ClientResponse> send(int nodeId, ApiSpec spec, short maxVersion,
                                                   Function<Short, Struct> body, boolean expectResponse) {
        return send(nodeId, spec, maxVersion, body, expectResponse, DEFAULT_TIMEOUT);
    }

    /**
     * As above, with this request's own timeout in milliseconds ({@link #DEFAULT_TIMEOUT} for
     * {@code request.timeout.ms}): a JoinGroup, which the coordinator may park for the whole rebalance timeout,
     * gets a longer one than the Fetch beside it.
     */
    CompletableFuture<ClientResponse> send(int nodeId, ApiSpec spec, short maxVersion, Function<Short, Struct> body,
                                           boolean expectResponse, long timeoutMs);

    /** True if a connection to the node is established and handshaken; otherwise starts connecting if allowed. */
    boolean ready(int nodeId);

    /** Wakes the I/O loop (after new work was queued from another thread). */
    default void wakeup() {
    }
}
