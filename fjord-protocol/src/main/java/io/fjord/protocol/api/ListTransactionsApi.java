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
 * ListTransactions (key 66), versions 0-2, flexible: the transactional ids a broker coordinates, filtered by state,
 * producer id, (v1, KIP-994) running longer than a duration and (v2, KIP-1152) a regular expression on the id.
 */
public final class ListTransactionsApi {
    public static final short KEY = 66;

    public static final Schema REQUEST = Schema.of(
            of("StateFilters", array(STRING), "0+"),
            of("ProducerIdFilters", array(INT64), "0+"),
            of("DurationFilter", INT64, "1+").defaultsTo(-1L),
            of("TransactionalIdPattern", STRING, "2+").nullable("2+").defaultsTo(null));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "0+"),
            of("UnknownStateFilters", array(STRING), "0+"),
            structs("TransactionStates", "0+",
                    of("TransactionalId", STRING, "0+"),
                    of("ProducerId", INT64, "0+"),
                    of("TransactionState", STRING, "0+")));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "ListTransactions", 0, 2, 0, REQUEST, RESPONSE);

    private ListTransactionsApi() {
    }
}
