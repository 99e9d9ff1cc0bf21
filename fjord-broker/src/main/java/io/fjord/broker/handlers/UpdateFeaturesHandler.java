package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.metadata.Controller;
import io.fjord.metadata.FeaturesImage;
import io.fjord.metadata.MetadataRecord;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * UpdateFeatures (57, v0-2): sets finalized feature levels in the metadata log ({@link MetadataRecord.FeatureLevel},
 * applied to every node's image, from which ApiVersions answers). All or nothing, as Kafka's controller: each
 * update is checked against the current levels ({@link FeaturesImage#refusal}: unknown feature, level outside the
 * supported range, an upgrade that lowers or a downgrade that raises, metadata.version going back) and any refusal
 * answers INVALID_UPDATE_VERSION for the request with nothing written; a feature named twice is INVALID_REQUEST.
 * v0's AllowDowngrade reads as a safe downgrade; v1+ ValidateOnly checks without writing. The ACL check (CLUSTER
 * Alter) is {@link ClusterAclGate}'s. Blocks the request thread for the metadata write.
 */
public final class UpdateFeaturesHandler implements ApiHandler {
    private final Controller controller;

    public UpdateFeaturesHandler(Controller controller) {
        this.controller = controller;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        short v = ctx.version();
        boolean validateOnly = v >= 1 && request.getBool("ValidateOnly");
        FeaturesImage current = controller.image().features();
        long nextEpoch = current.epoch() + 1;
        Map<String, String> refusals = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        List<MetadataRecord.FeatureLevel> changes = new ArrayList<>();
        Errors error = Errors.NONE;
        String message = null;
        for (Struct u : request.getStructs("FeatureUpdates")) {
            String name = u.getString("Feature");
            if (names.contains(name)) {
                error = Errors.INVALID_REQUEST;
                message = "Feature " + name + " was specified more than once.";
                continue;
            }
            names.add(name);
            int level = Math.max(0, u.getShort("MaxVersionLevel")); // below 1: remove (level 0)
            FeaturesImage.UpgradeType type = v == 0
                    ? (u.getBool("AllowDowngrade") ? FeaturesImage.UpgradeType.SAFE_DOWNGRADE : FeaturesImage.UpgradeType.UPGRADE)
                    : FeaturesImage.UpgradeType.forCode(u.getByte("UpgradeType"));
            String why = current.refusal(name, level, type);
            if (why != null) {
                refusals.put(name, why);
            } else if (level != current.level(name)) {
                changes.add(new MetadataRecord.FeatureLevel(name, (short) level, nextEpoch));
            }
        }
        if (error == Errors.NONE && !refusals.isEmpty()) {
            error = Errors.INVALID_UPDATE_VERSION;
            message = refusals.values().iterator().next();
        }
        if (error == Errors.NONE && !validateOnly && !changes.isEmpty()) {
            try {
                controller.updateFeatures(changes);
            } catch (IOException e) {
                error = Errors.REQUEST_TIMED_OUT;
                message = e.getMessage();
            }
        }
        Struct response = ctx.spec().newResponse().set("ThrottleTimeMs", 0).set("ErrorCode", error.code()).set("ErrorMessage", message);
        if (v <= 1) {
            for (String name : names) {
                String why = refusals.get(name);
                Errors e = why != null ? Errors.INVALID_UPDATE_VERSION : error;
                response.add("Results", response.child("Results").set("Feature", name).set("ErrorCode", e.code())
                        .set("ErrorMessage", why != null ? why : message));
            }
        }
        return CompletableFuture.completedFuture(response);
    }
}
