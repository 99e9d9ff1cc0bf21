package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.UUID_TYPE;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * Metadata (key 3), versions 0-13, flexible from 9: which brokers exist, who leads each partition of the asked-for
 * topics (all topics when the list is null). Topic ids appear from v10, topics may be named by id alone from v10,
 * and v13 adds a top-level error code.
 */
public final class MetadataApi {
    public static final short KEY = 3;

    public static final Schema REQUEST = Schema.of(
            structs("Topics", "0+",
                    of("TopicId", UUID_TYPE, "10+"),
                    of("Name", STRING, "0+").nullable("10+")).nullable("1+"),
            of("AllowAutoTopicCreation", BOOL, "4+").defaultsTo(true),
            of("IncludeClusterAuthorizedOperations", BOOL, "8-10"),
            of("IncludeTopicAuthorizedOperations", BOOL, "8+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "3+"),
            structs("Brokers", "0+",
                    of("NodeId", INT32, "0+"),
                    of("Host", STRING, "0+"),
                    of("Port", INT32, "0+"),
                    of("Rack", STRING, "1+").nullable("1+").defaultsTo(null)),
            of("ClusterId", STRING, "2+").nullable("2+").defaultsTo(null),
            of("ControllerId", INT32, "1+").defaultsTo(-1),
            structs("Topics", "0+",
                    of("ErrorCode", INT16, "0+"),
                    of("Name", STRING, "0+").nullable("12+"),
                    of("TopicId", UUID_TYPE, "10+"),
                    of("IsInternal", BOOL, "1+"),
                    structs("Partitions", "0+",
                            of("ErrorCode", INT16, "0+"),
                            of("PartitionIndex", INT32, "0+"),
                            of("LeaderId", INT32, "0+"),
                            of("LeaderEpoch", INT32, "7+").defaultsTo(-1),
                            of("ReplicaNodes", array(INT32), "0+"),
                            of("IsrNodes", array(INT32), "0+"),
                            of("OfflineReplicas", array(INT32), "5+")),
                    of("TopicAuthorizedOperations", INT32, "8+").defaultsTo(Integer.MIN_VALUE)),
            of("ClusterAuthorizedOperations", INT32, "8-10").defaultsTo(Integer.MIN_VALUE),
            of("ErrorCode", INT16, "13+"));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "Metadata", 0, 13, 9, REQUEST, RESPONSE);

    private MetadataApi() {
    }
}
