package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT8;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * UpdateFeatures (key 57), versions 0-2, flexible from 0: sets the finalized level of cluster features
 * ({@code kafka-features.sh upgrade/downgrade}, {@code Admin.updateFeatures}). v0 says per feature whether a
 * downgrade is allowed; v1+ an upgrade type (1 upgrade, 2 safe downgrade, 3 unsafe downgrade) and ValidateOnly;
 * v2 answers without per-feature results (an error is the request's). A level below 1 removes the feature.
 */
public final class UpdateFeaturesApi {
    public static final short KEY = 57;

    public static final Schema REQUEST = Schema.of(
            of("timeoutMs", INT32, "0+").defaultsTo(60000),
            structs("FeatureUpdates", "0+",
                    of("Feature", STRING, "0+"),
                    of("MaxVersionLevel", INT16, "0+"),
                    of("AllowDowngrade", BOOL, "0"),
                    of("UpgradeType", INT8, "1+").defaultsTo((byte) 1)),
            of("ValidateOnly", BOOL, "1+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "0+"),
            of("ErrorMessage", STRING, "0+").nullable("0+"),
            structs("Results", "0-1",
                    of("Feature", STRING, "0+"),
                    of("ErrorCode", INT16, "0+"),
                    of("ErrorMessage", STRING, "0+").nullable("0+")));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "UpdateFeatures", 0, 2, 0, REQUEST, RESPONSE);

    private UpdateFeaturesApi() {
    }
}
