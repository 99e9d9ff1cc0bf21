package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.metadata.FeaturesImage;
import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.api.Apis;
import io.fjord.protocol.types.Struct;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Advertises every API Fjord serves, with exactly the version ranges of a Kafka 4.x broker, and (v3+) the features:
 * supported {@code metadata.version} 7-33 (3.3-IV3 to 4.4-IV2), {@code group.version} 0-1 and
 * {@code transaction.version} 0-2 ({@link FeaturesImage#SUPPORTED}); finalized, the levels of the metadata image
 * with its epoch — a new cluster starts as a new Kafka 4.4 cluster (33, 1, 2) and UpdateFeatures changes them.
 * kafka-clients turn transaction version 2 on from the finalized {@code transaction.version} (Produce v12 and
 * EndTxn v5, no AddPartitionsToTxn: the partition leaders add partitions).
 */
public final class ApiVersionsHandler implements ApiHandler {
    private final java.util.Set<Short> served;
    private final Supplier<FeaturesImage> features;

    public ApiVersionsHandler(java.util.Set<Short> served, Supplier<FeaturesImage> features) {
        this.served = served;
        this.features = features;
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
            for (Map.Entry<String, FeaturesImage.Range> s : FeaturesImage.SUPPORTED.entrySet()) {
                feature(response, "SupportedFeatures", s.getKey(), "MinVersion", s.getValue().min(), "MaxVersion", s.getValue().max());
            }
            FeaturesImage f = features.get();
            response.set("FinalizedFeaturesEpoch", f.epoch());
            for (Map.Entry<String, Short> e : f.finalized().entrySet()) {
                feature(response, "FinalizedFeatures", e.getKey(), "MinVersionLevel", e.getValue(), "MaxVersionLevel", e.getValue());
            }
        }
        return CompletableFuture.completedFuture(response);
    }

    private static void feature(Struct response, String list, String name, String minField, int min, String maxField, int max) {
        Struct f = response.child(list).set("Name", name).set(minField, (short) min).set(maxField, (short) max);
        response.add(list, f);
    }
}
