package io.fjord.client.network;

import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.types.Struct;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A request from the moment it is handed to the network client until its future completes. Its deadline is fixed
 * at creation (creation time + its own timeout): time spent queued behind other requests counts, as in Kafka's
 * client. Owned by the I/O thread once enqueued.
 */
final class PendingRequest {
    final int nodeId;
    final ApiSpec spec;
    final short maxVersion;
    final Function<Short, Struct> body;
    final boolean expectResponse;
    final long timeoutMs;
    final long deadlineMs;
    final boolean handshake;
    final CompletableFuture<ClientResponse> future = new CompletableFuture<>();
    short version;
    int correlationId;

    PendingRequest(int nodeId, ApiSpec spec, short maxVersion, Function<Short, Struct> body, boolean expectResponse,
                   long nowMs, long timeoutMs, boolean handshake) {
        this.nodeId = nodeId;
        this.spec = spec;
        this.maxVersion = maxVersion;
        this.body = body;
        this.expectResponse = expectResponse;
        this.timeoutMs = timeoutMs;
        this.deadlineMs = nowMs + timeoutMs < 0 ? Long.MAX_VALUE : nowMs + timeoutMs; // no overflow for huge timeouts
        this.handshake = handshake;
    }
}
