package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * CreatePartitions (key 37), versions 0-3, flexible from 2: raises a topic's partition count to {@code Count},
 * optionally with the replica lists of the new partitions.
 */
public final class CreatePartitionsApi {
    public static final short KEY = 37;

    public static final Schema REQUEST = Schema.of(
            structs("Topics", "0+",
                    of("Name", STRING, "0+"),
                    of("Count", INT32, "0+"),
                    structs("Assignments", "0+",
                            of("BrokerIds", array(INT32), "0+")).nullable("0+")),
            of("TimeoutMs", INT32, "0+"),
            of("ValidateOnly", BOOL, "0+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            structs("Results", "0+",
                    of("Name", STRING, "0+"),
                    of("ErrorCode", INT16, "0+"),
                    of("ErrorMessage", STRING, "0+").nullable("0+").defaultsTo(null)));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "CreatePartitions", 0, 3, 2, REQUEST, RESPONSE);

    private CreatePartitionsApi() {
    }
}
