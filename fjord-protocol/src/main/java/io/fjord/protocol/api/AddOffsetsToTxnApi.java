package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * AddOffsetsToTxn (key 25), versions 0-4, flexible from 3: a transactional producer adds the
 * {@code __consumer_offsets} partition of a group to its transaction before sending TxnOffsetCommit to the group's
 * coordinator.
 */
public final class AddOffsetsToTxnApi {
    public static final short KEY = 25;

    public static final Schema REQUEST = Schema.of(
            of("TransactionalId", STRING, "0+"),
            of("ProducerId", INT64, "0+"),
            of("ProducerEpoch", INT16, "0+"),
            of("GroupId", STRING, "0+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "0+"));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "AddOffsetsToTxn", 0, 4, 3, REQUEST, RESPONSE);

    private AddOffsetsToTxnApi() {
    }
}
