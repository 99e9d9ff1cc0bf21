package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.struct;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.UUID_TYPE;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * DescribeTopicPartitions (key 75), version 0 only, flexible: paged topic and partition metadata (including
 * eligible leader replicas), resumed from a cursor when a response hits the partition limit.
 */
public final class DescribeTopicPartitionsApi {
    public static final short KEY = 75;

    public static final Schema REQUEST = Schema.of(
            structs("Topics", "0+",
                    of("Name", STRING, "0+")),
            of("ResponsePartitionLimit", INT32, "0+").defaultsTo(2000),
            struct("Cursor", "0+",
                    of("TopicName", STRING, "0+"),
                    of("PartitionIndex", INT32, "0+")).nullable("0+").defaultsTo(null));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            structs("Topics", "0+",
                    of("ErrorCode", INT16, "0+"),
                    of("Name", STRING, "0+").nullable("0+"),
                    of("TopicId", UUID_TYPE, "0+"),
                    of("IsInternal", BOOL, "0+"),
                    structs("Partitions", "0+",
                            of("ErrorCode", INT16, "0+"),
                            of("PartitionIndex", INT32, "0+"),
                            of("LeaderId", INT32, "0+"),
                            of("LeaderEpoch", INT32, "0+").defaultsTo(-1),
                            of("ReplicaNodes", array(INT32), "0+"),
                            of("IsrNodes", array(INT32), "0+"),
                            of("EligibleLeaderReplicas", array(INT32), "0+").nullable("0+").defaultsTo(null),
                            of("LastKnownElr", array(INT32), "0+").nullable("0+").defaultsTo(null),
                            of("OfflineReplicas", array(INT32), "0+")),
                    of("TopicAuthorizedOperations", INT32, "0+").defaultsTo(Integer.MIN_VALUE)),
            struct("NextCursor", "0+",
                    of("TopicName", STRING, "0+"),
                    of("PartitionIndex", INT32, "0+")).nullable("0+").defaultsTo(null));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "DescribeTopicPartitions", 0, 0, 0, REQUEST, RESPONSE);

    private DescribeTopicPartitionsApi() {
    }
}
