package io.fjord.protocol.api;

import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.array;
import static io.fjord.protocol.types.Field.of;

import io.fjord.protocol.types.Schema;

/**
 * SaslHandshake (key 17), versions 0-1, never flexible: the client names a SASL mechanism; the broker answers
 * with the mechanisms it enables. From v1 the SASL tokens that follow travel in SaslAuthenticate requests.
 */
public final class SaslHandshakeApi {
    public static final short KEY = 17;

    public static final Schema REQUEST = Schema.of(
            of("Mechanism", STRING, "0+"));

    public static final Schema RESPONSE = Schema.of(
            of("ErrorCode", INT16, "0+"),
            of("Mechanisms", array(STRING), "0+"));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "SaslHandshake", 0, 1, -1, REQUEST, RESPONSE);

    private SaslHandshakeApi() {
    }
}
