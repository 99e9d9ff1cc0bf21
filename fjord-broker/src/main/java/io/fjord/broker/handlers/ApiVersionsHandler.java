package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.api.Apis;
import io.fjord.protocol.types.Struct;
import java.util.concurrent.CompletableFuture;

/** Advertises every API Fjord serves, with exactly the version ranges of a Kafka 4.x broker. */
public final class ApiVersionsHandler implements ApiHandler {
    private final java.util.Set<Short> served;

    public ApiVersionsHandler(java.util.Set<Short> served) {
        this.served = served;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext context, Struct request) {
        Struct response = context.spec().newResponse();
        for (ApiSpec spec : Apis.all()) {
            if (!served.contains(spec.key())) continue;
            Struct k = response.child("ApiKeys");
            k.set("ApiKey", spec.key()).set("MinVersion", spec.advertisedLowest()).set("MaxVersion", spec.highest());
            response.add("ApiKeys", k);
        }
        return CompletableFuture.completedFuture(response);
    }
}
