package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT8;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * ElectLeaders (key 43), versions 0-2, flexible from 2: elects leaders for the given partitions (null = every
 * partition). {@code ElectionType} (v1+, KIP-460): 0 = preferred (the first replica, if in the ISR), 1 = unclean
 * (any live replica when no ISR member is live). Per partition the result is NONE, ELECTION_NOT_NEEDED,
 * PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE or UNKNOWN_TOPIC_OR_PARTITION; v1+ adds a top-level
 * error code.
 */
public final class ElectLeadersApi {
    public static final short KEY = 43;

    public static final Schema REQUEST = Schema.of(
            of("ElectionType", INT8, "1+"),
            structs("TopicPartitions", "0+",
                    of("Topic", STRING, "0+"),
                    of("Partitions", array(INT32), "0+")).nullable("0+"),
            of("TimeoutMs", INT32, "0+").defaultsTo(60000));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "1+"),
            structs("ReplicaElectionResults", "0+",
                    of("Topic", STRING, "0+"),
                    structs("PartitionResult", "0+",
                            of("PartitionId", INT32, "0+"),
                            of("ErrorCode", INT16, "0+"),
                            of("ErrorMessage", STRING, "0+").nullable("0+"))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "ElectLeaders", 0, 2, 2, REQUEST, RESPONSE);

    private ElectLeadersApi() {
    }
}
