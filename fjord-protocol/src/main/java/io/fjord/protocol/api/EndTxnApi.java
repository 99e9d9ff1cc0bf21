package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * EndTxn (key 26), versions 0-5, flexible from 3: commit ({@code Committed} true) or abort the ongoing transaction.
 * v5 (transaction version 2, KIP-890) answers with the producer id and the epoch bumped by the coordinator, which
 * the producer uses for its next transaction.
 */
public final class EndTxnApi {
    public static final short KEY = 26;

    public static final Schema REQUEST = Schema.of(
            of("TransactionalId", STRING, "0+"),
            of("ProducerId", INT64, "0+"),
            of("ProducerEpoch", INT16, "0+"),
            of("Committed", BOOL, "0+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "0+"),
            of("ProducerId", INT64, "5+").defaultsTo(-1L),
            of("ProducerEpoch", INT16, "5+").defaultsTo((short) -1));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "EndTxn", 0, 5, 3, REQUEST, RESPONSE);

    private EndTxnApi() {
    }
}
