package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.INT8;
import static io.fjord.protocol.types.Type.UUID_TYPE;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * AlterPartition (key 56), versions 2-3, flexible in all: a partition leader asks the controller to change the
 * partition's ISR. Served by the controller only (a broker sends it). Topics are named by id. {@code PartitionEpoch}
 * is the epoch the leader last saw, so a stale proposal is refused with INVALID_UPDATE_VERSION. v3 (KIP-903) sends
 * the ISR as {@code NewIsrWithEpochs} (broker id plus broker epoch) in place of {@code NewIsr}, so that a member which
 * restarted meanwhile (new broker epoch) is refused with INELIGIBLE_REPLICA. The response carries the committed
 * state: leader, leader epoch, ISR and partition epoch.
 */
public final class AlterPartitionApi {
    public static final short KEY = 56;

    public static final Schema REQUEST = Schema.of(
            of("BrokerId", INT32, "0+"),
            of("BrokerEpoch", INT64, "0+").defaultsTo(-1L),
            structs("Topics", "0+",
                    of("TopicId", UUID_TYPE, "2+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("LeaderEpoch", INT32, "0+"),
                            of("NewIsr", array(INT32), "0-2"),
                            structs("NewIsrWithEpochs", "3+",
                                    of("BrokerId", INT32, "3+"),
                                    of("BrokerEpoch", INT64, "3+").defaultsTo(-1L)),
                            of("LeaderRecoveryState", INT8, "1+").defaultsTo((byte) 0),
                            of("PartitionEpoch", INT32, "0+"))));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "0+"),
            structs("Topics", "0+",
                    of("TopicId", UUID_TYPE, "2+"),
                    structs("Partitions", "0+",
                            of("PartitionIndex", INT32, "0+"),
                            of("ErrorCode", INT16, "0+"),
                            of("LeaderId", INT32, "0+"),
                            of("LeaderEpoch", INT32, "0+"),
                            of("Isr", array(INT32), "0+"),
                            of("LeaderRecoveryState", INT8, "1+").defaultsTo((byte) 0),
                            of("PartitionEpoch", INT32, "0+"))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "AlterPartition", 2, 3, 0, REQUEST, RESPONSE);

    private AlterPartitionApi() {
    }
}
