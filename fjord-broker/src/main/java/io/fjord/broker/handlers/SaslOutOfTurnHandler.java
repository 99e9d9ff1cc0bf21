package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.api.SaslAuthenticateApi;
import io.fjord.protocol.types.Struct;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * SaslHandshake (17) and SaslAuthenticate (36) when they reach the ordinary request path: on a listener without
 * SASL, or after the connection authenticated (re-authentication is not offered). Kafka answers ILLEGAL_SASL_STATE
 * there; the exchange itself is the connection's own (network.SaslAuthenticator).
 */
public final class SaslOutOfTurnHandler implements ApiHandler {
    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct r = ctx.spec().newResponse();
        r.set("ErrorCode", Errors.ILLEGAL_SASL_STATE.code());
        if (ctx.spec().key() == SaslAuthenticateApi.KEY) {
            r.set("ErrorMessage", "SaslAuthenticate request received after successful authentication or on a listener without SASL");
        } else {
            r.set("Mechanisms", List.of());
        }
        return CompletableFuture.completedFuture(r);
    }
}
