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
 * TxnOffsetCommit (key 28), versions 0-6, flexible from 3: a transactional producer commits consumer offsets to
 * the group coordinator as part of its transaction; they become visible when the transaction's marker reaches the
 * group's {@code __consumer_offsets} partition. v3+ carry the group member's generation (KIP-447); v6 names topics
 * by id.
 */
public final class TxnOffsetCommitApi {
    public static final short KEY = 28;

    public static final Schema REQUEST = Schema.of(
            of("TransactionalId", STRING, "0+"),
            of("GroupId", STRING, "0+"),
            of("ProducerId", INT64, "0+"),
            of("ProducerEpoch", INT16, "0+"),
            of("GenerationIdOrMemberEpoch", INT32, "3+").defaultsTo(-1),
            of("MemberId", STRING, "3+"),
            of("GroupInstanceId", STRING, "3+").nullable("3+").defaultsTo(null),
            structs("Topics", "0+",
                    of("Name", STRING, "0-5"),
                    of("TopicId", UUID_TYPE, "6+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("CommittedOffset", INT64, "0+"),
                            of("CommittedLeaderEpoch", INT32, "2+").defaultsTo(-1),
                            of("CommittedMetadata", STRING, "0+").nullable("0+"))));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            structs("Topics", "0+",
                    of("Name", STRING, "0-5"),
                    of("TopicId", UUID_TYPE, "6+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("ErrorCode", INT16, "0+"))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "TxnOffsetCommit", 0, 6, 3, REQUEST, RESPONSE);

    private TxnOffsetCommitApi() {
    }
}
