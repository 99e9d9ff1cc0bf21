package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * InitProducerId (key 22), versions 0-5, flexible from 2: hands an idempotent or transactional producer its
 * producer id and epoch. From v3 a producer may pass its current id and epoch to have the epoch bumped (KIP-360).
 * Version 6 (two-phase commit) is not described.
 */
public final class InitProducerIdApi {
    public static final short KEY = 22;

    public static final Schema REQUEST = Schema.of(
            of("TransactionalId", STRING, "0+").nullable("0+"),
            of("TransactionTimeoutMs", INT32, "0+"),
            of("ProducerId", INT64, "3+").defaultsTo(-1L),
            of("ProducerEpoch", INT16, "3+").defaultsTo((short) -1));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "0+"),
            of("ProducerId", INT64, "0+").defaultsTo(-1L),
            of("ProducerEpoch", INT16, "0+"));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "InitProducerId", 0, 5, 2, REQUEST, RESPONSE);

    private InitProducerIdApi() {
    }
}
