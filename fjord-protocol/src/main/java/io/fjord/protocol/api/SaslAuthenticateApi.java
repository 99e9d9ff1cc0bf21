package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Type.BYTES;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * SaslAuthenticate (key 36), versions 0-2, flexible from 2: one SASL token each way. From v1 the response says
 * how long the session lives (KIP-368; 0 means no re-authentication is required).
 */
public final class SaslAuthenticateApi {
    public static final short KEY = 36;

    public static final Schema REQUEST = Schema.of(
            of("AuthBytes", BYTES, "0+"));

    public static final Schema RESPONSE = Schema.of(
            of("ErrorCode", INT16, "0+"),
            of("ErrorMessage", STRING, "0+").nullable("0+").defaultsTo(""),
            of("AuthBytes", BYTES, "0+"),
            of("SessionLifetimeMs", INT64, "1+").defaultsTo(0L));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "SaslAuthenticate", 0, 2, 2, REQUEST, RESPONSE);

    private SaslAuthenticateApi() {
    }
}
