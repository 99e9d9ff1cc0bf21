package io.fjord.broker.network;

import io.fjord.broker.security.KafkaPrincipal;
import io.fjord.broker.security.PlainServer;
import io.fjord.broker.security.SaslMechanismServer;
import io.fjord.broker.security.SaslServerSettings;
import io.fjord.broker.security.ScramCredentialStore;
import io.fjord.broker.security.ScramMechanism;
import io.fjord.broker.security.ScramServer;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.api.SaslAuthenticateApi;
import io.fjord.protocol.api.SaslHandshakeApi;
import io.fjord.protocol.types.Struct;
import java.util.Random;

/**
 * One SASL connection's authentication, before any other request is served. States and legal moves:
 * <pre>
 *   HANDSHAKE     --SaslHandshake, mechanism enabled-->       AUTHENTICATE
 *   HANDSHAKE     --SaslHandshake, mechanism not enabled-->   FAILED
 *   AUTHENTICATE  --SaslAuthenticate, exchange goes on-->     AUTHENTICATE
 *   AUTHENTICATE  --SaslAuthenticate, exchange complete-->    AUTHENTICATED
 *   AUTHENTICATE  --SaslAuthenticate, refused-->              FAILED
 * </pre>
 * ApiVersions may come in HANDSHAKE (clients ask it first); any other request before AUTHENTICATED closes the
 * connection, as Kafka does. FAILED answers the error, then the connection is closed (after
 * {@code connection.failed.authentication.delay.ms}). An illegal move throws {@link IllegalStateException}.
 * Threading: owned by the connection's event loop.
 */
final class SaslAuthenticator {
    enum State { HANDSHAKE, AUTHENTICATE, AUTHENTICATED, FAILED }

    /** The answer to send, and whether the connection is closed after it (a failed authentication). */
    record Reply(Struct response, boolean closeAfter) {
    }

    private final SaslServerSettings settings;
    private final ScramCredentialStore scram;
    private final Random random;
    private State state = State.HANDSHAKE;
    private SaslMechanismServer server;
    private KafkaPrincipal principal;

    SaslAuthenticator(SaslServerSettings settings, ScramCredentialStore scram, Random random) {
        this.settings = settings;
        this.scram = scram;
        this.random = random;
    }

    State state() {
        return state;
    }

    boolean isAuthenticated() {
        return state == State.AUTHENTICATED;
    }

    /** Whether a request of this API may be served in the current state (before authentication). */
    boolean allowsBeforeAuthentication(short apiKey) {
        return switch (state) {
            case HANDSHAKE -> apiKey == io.fjord.protocol.api.ApiVersionsApi.KEY || apiKey == SaslHandshakeApi.KEY;
            case AUTHENTICATE -> apiKey == SaslAuthenticateApi.KEY;
            case AUTHENTICATED, FAILED -> false;
        };
    }

    KafkaPrincipal principal() {
        if (state != State.AUTHENTICATED) throw new IllegalStateException("not authenticated (" + state + ")");
        return principal;
    }

    Reply handshake(Struct request) {
        move(State.HANDSHAKE, "SaslHandshake");
        String mechanism = request.getString("Mechanism");
        Struct r = SaslHandshakeApi.SPEC.newResponse();
        r.set("Mechanisms", settings.mechanisms());
        if (!settings.mechanisms().contains(mechanism)) {
            state = State.FAILED;
            r.set("ErrorCode", Errors.UNSUPPORTED_SASL_MECHANISM.code());
            return new Reply(r, true);
        }
        ScramMechanism scramMechanism = ScramMechanism.forName(mechanism);
        server = scramMechanism != null ? new ScramServer(scramMechanism, scram, random) : new PlainServer(settings.plainUsers());
        state = State.AUTHENTICATE;
        r.set("ErrorCode", Errors.NONE.code());
        return new Reply(r, false);
    }

    Reply authenticate(Struct request, short version) {
        move(State.AUTHENTICATE, "SaslAuthenticate");
        Struct r = SaslAuthenticateApi.SPEC.newResponse();
        byte[] token = (byte[]) request.get("AuthBytes");
        try {
            byte[] out = server.evaluate(token);
            r.set("ErrorCode", Errors.NONE.code()).set("ErrorMessage", null).set("AuthBytes", out);
            if (server.isComplete()) {
                principal = KafkaPrincipal.user(server.authorizationId());
                state = State.AUTHENTICATED;
            }
            return new Reply(r, false);
        } catch (SaslMechanismServer.Failure e) {
            state = State.FAILED;
            r.set("ErrorCode", Errors.SASL_AUTHENTICATION_FAILED.code()).set("ErrorMessage", e.getMessage())
                    .set("AuthBytes", new byte[0]);
            return new Reply(r, true);
        }
    }

    long failedAuthenticationDelayMs() {
        return settings.failedAuthDelayMs();
    }

    private void move(State expected, String what) {
        if (state != expected) throw new IllegalStateException(what + " in state " + state);
    }
}
