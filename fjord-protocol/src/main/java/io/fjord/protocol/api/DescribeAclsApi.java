package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT8;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * DescribeAcls (key 29), versions 1-3 (Kafka 4.x dropped v0), flexible from 2: one filter (resource type, name,
 * pattern type, principal, host, operation, permission; nulls and ANY match everything); the answer groups the
 * matching bindings by resource pattern.
 */
public final class DescribeAclsApi {
    public static final short KEY = 29;

    public static final Schema REQUEST = Schema.of(
            of("ResourceTypeFilter", INT8, "0+"),
            of("ResourceNameFilter", STRING, "0+").nullable("0+"),
            of("PatternTypeFilter", INT8, "0+").defaultsTo((byte) 3),
            of("PrincipalFilter", STRING, "0+").nullable("0+"),
            of("HostFilter", STRING, "0+").nullable("0+"),
            of("Operation", INT8, "0+"),
            of("PermissionType", INT8, "0+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "0+"),
            of("ErrorMessage", STRING, "0+").nullable("0+").defaultsTo(""),
            structs("Resources", "0+",
                    of("ResourceType", INT8, "0+"),
                    of("ResourceName", STRING, "0+"),
                    of("PatternType", INT8, "0+").defaultsTo((byte) 3),
                    structs("Acls", "0+",
                            of("Principal", STRING, "0+"),
                            of("Host", STRING, "0+"),
                            of("Operation", INT8, "0+"),
                            of("PermissionType", INT8, "0+"))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "DescribeAcls", 1, 3, 2, REQUEST, RESPONSE);

    private DescribeAclsApi() {
    }
}
