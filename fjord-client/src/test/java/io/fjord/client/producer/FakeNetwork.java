package io.fjord.client.producer;

import io.fjord.client.network.ClientResponse;
import io.fjord.client.network.RequestSender;
import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** Records requests; the test answers them. Every node is ready and speaks each API's highest version. */
final class FakeNetwork implements RequestSender {
    record Sent(int node, ApiSpec spec, short version, Struct body, CompletableFuture<ClientResponse> future) {
        void answer(Struct response) {
            future.complete(new ClientResponse(node, version, response));
        }
    }

    final List<Sent> sent = new ArrayList<>();

    @Override
    public synchronized CompletableFuture<ClientResponse> send(int nodeId, ApiSpec spec, short maxVersion,
                                                               Function<Short, Struct> body, boolean expectResponse,
                                                               long timeoutMs) {
        short v = (short) Math.min(maxVersion, spec.highest());
        CompletableFuture<ClientResponse> f = new CompletableFuture<>();
        sent.add(new Sent(nodeId, spec, v, body.apply(v), f));
        return f;
    }

    @Override
    public boolean ready(int nodeId) {
        return true;
    }

    synchronized List<Sent> of(ApiSpec spec) {
        return sent.stream().filter(s -> s.spec() == spec).toList();
    }
}
