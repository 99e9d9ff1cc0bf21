package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/** ApiVersions (key 18), versions 0-5, flexible from 3. The first request on every connection. */
public final class ApiVersionsApi {
    public static final short KEY = 18;

    public static final Schema REQUEST = Schema.of(
            of("ClientSoftwareName", STRING, "3+"),
            of("ClientSoftwareVersion", STRING, "3+"),
            of("ClusterId", STRING, "5+").nullable("5+").defaultsTo(null),
            of("NodeId", INT32, "5+").defaultsTo(-1));

    public static final Schema RESPONSE = Schema.of(
            of("ErrorCode", INT16, "0+"),
            structs("ApiKeys", "0+",
                    of("ApiKey", INT16, "0+"),
                    of("MinVersion", INT16, "0+"),
                    of("MaxVersion", INT16, "0+")),
            of("ThrottleTimeMs", INT32, "1+"),
            structs("SupportedFeatures", "3+",
                    of("Name", STRING, "3+"),
                    of("MinVersion", INT16, "3+"),
                    of("MaxVersion", INT16, "3+")).tagged(0, "3+"),
            of("FinalizedFeaturesEpoch", INT64, "3+").tagged(1, "3+").defaultsTo(-1L),
            structs("FinalizedFeatures", "3+",
                    of("Name", STRING, "3+"),
                    of("MaxVersionLevel", INT16, "3+"),
                    of("MinVersionLevel", INT16, "3+")).tagged(2, "3+"),
            of("ZkMigrationReady", io.fjord.protocol.types.Type.BOOL, "3+").tagged(3, "3+"));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "ApiVersions", 0, 5, 3, REQUEST, RESPONSE);

    private ApiVersionsApi() {
    }
}
