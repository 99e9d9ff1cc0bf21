package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * OffsetForLeaderEpoch (key 23), versions 2-4, flexible from 4: for each partition, the end offset of the asked
 * leader epoch (the start offset of the next larger epoch, or the log end for the current one) and the largest
 * epoch at or below it. Followers use it to find where their log diverged from the leader's; consumers to check
 * their position after a leader change. {@code CurrentLeaderEpoch} fences callers with stale metadata
 * (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH). {@code ReplicaId} (v3+) is -2 ("debug") unless the caller is a
 * follower (its broker id) or a consumer (-1).
 */
public final class OffsetForLeaderEpochApi {
    public static final short KEY = 23;

    public static final Schema REQUEST = Schema.of(
            of("ReplicaId", INT32, "3+").defaultsTo(-2),
            structs("Topics", "0+",
                    of("Topic", STRING, "0+"),
                    structs("Partitions", "0+",
                            of("Partition", INT32, "0+"),
                            of("CurrentLeaderEpoch", INT32, "2+").defaultsTo(-1),
                            of("LeaderEpoch", INT32, "0+"))));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "2+"),
            structs("Topics", "0+",
                    of("Topic", STRING, "0+"),
                    structs("Partitions", "0+",
                            of("ErrorCode", INT16, "0+"),
                            of("Partition", INT32, "0+"),
                            of("LeaderEpoch", INT32, "1+").defaultsTo(-1),
                            of("EndOffset", INT64, "0+").defaultsTo(-1L))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "OffsetForLeaderEpoch", 2, 4, 4, REQUEST, RESPONSE);

    private OffsetForLeaderEpochApi() {
    }
}
