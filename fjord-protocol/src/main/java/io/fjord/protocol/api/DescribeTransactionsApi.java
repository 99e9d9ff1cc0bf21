package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * DescribeTransactions (key 65), version 0, flexible: the state of transactional ids at their coordinator
 * (KIP-664, {@code kafka-transactions.sh describe}).
 */
public final class DescribeTransactionsApi {
    public static final short KEY = 65;

    public static final Schema REQUEST = Schema.of(
            of("TransactionalIds", array(STRING), "0+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            structs("TransactionStates", "0+",
                    of("ErrorCode", INT16, "0+"),
                    of("TransactionalId", STRING, "0+"),
                    of("TransactionState", STRING, "0+"),
                    of("TransactionTimeoutMs", INT32, "0+"),
                    of("TransactionStartTimeMs", INT64, "0+"),
                    of("ProducerId", INT64, "0+"),
                    of("ProducerEpoch", INT16, "0+"),
                    structs("Topics", "0+",
                            of("Topic", STRING, "0+"),
                            of("Partitions", array(INT32), "0+"))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "DescribeTransactions", 0, 0, 0, REQUEST, RESPONSE);

    private DescribeTransactionsApi() {
    }
}
