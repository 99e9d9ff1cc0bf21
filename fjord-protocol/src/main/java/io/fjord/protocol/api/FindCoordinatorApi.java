package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT8;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * FindCoordinator (key 10), versions 0-6, flexible from 3: which broker coordinates a group (key type 0) or a
 * transactional id (1). Up to v3 one key and one answer; from v4 a batch of keys, each with its own coordinator.
 */
public final class FindCoordinatorApi {
    public static final short KEY = 10;

    public static final Schema REQUEST = Schema.of(
            of("Key", STRING, "0-3"),
            of("KeyType", INT8, "1+"),
            of("CoordinatorKeys", array(STRING), "4+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "1+"),
            of("ErrorCode", INT16, "0-3"),
            of("ErrorMessage", STRING, "1-3").nullable("1-3"),
            of("NodeId", INT32, "0-3"),
            of("Host", STRING, "0-3"),
            of("Port", INT32, "0-3"),
            structs("Coordinators", "4+",
                    of("Key", STRING, "4+"),
                    of("NodeId", INT32, "4+"),
                    of("Host", STRING, "4+"),
                    of("Port", INT32, "4+"),
                    of("ErrorCode", INT16, "4+"),
                    of("ErrorMessage", STRING, "4+").nullable("4+")));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "FindCoordinator", 0, 6, 3, REQUEST, RESPONSE);

    private FindCoordinatorApi() {
    }
}
