package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.BYTES;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * DescribeGroups (key 15), versions 0-6, flexible from 5: state, protocol and members (with their metadata and
 * assignments) of classic groups; authorized operations from v3, static instance ids from v4, error messages
 * from v6.
 */
public final class DescribeGroupsApi {
    public static final short KEY = 15;

    public static final Schema REQUEST = Schema.of(
            of("Groups", array(STRING), "0+"),
            of("IncludeAuthorizedOperations", BOOL, "3+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "1+"),
            structs("Groups", "0+",
                    of("ErrorCode", INT16, "0+"),
                    of("ErrorMessage", STRING, "6+").nullable("6+").defaultsTo(null),
                    of("GroupId", STRING, "0+"),
                    of("GroupState", STRING, "0+"),
                    of("ProtocolType", STRING, "0+"),
                    of("ProtocolData", STRING, "0+"),
                    structs("Members", "0+",
                            of("MemberId", STRING, "0+"),
                            of("GroupInstanceId", STRING, "4+").nullable("4+").defaultsTo(null),
                            of("ClientId", STRING, "0+"),
                            of("ClientHost", STRING, "0+"),
                            of("MemberMetadata", BYTES, "0+"),
                            of("MemberAssignment", BYTES, "0+")),
                    of("AuthorizedOperations", INT32, "3+").defaultsTo(Integer.MIN_VALUE)));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "DescribeGroups", 0, 6, 5, REQUEST, RESPONSE);

    private DescribeGroupsApi() {
    }
}
