package io.fjord.client.testing;

import io.fjord.client.network.ClientResponse;
import io.fjord.client.network.RequestSender;
import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Records requests; the test answers or fails them. Every node is ready and negotiates up to {@link #maxVersion}
 * (or the API's highest). Thread-safe.
 */
public final class RecordingNetwork implements RequestSender {
    /** One request as sent, with the version negotiated and its timeout. */
    public record Sent(int node, ApiSpec spec, short version, Struct body, long timeoutMs,
                       CompletableFuture<ClientResponse> future) {
        public void answer(Struct response) {
            future.complete(new ClientResponse(node, version, response));
        }

        public void fail(RuntimeException e) {
            future.completeExceptionally(e);
        }
    }

    private final List<Sent> sent = new ArrayList<>();
    private final short maxVersion;

    public RecordingNetwork(short maxVersion) {
        this.maxVersion = maxVersion;
    }

    @Override
    public synchronized CompletableFuture<ClientResponse> send(int nodeId, ApiSpec spec, short max,
                                                               Function<Short, Struct> body, boolean expectResponse,
                                                               long timeoutMs) {
        short v = (short) Math.min(Math.min(max, spec.highest()), maxVersion);
        CompletableFuture<ClientResponse> f = new CompletableFuture<>();
        sent.add(new Sent(nodeId, spec, v, body.apply(v), timeoutMs, f));
        return f;
    }

    @Override
    public boolean ready(int nodeId) {
        return true;
    }

    public synchronized List<Sent> of(ApiSpec spec) {
        return sent.stream().filter(s -> s.spec() == spec).toList();
    }

    public synchronized Sent last(ApiSpec spec) {
        List<Sent> l = of(spec);
        return l.isEmpty() ? null : l.get(l.size() - 1);
    }
}
