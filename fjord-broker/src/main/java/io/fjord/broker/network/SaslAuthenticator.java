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
 * One SASL connection's authentication, before any other request is served, and its re-authentications (KIP-368).
 * States and legal moves:
 * <pre>
 *   HANDSHAKE      --SaslHandshake, mechanism enabled-->              AUTHENTICATE
 *   HANDSHAKE      --SaslHandshake, mechanism not enabled-->          FAILED
 *   AUTHENTICATE   --SaslAuthenticate, exchange goes on-->            AUTHENTICATE
 *   AUTHENTICATE   --SaslAuthenticate, exchange complete-->           AUTHENTICATED
 *   AUTHENTICATE   --SaslAuthenticate, refused-->                     FAILED
 *   AUTHENTICATED  --SaslHandshake, the session's mechanism-->        REAUTHENTICATE
 *   AUTHENTICATED  --SaslHandshake, another enabled mechanism-->      REAUTH_BAD_MECHANISM
 *   AUTHENTICATED  --SaslHandshake, mechanism not enabled-->          FAILED
 *   REAUTHENTICATE --SaslAuthenticate, exchange goes on-->            REAUTHENTICATE
 *   REAUTHENTICATE --SaslAuthenticate, complete, same principal-->    AUTHENTICATED (a new session)
 *   REAUTHENTICATE --SaslAuthenticate, refused or other principal-->  FAILED
 *   REAUTH_BAD_MECHANISM --SaslAuthenticate-->                        FAILED
 * </pre>
 * ApiVersions may come in HANDSHAKE (clients ask it first); any other request before AUTHENTICATED closes the
 * connection, as Kafka does. FAILED answers the error, then the connection is closed (after
 * {@code connection.failed.authentication.delay.ms}). An illegal move throws {@link IllegalStateException}.
 *
 * <p>Sessions: with {@code connections.max.reauth.ms} (per listener, or per listener and mechanism as
 * {@code listener.name.<l>.<mechanism>.connections.max.reauth.ms}) above 0, each completed login answers
 * SessionLifetimeMs (SaslAuthenticate v1+) and its session ends that long after; kafka-clients re-authenticate
 * before then. A session that ended takes no request but a SaslHandshake beginning re-authentication: the
 * connection's owner closes it ({@link #sessionExpired}), as Kafka's broker does. Kafka's rules on re-authentication:
 * the mechanism stays (another one fails the exchange at its SaslAuthenticate), the principal stays ("Cannot change
 * principals during re-authentication"). Time comes from the given millisecond clock.
 * Threading: owned by the connection's event loop.
 */
final class SaslAuthenticator {
    enum State { HANDSHAKE, AUTHENTICATE, AUTHENTICATED, REAUTHENTICATE, REAUTH_BAD_MECHANISM, FAILED }

    /** The answer to send, and whether the connection is closed after it (a failed authentication). */
    record Reply(Struct response, boolean closeAfter) {
    }

    private final SaslServerSettings settings;
    private final ScramCredentialStore scram;
    private final Random random;
    private final java.util.function.LongSupplier clockMs;
    private State state = State.HANDSHAKE;
    private SaslMechanismServer server;
    private String mechanism;
    private KafkaPrincipal principal;
    /** When the current session ends (clock ms); Long.MAX_VALUE without a session lifetime. */
    private long sessionEndsAtMs = Long.MAX_VALUE;
    private String badMechanismMessage;

    SaslAuthenticator(SaslServerSettings settings, ScramCredentialStore scram, Random random) {
        this(settings, scram, random, () -> System.nanoTime() / 1_000_000);
    }

    SaslAuthenticator(SaslServerSettings settings, ScramCredentialStore scram, Random random, java.util.function.LongSupplier clockMs) {
        this.settings = settings;
        this.scram = scram;
        this.random = random;
        this.clockMs = clockMs;
    }

    State state() {
        return state;
    }

    boolean isAuthenticated() {
        return state == State.AUTHENTICATED;
    }

    /** Authenticated, but the session's lifetime has passed: only a re-authentication may use the connection. */
    boolean sessionExpired() {
        return state == State.AUTHENTICATED && clockMs.getAsLong() >= sessionEndsAtMs;
    }

    /** Whether a request of this API may be served in the current state (before authentication). */
    boolean allowsBeforeAuthentication(short apiKey) {
        return switch (state) {
            case HANDSHAKE -> apiKey == io.fjord.protocol.api.ApiVersionsApi.KEY || apiKey == SaslHandshakeApi.KEY;
            case AUTHENTICATE, REAUTHENTICATE, REAUTH_BAD_MECHANISM -> apiKey == SaslAuthenticateApi.KEY;
            case AUTHENTICATED, FAILED -> false;
        };
    }

    KafkaPrincipal principal() {
        if (state != State.AUTHENTICATED) throw new IllegalStateException("not authenticated (" + state + ")");
        return principal;
    }

    Reply handshake(Struct request) {
        if (state != State.HANDSHAKE && state != State.AUTHENTICATED) throw new IllegalStateException("SaslHandshake in state " + state);
        boolean reauthenticating = state == State.AUTHENTICATED;
        String asked = request.getString("Mechanism");
        Struct r = SaslHandshakeApi.SPEC.newResponse();
        r.set("Mechanisms", settings.mechanisms());
        if (!settings.mechanisms().contains(asked)) {
            state = State.FAILED;
            r.set("ErrorCode", Errors.UNSUPPORTED_SASL_MECHANISM.code());
            return new Reply(r, true);
        }
        r.set("ErrorCode", Errors.NONE.code());
        if (reauthenticating && !asked.equals(mechanism)) {
            // Kafka answers the handshake and fails the exchange at its first SaslAuthenticate.
            badMechanismMessage = "SASL mechanism '" + asked + "' requested by client is not supported for re-authentication"
                    + " of mechanism '" + mechanism + "'";
            state = State.REAUTH_BAD_MECHANISM;
            return new Reply(r, false);
        }
        ScramMechanism scramMechanism = ScramMechanism.forName(asked);
        server = scramMechanism != null ? new ScramServer(scramMechanism, scram, random) : new PlainServer(settings.plainUsers());
        mechanism = asked;
        state = reauthenticating ? State.REAUTHENTICATE : State.AUTHENTICATE;
        return new Reply(r, false);
    }

    Reply authenticate(Struct request, short version) {
        if (state != State.AUTHENTICATE && state != State.REAUTHENTICATE && state != State.REAUTH_BAD_MECHANISM) {
            throw new IllegalStateException("SaslAuthenticate in state " + state);
        }
        Struct r = SaslAuthenticateApi.SPEC.newResponse();
        if (state == State.REAUTH_BAD_MECHANISM) return refuse(r, badMechanismMessage);
        byte[] token = (byte[]) request.get("AuthBytes");
        try {
            byte[] out = server.evaluate(token);
            r.set("ErrorCode", Errors.NONE.code()).set("ErrorMessage", null).set("AuthBytes", out);
            if (server.isComplete()) {
                KafkaPrincipal who = KafkaPrincipal.user(server.authorizationId());
                if (state == State.REAUTHENTICATE && !who.equals(principal)) {
                    return refuse(r, "Cannot change principals during re-authentication from " + principal.type() + "."
                            + principal.name() + ": " + who.type() + "." + who.name());
                }
                principal = who;
                state = State.AUTHENTICATED;
                long lifetime = settings.maxReauthMs(mechanism);
                sessionEndsAtMs = lifetime > 0 ? clockMs.getAsLong() + lifetime : Long.MAX_VALUE;
                if (version >= 1) r.set("SessionLifetimeMs", lifetime);
            }
            return new Reply(r, false);
        } catch (SaslMechanismServer.Failure e) {
            return refuse(r, e.getMessage());
        }
    }

    private Reply refuse(Struct r, String message) {
        state = State.FAILED;
        r.set("ErrorCode", Errors.SASL_AUTHENTICATION_FAILED.code()).set("ErrorMessage", message).set("AuthBytes", new byte[0]);
        return new Reply(r, true);
    }

    long failedAuthenticationDelayMs() {
        return settings.failedAuthDelayMs();
    }
}
