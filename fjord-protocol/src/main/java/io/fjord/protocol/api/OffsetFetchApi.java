package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.UUID_TYPE;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * OffsetFetch (key 9), versions 1-10, flexible from 6: the committed offsets of a group's partitions (all of them
 * when the topic list is null, v2+). Up to v7 one group; from v8 a batch of groups, each with its own topics and
 * error code; topics are named by id from v10.
 */
public final class OffsetFetchApi {
    public static final short KEY = 9;

    public static final Schema REQUEST = Schema.of(
            of("GroupId", STRING, "0-7"),
            structs("Topics", "0-7",
                    of("Name", STRING, "0-7"),
                    of("PartitionIndexes", array(INT32), "0-7")).nullable("2-7"),
            structs("Groups", "8+",
                    of("GroupId", STRING, "8+"),
                    of("MemberId", STRING, "9+").nullable("9+").defaultsTo(null),
                    of("MemberEpoch", INT32, "9+").defaultsTo(-1),
                    structs("Topics", "8+",
                            of("Name", STRING, "8-9"),
                            of("TopicId", UUID_TYPE, "10+"),
                            of("PartitionIndexes", array(INT32), "8+")).nullable("8+")),
            of("RequireStable", BOOL, "7+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "3+"),
            structs("Topics", "0-7",
                    of("Name", STRING, "0-7"),
                    structs("Partitions", "0-7",
                            of("PartitionIndex", INT32, "0-7"),
                            of("CommittedOffset", INT64, "0-7"),
                            of("CommittedLeaderEpoch", INT32, "5-7").defaultsTo(-1),
                            of("Metadata", STRING, "0-7").nullable("0-7"),
                            of("ErrorCode", INT16, "0-7"))),
            of("ErrorCode", INT16, "2-7"),
            structs("Groups", "8+",
                    of("GroupId", STRING, "8+"),
                    structs("Topics", "8+",
                            of("Name", STRING, "8-9"),
                            of("TopicId", UUID_TYPE, "10+"),
                            structs("Partitions", "8+",
                                    of("PartitionIndex", INT32, "8+"),
                                    of("CommittedOffset", INT64, "8+"),
                                    of("CommittedLeaderEpoch", INT32, "8+").defaultsTo(-1),
                                    of("Metadata", STRING, "8+").nullable("8+"),
                                    of("ErrorCode", INT16, "8+"))),
                    of("ErrorCode", INT16, "8+")));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "OffsetFetch", 1, 10, 6, REQUEST, RESPONSE);

    private OffsetFetchApi() {
    }
}
