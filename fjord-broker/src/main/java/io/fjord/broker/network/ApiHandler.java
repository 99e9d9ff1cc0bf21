package io.fjord.broker.network;

import io.fjord.protocol.types.Struct;
import java.util.concurrent.CompletableFuture;

/**
 * Serves one API. Returns the response body, or a future completed with null when the request gets no response
 * (Produce with acks=0). Called on a request-handler thread; may complete the future on any thread.
 */
public interface ApiHandler {
    CompletableFuture<Struct> handle(RequestContext context, Struct request);
}
