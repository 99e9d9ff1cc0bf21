package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT8;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * CreateAcls (key 30), versions 1-3 (Kafka 4.x dropped v0), flexible from 2: bindings to create, one result each.
 */
public final class CreateAclsApi {
    public static final short KEY = 30;

    public static final Schema REQUEST = Schema.of(
            structs("Creations", "0+",
                    of("ResourceType", INT8, "0+"),
                    of("ResourceName", STRING, "0+"),
                    of("ResourcePatternType", INT8, "0+").defaultsTo((byte) 3),
                    of("Principal", STRING, "0+"),
                    of("Host", STRING, "0+"),
                    of("Operation", INT8, "0+"),
                    of("PermissionType", INT8, "0+")));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            structs("Results", "0+",
                    of("ErrorCode", INT16, "0+"),
                    of("ErrorMessage", STRING, "0+").nullable("0+").defaultsTo("")));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "CreateAcls", 1, 3, 2, REQUEST, RESPONSE);

    private CreateAclsApi() {
    }
}
