package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * ListPartitionReassignments (key 46), version 0, flexible: the reassignments in progress for the given partitions
 * (Topics null = all), each with the full replica set and the replicas being added and removed.
 */
public final class ListPartitionReassignmentsApi {
    public static final short KEY = 46;

    public static final Schema REQUEST = Schema.of(
            of("TimeoutMs", INT32, "0+").defaultsTo(60000),
            structs("Topics", "0+",
                    of("Name", STRING, "0+"),
                    of("PartitionIndexes", array(INT32), "0+")).nullable("0+").defaultsTo(null));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "0+"),
            of("ErrorMessage", STRING, "0+").nullable("0+"),
            structs("Topics", "0+",
                    of("Name", STRING, "0+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("Replicas", array(INT32), "0+"),
                            of("AddingReplicas", array(INT32), "0+"),
                            of("RemovingReplicas", array(INT32), "0+"))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "ListPartitionReassignments", 0, 0, 0, REQUEST, RESPONSE);

    private ListPartitionReassignmentsApi() {
    }
}
