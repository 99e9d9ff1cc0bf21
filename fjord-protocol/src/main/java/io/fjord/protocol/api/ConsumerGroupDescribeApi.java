package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.struct;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT8;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.UUID_TYPE;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Field;
import io.fjord.protocol.types.Schema;

/**
 * ConsumerGroupDescribe (key 69, KIP-848), versions 0-1, flexible from 0: a consumer group's epochs, assignor and
 * members with their current and target assignments. v1 adds each member's type (classic or consumer member).
 */
public final class ConsumerGroupDescribeApi {
    public static final short KEY = 69;

    public static final Schema REQUEST = Schema.of(
            of("GroupIds", array(STRING), "0+"),
            of("IncludeAuthorizedOperations", BOOL, "0+"));

    private static Field assignment(String name) {
        return struct(name, "0+",
                structs("TopicPartitions", "0+",
                        of("TopicId", UUID_TYPE, "0+"),
                        of("TopicName", STRING, "0+"),
                        of("Partitions", array(INT32), "0+")));
    }

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            structs("Groups", "0+",
                    of("ErrorCode", INT16, "0+"),
                    of("ErrorMessage", STRING, "0+").nullable("0+").defaultsTo(null),
                    of("GroupId", STRING, "0+"),
                    of("GroupState", STRING, "0+"),
                    of("GroupEpoch", INT32, "0+"),
                    of("AssignmentEpoch", INT32, "0+"),
                    of("AssignorName", STRING, "0+"),
                    structs("Members", "0+",
                            of("MemberId", STRING, "0+"),
                            of("InstanceId", STRING, "0+").nullable("0+").defaultsTo(null),
                            of("RackId", STRING, "0+").nullable("0+").defaultsTo(null),
                            of("MemberEpoch", INT32, "0+"),
                            of("ClientId", STRING, "0+"),
                            of("ClientHost", STRING, "0+"),
                            of("SubscribedTopicNames", array(STRING), "0+"),
                            of("SubscribedTopicRegex", STRING, "0+").nullable("0+").defaultsTo(null),
                            assignment("Assignment"),
                            assignment("TargetAssignment"),
                            of("MemberType", INT8, "1+").defaultsTo((byte) -1)),
                    of("AuthorizedOperations", INT32, "0+").defaultsTo(Integer.MIN_VALUE)));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "ConsumerGroupDescribe", 0, 1, 0, REQUEST, RESPONSE);

    private ConsumerGroupDescribeApi() {
    }
}
