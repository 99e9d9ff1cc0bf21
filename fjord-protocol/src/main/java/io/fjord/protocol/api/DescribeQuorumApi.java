package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.UINT16;
import static io.fjord.protocol.types.Type.UUID_TYPE;

import io.fjord.protocol.types.Field;
import io.fjord.protocol.types.Schema;

/**
 * DescribeQuorum (key 55), versions 0-2, flexible from 0: the metadata quorum's leader, epoch and high watermark,
 * and each voter's and observer's log end offset and fetch times (what {@code kafka-metadata-quorum.sh describe}
 * prints). v1 adds the replicas' last fetch and caught-up timestamps, v2 (KIP-853) directory ids, error messages
 * and the voters' listener endpoints. The response has no throttle time.
 */
public final class DescribeQuorumApi {
    public static final short KEY = 55;

    public static final Schema REQUEST = Schema.of(
            structs("Topics", "0+",
                    of("TopicName", STRING, "0+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"))));

    private static Field[] replicaState() {
        return new Field[] {
                of("ReplicaId", INT32, "0+"),
                of("ReplicaDirectoryId", UUID_TYPE, "2+"),
                of("LogEndOffset", INT64, "0+"),
                of("LastFetchTimestamp", INT64, "1+").defaultsTo(-1L),
                of("LastCaughtUpTimestamp", INT64, "1+").defaultsTo(-1L)};
    }

    public static final Schema RESPONSE = Schema.of(
            of("ErrorCode", INT16, "0+"),
            of("ErrorMessage", STRING, "2+").nullable("2+"),
            structs("Topics", "0+",
                    of("TopicName", STRING, "0+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("ErrorCode", INT16, "0+"),
                            of("ErrorMessage", STRING, "2+").nullable("2+"),
                            of("LeaderId", INT32, "0+"),
                            of("LeaderEpoch", INT32, "0+"),
                            of("HighWatermark", INT64, "0+"),
                            structs("CurrentVoters", "0+", replicaState()),
                            structs("Observers", "0+", replicaState()))),
            structs("Nodes", "2+",
                    of("NodeId", INT32, "2+"),
                    structs("Listeners", "2+",
                            of("Name", STRING, "2+"),
                            of("Host", STRING, "2+"),
                            of("Port", UINT16, "2+"))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "DescribeQuorum", 0, 2, 0, REQUEST, RESPONSE);

    private DescribeQuorumApi() {
    }
}
