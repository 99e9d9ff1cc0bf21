package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * AddPartitionsToTxn (key 24), versions 0-5, flexible from 3: a transactional producer names the partitions it
 * is about to write in its ongoing transaction. v0-3 carry one transaction (the client form); v4+ carry a batch of
 * transactions and are sent broker-to-broker by partition leaders (KIP-890 part 1), with {@code VerifyOnly} asking
 * only whether the partitions are already in the transaction.
 */
public final class AddPartitionsToTxnApi {
    public static final short KEY = 24;

    public static final Schema REQUEST = Schema.of(
            structs("Transactions", "4+",
                    of("TransactionalId", STRING, "4+"),
                    of("ProducerId", INT64, "4+"),
                    of("ProducerEpoch", INT16, "4+"),
                    of("VerifyOnly", BOOL, "4+").defaultsTo(false),
                    structs("Topics", "4+",
                            of("Name", STRING, "4+"),
                            of("Partitions", array(INT32), "4+"))),
            of("V3AndBelowTransactionalId", STRING, "0-3"),
            of("V3AndBelowProducerId", INT64, "0-3"),
            of("V3AndBelowProducerEpoch", INT16, "0-3"),
            structs("V3AndBelowTopics", "0-3",
                    of("Name", STRING, "0-3"),
                    of("Partitions", array(INT32), "0-3")));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "4+"),
            structs("ResultsByTransaction", "4+",
                    of("TransactionalId", STRING, "4+"),
                    structs("TopicResults", "4+",
                            of("Name", STRING, "4+"),
                            structs("ResultsByPartition", "4+",
                                    of("PartitionIndex", INT32, "4+"),
                                    of("PartitionErrorCode", INT16, "4+")))),
            structs("ResultsByTopicV3AndBelow", "0-3",
                    of("Name", STRING, "0-3"),
                    structs("ResultsByPartition", "0-3",
                            of("PartitionIndex", INT32, "0-3"),
                            of("PartitionErrorCode", INT16, "0-3"))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "AddPartitionsToTxn", 0, 5, 3, REQUEST, RESPONSE);

    private AddPartitionsToTxnApi() {
    }
}
