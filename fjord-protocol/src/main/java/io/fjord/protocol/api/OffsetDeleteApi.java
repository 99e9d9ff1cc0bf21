package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * OffsetDelete (key 47), version 0 only, never flexible: deletes a group's committed offsets for partitions it no
 * longer subscribes to. Note the response's top-level error code comes before the throttle time.
 */
public final class OffsetDeleteApi {
    public static final short KEY = 47;

    public static final Schema REQUEST = Schema.of(
            of("GroupId", STRING, "0+"),
            structs("Topics", "0+",
                    of("Name", STRING, "0+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"))));

    public static final Schema RESPONSE = Schema.of(
            of("ErrorCode", INT16, "0+"),
            of("ThrottleTimeMs", INT32, "0+"),
            structs("Topics", "0+",
                    of("Name", STRING, "0+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("ErrorCode", INT16, "0+"))));

    /** No flexible version: {@code flexibleFrom} -1 (see {@link ApiSpec#isFlexible}). */
    public static final ApiSpec SPEC = ApiSpec.of(KEY, "OffsetDelete", 0, 0, -1, REQUEST, RESPONSE);

    private OffsetDeleteApi() {
    }
}
