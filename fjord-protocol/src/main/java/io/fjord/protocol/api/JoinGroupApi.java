package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.BYTES;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * JoinGroup (key 11), versions 0-9, flexible from 6: a member (re)joins a classic group, offering the protocols it
 * supports with opaque metadata (for consumers, a {@link ConsumerProtocol#SUBSCRIPTION}); the leader's response
 * lists every member's metadata. Static membership from v5; from v7 the response names the protocol type.
 */
public final class JoinGroupApi {
    public static final short KEY = 11;

    public static final Schema REQUEST = Schema.of(
            of("GroupId", STRING, "0+"),
            of("SessionTimeoutMs", INT32, "0+"),
            of("RebalanceTimeoutMs", INT32, "1+").defaultsTo(-1),
            of("MemberId", STRING, "0+"),
            of("GroupInstanceId", STRING, "5+").nullable("5+").defaultsTo(null),
            of("ProtocolType", STRING, "0+"),
            structs("Protocols", "0+",
                    of("Name", STRING, "0+"),
                    of("Metadata", BYTES, "0+")),
            of("Reason", STRING, "8+").nullable("8+").defaultsTo(null));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "2+"),
            of("ErrorCode", INT16, "0+"),
            of("GenerationId", INT32, "0+").defaultsTo(-1),
            of("ProtocolType", STRING, "7+").nullable("7+").defaultsTo(null),
            of("ProtocolName", STRING, "0+").nullable("7+"),
            of("Leader", STRING, "0+"),
            of("SkipAssignment", BOOL, "9+"),
            of("MemberId", STRING, "0+"),
            structs("Members", "0+",
                    of("MemberId", STRING, "0+"),
                    of("GroupInstanceId", STRING, "5+").nullable("5+").defaultsTo(null),
                    of("Metadata", BYTES, "0+")));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "JoinGroup", 0, 9, 6, REQUEST, RESPONSE);

    private JoinGroupApi() {
    }
}
