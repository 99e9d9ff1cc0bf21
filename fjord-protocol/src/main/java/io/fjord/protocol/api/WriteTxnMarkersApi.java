package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.INT8;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * WriteTxnMarkers (key 27), versions 1-2 (v0 was removed in Kafka 4.0), flexible from 1: the transaction coordinator
 * asks a partition leader to append a COMMIT ({@code TransactionResult} true) or ABORT control batch for a producer.
 * v2 carries the transaction version (KIP-890).
 */
public final class WriteTxnMarkersApi {
    public static final short KEY = 27;

    public static final Schema REQUEST = Schema.of(
            structs("Markers", "0+",
                    of("ProducerId", INT64, "0+"),
                    of("ProducerEpoch", INT16, "0+"),
                    of("TransactionResult", BOOL, "0+"),
                    structs("Topics", "0+",
                            of("Name", STRING, "0+"),
                            of("PartitionIndexes", array(INT32), "0+")),
                    of("CoordinatorEpoch", INT32, "0+"),
                    of("TransactionVersion", INT8, "2+").defaultsTo((byte) 0)));

    public static final Schema RESPONSE = Schema.of(
            structs("Markers", "0+",
                    of("ProducerId", INT64, "0+"),
                    structs("Topics", "0+",
                            of("Name", STRING, "0+"),
                            structs("Partitions", "0+",
                                    of("PartitionIndex", INT32, "0+"),
                                    of("ErrorCode", INT16, "0+")))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "WriteTxnMarkers", 1, 2, 1, REQUEST, RESPONSE);

    private WriteTxnMarkersApi() {
    }
}
