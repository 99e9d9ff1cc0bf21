package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT8;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.UUID_TYPE;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * CreateTopics (key 19), versions 2-7, flexible from 5: creates topics with a partition count and replication
 * factor or explicit assignments, plus topic configs. From v5 the response echoes the resulting configs; v7 adds
 * the new topic's id.
 */
public final class CreateTopicsApi {
    public static final short KEY = 19;

    public static final Schema REQUEST = Schema.of(
            structs("Topics", "0+",
                    of("Name", STRING, "0+"),
                    of("NumPartitions", INT32, "0+"),
                    of("ReplicationFactor", INT16, "0+"),
                    structs("Assignments", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("BrokerIds", array(INT32), "0+")),
                    structs("Configs", "0+",
                            of("Name", STRING, "0+"),
                            of("Value", STRING, "0+").nullable("0+"))),
            // These two are spelled in lower camel case in the protocol description.
            of("timeoutMs", INT32, "0+").defaultsTo(60000),
            of("validateOnly", BOOL, "1+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "2+"),
            structs("Topics", "0+",
                    of("Name", STRING, "0+"),
                    of("TopicId", UUID_TYPE, "7+"),
                    of("ErrorCode", INT16, "0+"),
                    of("ErrorMessage", STRING, "1+").nullable("0+"),
                    of("TopicConfigErrorCode", INT16, "5+").tagged(0, "5+"),
                    of("NumPartitions", INT32, "5+").defaultsTo(-1),
                    of("ReplicationFactor", INT16, "5+").defaultsTo((short) -1),
                    structs("Configs", "5+",
                            of("Name", STRING, "5+"),
                            of("Value", STRING, "5+").nullable("5+"),
                            of("ReadOnly", BOOL, "5+"),
                            of("ConfigSource", INT8, "5+").defaultsTo((byte) -1),
                            of("IsSensitive", BOOL, "5+")).nullable("5+")));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "CreateTopics", 2, 7, 5, REQUEST, RESPONSE);

    private CreateTopicsApi() {
    }
}
