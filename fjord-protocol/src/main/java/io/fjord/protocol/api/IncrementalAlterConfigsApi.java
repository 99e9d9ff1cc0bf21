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
 * IncrementalAlterConfigs (key 44), versions 0-1, flexible from 1: sets, deletes, appends to or subtracts from
 * individual configs of topics and brokers (operation 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT).
 */
public final class IncrementalAlterConfigsApi {
    public static final short KEY = 44;

    public static final Schema REQUEST = Schema.of(
            structs("Resources", "0+",
                    of("ResourceType", INT8, "0+"),
                    of("ResourceName", STRING, "0+"),
                    structs("Configs", "0+",
                            of("Name", STRING, "0+"),
                            of("ConfigOperation", INT8, "0+"),
                            of("Value", STRING, "0+").nullable("0+"))),
            of("ValidateOnly", BOOL, "0+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            structs("Responses", "0+",
                    of("ErrorCode", INT16, "0+"),
                    of("ErrorMessage", STRING, "0+").nullable("0+"),
                    of("ResourceType", INT8, "0+"),
                    of("ResourceName", STRING, "0+")));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "IncrementalAlterConfigs", 0, 1, 1, REQUEST, RESPONSE);

    private IncrementalAlterConfigsApi() {
    }
}
