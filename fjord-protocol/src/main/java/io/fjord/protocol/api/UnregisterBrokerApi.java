package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * UnregisterBroker (key 64), version 0, flexible from 0: removes a broker's registration for good (decommission,
 * {@code kafka-cluster.sh unregister --id N}, {@code Admin.unregisterBroker}). Errors: BROKER_ID_NOT_REGISTERED for
 * an id the cluster does not know.
 */
public final class UnregisterBrokerApi {
    public static final short KEY = 64;

    public static final Schema REQUEST = Schema.of(
            of("BrokerId", INT32, "0+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "0+"),
            of("ErrorMessage", STRING, "0+").nullable("0+"));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "UnregisterBroker", 0, 0, 0, REQUEST, RESPONSE);

    private UnregisterBrokerApi() {
    }
}
