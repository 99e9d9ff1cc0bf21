package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * DeleteGroups (key 42), versions 0-3, flexible from 2: deletes empty groups and their committed offsets, one
 * result per group (with an error message from v3).
 */
public final class DeleteGroupsApi {
    public static final short KEY = 42;

    public static final Schema REQUEST = Schema.of(
            of("GroupsNames", array(STRING), "0+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            structs("Results", "0+",
                    of("GroupId", STRING, "0+"),
                    of("ErrorCode", INT16, "0+"),
                    of("ErrorMessage", STRING, "3+").nullable("3+").defaultsTo(null)));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "DeleteGroups", 0, 3, 2, REQUEST, RESPONSE);

    private DeleteGroupsApi() {
    }
}
