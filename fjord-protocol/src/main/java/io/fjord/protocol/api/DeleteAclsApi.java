package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT8;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * DeleteAcls (key 31), versions 1-3 (Kafka 4.x dropped v0), flexible from 2: filters; each answers the bindings it
 * matched (and removed).
 */
public final class DeleteAclsApi {
    public static final short KEY = 31;

    public static final Schema REQUEST = Schema.of(
            structs("Filters", "0+",
                    of("ResourceTypeFilter", INT8, "0+"),
                    of("ResourceNameFilter", STRING, "0+").nullable("0+"),
                    of("PatternTypeFilter", INT8, "0+").defaultsTo((byte) 3),
                    of("PrincipalFilter", STRING, "0+").nullable("0+"),
                    of("HostFilter", STRING, "0+").nullable("0+"),
                    of("Operation", INT8, "0+"),
                    of("PermissionType", INT8, "0+")));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            structs("FilterResults", "0+",
                    of("ErrorCode", INT16, "0+"),
                    of("ErrorMessage", STRING, "0+").nullable("0+").defaultsTo(""),
                    structs("MatchingAcls", "0+",
                            of("ErrorCode", INT16, "0+"),
                            of("ErrorMessage", STRING, "0+").nullable("0+").defaultsTo(""),
                            of("ResourceType", INT8, "0+"),
                            of("ResourceName", STRING, "0+"),
                            of("PatternType", INT8, "0+").defaultsTo((byte) 3),
                            of("Principal", STRING, "0+"),
                            of("Host", STRING, "0+"),
                            of("Operation", INT8, "0+"),
                            of("PermissionType", INT8, "0+"))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "DeleteAcls", 1, 3, 2, REQUEST, RESPONSE);

    private DeleteAclsApi() {
    }
}
