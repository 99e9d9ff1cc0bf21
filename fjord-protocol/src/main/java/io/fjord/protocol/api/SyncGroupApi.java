package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BYTES;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * SyncGroup (key 14), versions 0-5, flexible from 4: after a join, the leader hands in every member's assignment
 * and each member gets its own back (for consumers, a {@link ConsumerProtocol#ASSIGNMENT}). From v5 both sides
 * name the protocol type and protocol.
 */
public final class SyncGroupApi {
    public static final short KEY = 14;

    public static final Schema REQUEST = Schema.of(
            of("GroupId", STRING, "0+"),
            of("GenerationId", INT32, "0+"),
            of("MemberId", STRING, "0+"),
            of("GroupInstanceId", STRING, "3+").nullable("3+").defaultsTo(null),
            of("ProtocolType", STRING, "5+").nullable("5+").defaultsTo(null),
            of("ProtocolName", STRING, "5+").nullable("5+").defaultsTo(null),
            structs("Assignments", "0+",
                    of("MemberId", STRING, "0+"),
                    of("Assignment", BYTES, "0+")));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "1+"),
            of("ErrorCode", INT16, "0+"),
            of("ProtocolType", STRING, "5+").nullable("5+").defaultsTo(null),
            of("ProtocolName", STRING, "5+").nullable("5+").defaultsTo(null),
            of("Assignment", BYTES, "0+"));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "SyncGroup", 0, 5, 4, REQUEST, RESPONSE);

    private SyncGroupApi() {
    }
}
