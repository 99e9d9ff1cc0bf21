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
 * AlterPartitionReassignments (key 45), versions 0-1, flexible in all: starts moving partitions to new replica
 * lists ({@code Replicas}), or cancels a pending move ({@code Replicas} null; NO_REASSIGNMENT_IN_PROGRESS when there
 * is none). v1 (KIP-860) lets the caller forbid a change of the replication factor
 * ({@code AllowReplicationFactorChange} false; such a move is refused with INVALID_REPLICATION_FACTOR).
 */
public final class AlterPartitionReassignmentsApi {
    public static final short KEY = 45;

    public static final Schema REQUEST = Schema.of(
            of("TimeoutMs", INT32, "0+").defaultsTo(60000),
            of("AllowReplicationFactorChange", BOOL, "1+").defaultsTo(true),
            structs("Topics", "0+",
                    of("Name", STRING, "0+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("Replicas", array(INT32), "0+").nullable("0+").defaultsTo(null))));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("AllowReplicationFactorChange", BOOL, "1+").defaultsTo(true),
            of("ErrorCode", INT16, "0+"),
            of("ErrorMessage", STRING, "0+").nullable("0+"),
            structs("Responses", "0+",
                    of("Name", STRING, "0+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("ErrorCode", INT16, "0+"),
                            of("ErrorMessage", STRING, "0+").nullable("0+"))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "AlterPartitionReassignments", 0, 1, 0, REQUEST, RESPONSE);

    private AlterPartitionReassignmentsApi() {
    }
}
