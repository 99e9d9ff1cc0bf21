package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * LeaveGroup (key 13), versions 0-5, flexible from 4: members leave a classic group. Up to v2 one member id; from
 * v3 a batch of member identities (member id or static instance id), each answered with its own error code.
 */
public final class LeaveGroupApi {
    public static final short KEY = 13;

    public static final Schema REQUEST = Schema.of(
            of("GroupId", STRING, "0+"),
            of("MemberId", STRING, "0-2"),
            structs("Members", "3+",
                    of("MemberId", STRING, "3+"),
                    of("GroupInstanceId", STRING, "3+").nullable("3+").defaultsTo(null),
                    of("Reason", STRING, "5+").nullable("5+").defaultsTo(null)));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "1+"),
            of("ErrorCode", INT16, "0+"),
            structs("Members", "3+",
                    of("MemberId", STRING, "3+"),
                    of("GroupInstanceId", STRING, "3+").nullable("3+"),
                    of("ErrorCode", INT16, "3+")));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "LeaveGroup", 0, 5, 4, REQUEST, RESPONSE);

    private LeaveGroupApi() {
    }
}
