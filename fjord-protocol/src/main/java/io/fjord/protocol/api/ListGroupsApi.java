package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * ListGroups (key 16), versions 0-5, flexible from 3: the groups a broker coordinates, filtered by state (v4+) and
 * type (v5+), each with its protocol type and, when asked for, its state and type.
 */
public final class ListGroupsApi {
    public static final short KEY = 16;

    public static final Schema REQUEST = Schema.of(
            of("StatesFilter", array(STRING), "4+"),
            of("TypesFilter", array(STRING), "5+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "1+"),
            of("ErrorCode", INT16, "0+"),
            structs("Groups", "0+",
                    of("GroupId", STRING, "0+"),
                    of("ProtocolType", STRING, "0+"),
                    of("GroupState", STRING, "4+"),
                    of("GroupType", STRING, "5+")));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "ListGroups", 0, 5, 3, REQUEST, RESPONSE);

    private ListGroupsApi() {
    }
}
