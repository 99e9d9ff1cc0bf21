package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.UUID_TYPE;

import io.fjord.protocol.types.Schema;

/**
 * OffsetCommit (key 8), versions 2-10, flexible from 8: a group member stores its consumed offsets (with optional
 * metadata and, from v6, the leader epoch). v2-4 carry a retention time; topics are named by id from v10.
 */
public final class OffsetCommitApi {
    public static final short KEY = 8;

    public static final Schema REQUEST = Schema.of(
            of("GroupId", STRING, "0+"),
            of("GenerationIdOrMemberEpoch", INT32, "1+").defaultsTo(-1),
            of("MemberId", STRING, "1+"),
            of("GroupInstanceId", STRING, "7+").nullable("7+").defaultsTo(null),
            of("RetentionTimeMs", INT64, "2-4").defaultsTo(-1L),
            structs("Topics", "0+",
                    of("Name", STRING, "0-9"),
                    of("TopicId", UUID_TYPE, "10+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("CommittedOffset", INT64, "0+"),
                            of("CommittedLeaderEpoch", INT32, "6+").defaultsTo(-1),
                            of("CommittedMetadata", STRING, "0+").nullable("0+"))));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "3+"),
            structs("Topics", "0+",
                    of("Name", STRING, "0-9"),
                    of("TopicId", UUID_TYPE, "10+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("ErrorCode", INT16, "0+"))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "OffsetCommit", 2, 10, 8, REQUEST, RESPONSE);

    private OffsetCommitApi() {
    }
}
