package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.struct;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.RECORDS;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.UUID_TYPE;

import io.fjord.protocol.types.Schema;

/**
 * Produce (key 0): appends record batches to partitions. Served for versions 3-13 (only magic-2 batches), but
 * advertised from 0 as Kafka brokers do. Flexible from 9; from v13 topics are named by id instead of name.
 */
public final class ProduceApi {
    public static final short KEY = 0;

    public static final Schema REQUEST = Schema.of(
            of("TransactionalId", STRING, "3+").nullable("3+").defaultsTo(null),
            of("Acks", INT16, "0+"),
            of("TimeoutMs", INT32, "0+"),
            structs("TopicData", "0+",
                    of("Name", STRING, "0-12"),
                    of("TopicId", UUID_TYPE, "13+"),
                    structs("PartitionData", "0+",
                            of("Index", INT32, "0+"),
                            of("Records", RECORDS, "0+").nullable("0+"))));

    public static final Schema RESPONSE = Schema.of(
            structs("Responses", "0+",
                    of("Name", STRING, "0-12"),
                    of("TopicId", UUID_TYPE, "13+"),
                    structs("PartitionResponses", "0+",
                            of("Index", INT32, "0+"),
                            of("ErrorCode", INT16, "0+"),
                            of("BaseOffset", INT64, "0+"),
                            of("LogAppendTimeMs", INT64, "2+").defaultsTo(-1L),
                            of("LogStartOffset", INT64, "5+").defaultsTo(-1L),
                            structs("RecordErrors", "8+",
                                    of("BatchIndex", INT32, "8+"),
                                    of("BatchIndexErrorMessage", STRING, "8+").nullable("8+").defaultsTo(null)),
                            of("ErrorMessage", STRING, "8+").nullable("8+").defaultsTo(null),
                            struct("CurrentLeader", "10+",
                                    of("LeaderId", INT32, "10+").defaultsTo(-1),
                                    of("LeaderEpoch", INT32, "10+").defaultsTo(-1)).tagged(0, "10+"))),
            of("ThrottleTimeMs", INT32, "1+"),
            structs("NodeEndpoints", "10+",
                    of("NodeId", INT32, "10+"),
                    of("Host", STRING, "10+"),
                    of("Port", INT32, "10+"),
                    of("Rack", STRING, "10+").nullable("10+").defaultsTo(null)).tagged(0, "10+"));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "Produce", 3, 13, 9, REQUEST, RESPONSE).advertisingFrom(0);

    private ProduceApi() {
    }
}
