package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.struct;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.INT8;
import static io.fjord.protocol.types.Type.RECORDS;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.UUID_TYPE;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * Fetch (key 1), versions 4-18, flexible from 12: reads record batches from partitions, optionally within an
 * incremental fetch session (v7+). Topics are named by id from v13; followers identify themselves through the
 * tagged ReplicaState from v15 instead of ReplicaId.
 */
public final class FetchApi {
    public static final short KEY = 1;

    public static final Schema REQUEST = Schema.of(
            of("ClusterId", STRING, "12+").nullable("12+").defaultsTo(null).tagged(0, "12+"),
            of("ReplicaId", INT32, "0-14").defaultsTo(-1),
            struct("ReplicaState", "15+",
                    of("ReplicaId", INT32, "15+").defaultsTo(-1),
                    of("ReplicaEpoch", INT64, "15+").defaultsTo(-1L)).tagged(1, "15+"),
            of("MaxWaitMs", INT32, "0+"),
            of("MinBytes", INT32, "0+"),
            of("MaxBytes", INT32, "3+").defaultsTo(Integer.MAX_VALUE),
            of("IsolationLevel", INT8, "4+").defaultsTo((byte) 0),
            of("SessionId", INT32, "7+").defaultsTo(0),
            of("SessionEpoch", INT32, "7+").defaultsTo(-1),
            structs("Topics", "0+",
                    of("Topic", STRING, "0-12"),
                    of("TopicId", UUID_TYPE, "13+"),
                    structs("Partitions", "0+",
                            of("Partition", INT32, "0+"),
                            of("CurrentLeaderEpoch", INT32, "9+").defaultsTo(-1),
                            of("FetchOffset", INT64, "0+"),
                            of("LastFetchedEpoch", INT32, "12+").defaultsTo(-1),
                            of("LogStartOffset", INT64, "5+").defaultsTo(-1L),
                            of("PartitionMaxBytes", INT32, "0+"),
                            of("ReplicaDirectoryId", UUID_TYPE, "17+").tagged(0, "17+"),
                            of("HighWatermark", INT64, "18+").defaultsTo(Long.MAX_VALUE).tagged(1, "18+"))),
            structs("ForgottenTopicsData", "7+",
                    of("Topic", STRING, "7-12"),
                    of("TopicId", UUID_TYPE, "13+"),
                    of("Partitions", array(INT32), "7+")),
            of("RackId", STRING, "11+").defaultsTo(""));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "1+"),
            of("ErrorCode", INT16, "7+"),
            of("SessionId", INT32, "7+").defaultsTo(0),
            structs("Responses", "0+",
                    of("Topic", STRING, "0-12"),
                    of("TopicId", UUID_TYPE, "13+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("ErrorCode", INT16, "0+"),
                            of("HighWatermark", INT64, "0+"),
                            of("LastStableOffset", INT64, "4+").defaultsTo(-1L),
                            of("LogStartOffset", INT64, "5+").defaultsTo(-1L),
                            struct("DivergingEpoch", "12+",
                                    of("Epoch", INT32, "12+").defaultsTo(-1),
                                    of("EndOffset", INT64, "12+").defaultsTo(-1L)).tagged(0, "12+"),
                            struct("CurrentLeader", "12+",
                                    of("LeaderId", INT32, "12+").defaultsTo(-1),
                                    of("LeaderEpoch", INT32, "12+").defaultsTo(-1)).tagged(1, "12+"),
                            struct("SnapshotId", "12+",
                                    of("EndOffset", INT64, "0+").defaultsTo(-1L),
                                    of("Epoch", INT32, "0+").defaultsTo(-1)).tagged(2, "12+"),
                            structs("AbortedTransactions", "4+",
                                    of("ProducerId", INT64, "4+"),
                                    of("FirstOffset", INT64, "4+")).nullable("4+"),
                            of("PreferredReadReplica", INT32, "11+").defaultsTo(-1),
                            of("Records", RECORDS, "0+").nullable("0+"))),
            structs("NodeEndpoints", "16+",
                    of("NodeId", INT32, "16+"),
                    of("Host", STRING, "16+"),
                    of("Port", INT32, "16+"),
                    of("Rack", STRING, "16+").nullable("16+").defaultsTo(null)).tagged(0, "16+"));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "Fetch", 4, 18, 12, REQUEST, RESPONSE);

    private FetchApi() {
    }
}
