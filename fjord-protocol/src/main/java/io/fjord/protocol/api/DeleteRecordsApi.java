package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * DeleteRecords (key 21), versions 0-2, flexible from 2: moves each partition's log start offset up to the given
 * offset (-1 = the high watermark); the response carries the new low watermark (log start offset).
 */
public final class DeleteRecordsApi {
    public static final short KEY = 21;

    public static final Schema REQUEST = Schema.of(
            structs("Topics", "0+",
                    of("Name", STRING, "0+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("Offset", INT64, "0+"))),
            of("TimeoutMs", INT32, "0+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            structs("Topics", "0+",
                    of("Name", STRING, "0+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("LowWatermark", INT64, "0+"),
                            of("ErrorCode", INT16, "0+"))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "DeleteRecords", 0, 2, 2, REQUEST, RESPONSE);

    private DeleteRecordsApi() {
    }
}
