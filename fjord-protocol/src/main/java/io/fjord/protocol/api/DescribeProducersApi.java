package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * DescribeProducers (key 61), version 0, flexible: the active producers of each listed partition as its leader
 * knows them (id, epoch, last sequence, last timestamp, coordinator epoch, start offset of the open transaction).
 * Used by {@code Admin.describeProducers} and {@code kafka-transactions.sh describe-producers}.
 */
public final class DescribeProducersApi {
    public static final short KEY = 61;

    public static final Schema REQUEST = Schema.of(
            structs("Topics", "0+",
                    of("Name", STRING, "0+"),
                    of("PartitionIndexes", array(INT32), "0+")));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            structs("Topics", "0+",
                    of("Name", STRING, "0+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("ErrorCode", INT16, "0+"),
                            of("ErrorMessage", STRING, "0+").nullable("0+").defaultsTo(null),
                            structs("ActiveProducers", "0+",
                                    of("ProducerId", INT64, "0+"),
                                    of("ProducerEpoch", INT32, "0+"),
                                    of("LastSequence", INT32, "0+").defaultsTo(-1),
                                    of("LastTimestamp", INT64, "0+").defaultsTo(-1L),
                                    of("CoordinatorEpoch", INT32, "0+"),
                                    of("CurrentTxnStartOffset", INT64, "0+").defaultsTo(-1L)))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "DescribeProducers", 0, 0, 0, REQUEST, RESPONSE);

    private DescribeProducersApi() {
    }
}
