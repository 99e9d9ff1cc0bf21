package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.INT8;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * ListOffsets (key 2), versions 1-11, flexible from 6: finds the offset for a timestamp (or the earliest/latest
 * and similar special timestamps) in each asked-for partition.
 */
public final class ListOffsetsApi {
    public static final short KEY = 2;

    public static final Schema REQUEST = Schema.of(
            of("ReplicaId", INT32, "0+"),
            of("IsolationLevel", INT8, "2+"),
            structs("Topics", "0+",
                    of("Name", STRING, "0+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("CurrentLeaderEpoch", INT32, "4+").defaultsTo(-1),
                            of("Timestamp", INT64, "0+"))),
            of("TimeoutMs", INT32, "10+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "2+"),
            structs("Topics", "0+",
                    of("Name", STRING, "0+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("ErrorCode", INT16, "0+"),
                            of("Timestamp", INT64, "1+").defaultsTo(-1L),
                            of("Offset", INT64, "1+").defaultsTo(-1L),
                            of("LeaderEpoch", INT32, "4+").defaultsTo(-1))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "ListOffsets", 1, 11, 6, REQUEST, RESPONSE);

    private ListOffsetsApi() {
    }
}
