package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * Heartbeat (key 12), versions 0-4, flexible from 4: a member of a classic group says it is alive in a generation;
 * the error code tells it to rejoin when a rebalance is under way. Static members name their instance from v3.
 */
public final class HeartbeatApi {
    public static final short KEY = 12;

    public static final Schema REQUEST = Schema.of(
            of("GroupId", STRING, "0+"),
            of("GenerationId", INT32, "0+"),
            of("MemberId", STRING, "0+"),
            of("GroupInstanceId", STRING, "3+").nullable("3+").defaultsTo(null));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "1+"),
            of("ErrorCode", INT16, "0+"));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "Heartbeat", 0, 4, 4, REQUEST, RESPONSE);

    private HeartbeatApi() {
    }
}
