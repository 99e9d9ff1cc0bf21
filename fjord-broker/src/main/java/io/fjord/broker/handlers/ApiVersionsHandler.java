package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.api.Apis;
import io.fjord.protocol.types.Struct;
import java.util.concurrent.CompletableFuture;

/**
 * Advertises every API Fjord serves, with exactly the version ranges of a Kafka 4.x broker, and (v3+) the features:
 * {@code metadata.version} (feature levels 7-33, 3.3-IV3 to 4.4-IV2, finalized at 33 as a new Kafka 4.4 cluster) and
 * {@code group.version} 0-1 finalized at 1 (KIP-848 groups are served). {@code transaction.version} is advertised as
 * supported at 0 only and not finalized: kafka-clients turn transaction version 2 on from the finalized level, and
 * the produce path does not add partitions for TV2 producers yet. The features never change (no UpdateFeatures), so
 * the finalized epoch is constant.
 */
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
        if (context.version() >= 3) {
            feature(response, "SupportedFeatures", "metadata.version", "MinVersion", 7, "MaxVersion", 33);
            feature(response, "SupportedFeatures", "group.version", "MinVersion", 0, "MaxVersion", 1);
            feature(response, "SupportedFeatures", "transaction.version", "MinVersion", 0, "MaxVersion", 2);
            response.set("FinalizedFeaturesEpoch", FINALIZED_EPOCH);
            feature(response, "FinalizedFeatures", "metadata.version", "MinVersionLevel", 33, "MaxVersionLevel", 33);
            feature(response, "FinalizedFeatures", "group.version", "MinVersionLevel", 1, "MaxVersionLevel", 1);
            feature(response, "FinalizedFeatures", "transaction.version", "MinVersionLevel", 2, "MaxVersionLevel", 2);
        }
        return CompletableFuture.completedFuture(response);
    }

    private static final long FINALIZED_EPOCH = 0L;

    private static void feature(Struct response, String list, String name, String minField, int min, String maxField, int max) {
        Struct f = response.child(list).set("Name", name).set(minField, (short) min).set(maxField, (short) max);
        response.add(list, f);
    }
}
