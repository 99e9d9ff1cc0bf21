package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.struct;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.UUID_TYPE;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * ConsumerGroupHeartbeat (key 68, KIP-848), versions 0-1, flexible from 0: a member of a consumer group joins,
 * heartbeats, reports what it owns and leaves (epoch -1, or -2 for a static member) in one request; the answer
 * carries its member epoch and, when it changed, its whole assignment. v1 adds the regex subscription and lets the
 * client choose its member id.
 */
public final class ConsumerGroupHeartbeatApi {
    public static final short KEY = 68;

    public static final Schema REQUEST = Schema.of(
            of("GroupId", STRING, "0+"),
            of("MemberId", STRING, "0+"),
            of("MemberEpoch", INT32, "0+"),
            of("InstanceId", STRING, "0+").nullable("0+").defaultsTo(null),
            of("RackId", STRING, "0+").nullable("0+").defaultsTo(null),
            of("RebalanceTimeoutMs", INT32, "0+").defaultsTo(-1),
            of("SubscribedTopicNames", array(STRING), "0+").nullable("0+").defaultsTo(null),
            of("SubscribedTopicRegex", STRING, "1+").nullable("1+").defaultsTo(null),
            of("ServerAssignor", STRING, "0+").nullable("0+").defaultsTo(null),
            structs("TopicPartitions", "0+",
                    of("TopicId", UUID_TYPE, "0+"),
                    of("Partitions", array(INT32), "0+")).nullable("0+").defaultsTo(null));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "0+"),
            of("ErrorMessage", STRING, "0+").nullable("0+").defaultsTo(null),
            of("MemberId", STRING, "0+").nullable("0+").defaultsTo(null),
            of("MemberEpoch", INT32, "0+"),
            of("HeartbeatIntervalMs", INT32, "0+"),
            struct("Assignment", "0+",
                    structs("TopicPartitions", "0+",
                            of("TopicId", UUID_TYPE, "0+"),
                            of("Partitions", array(INT32), "0+"))).nullable("0+").defaultsTo(null));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "ConsumerGroupHeartbeat", 0, 1, 0, REQUEST, RESPONSE);

    private ConsumerGroupHeartbeatApi() {
    }
}
