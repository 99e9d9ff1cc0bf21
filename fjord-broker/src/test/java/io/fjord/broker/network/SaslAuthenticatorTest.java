package io.fjord.broker.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.broker.security.SaslServerSettings;
import io.fjord.broker.security.ScramCredentialStore;
import io.fjord.protocol.api.ApiVersionsApi;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.api.MetadataApi;
import io.fjord.protocol.api.SaslAuthenticateApi;
import io.fjord.protocol.api.SaslHandshakeApi;
import io.fjord.protocol.types.Struct;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The connection's SASL state machine: which requests each state admits, its moves, and illegal moves. */
class SaslAuthenticatorTest {
    private static final SaslServerSettings SETTINGS = new SaslServerSettings(List.of("PLAIN", "SCRAM-SHA-256"),
            Map.of("alice", "secret"), 0, 0);

    private static SaslAuthenticator authenticator() {
        return new SaslAuthenticator(SETTINGS, ScramCredentialStore.EMPTY, new Random(3));
    }

    private static Struct handshake(String mechanism) {
        return SaslHandshakeApi.SPEC.newRequest().set("Mechanism", mechanism);
    }

    private static Struct token(String s) {
        return SaslAuthenticateApi.SPEC.newRequest().set("AuthBytes", s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void plainLoginMovesHandshakeAuthenticateAuthenticated() {
        SaslAuthenticator a = authenticator();
        assertThat(a.allowsBeforeAuthentication(ApiVersionsApi.KEY)).isTrue();
        assertThat(a.allowsBeforeAuthentication(SaslHandshakeApi.KEY)).isTrue();
        assertThat(a.allowsBeforeAuthentication(MetadataApi.KEY)).isFalse();
        SaslAuthenticator.Reply r = a.handshake(handshake("PLAIN"));
        assertThat(r.closeAfter()).isFalse();
        assertThat(r.response().getShort("ErrorCode")).isEqualTo(Errors.NONE.code());
        assertThat(a.state()).isEqualTo(SaslAuthenticator.State.AUTHENTICATE);
        assertThat(a.allowsBeforeAuthentication(ApiVersionsApi.KEY)).isFalse();
        assertThat(a.allowsBeforeAuthentication(SaslAuthenticateApi.KEY)).isTrue();
        r = a.authenticate(token("\0alice\0secret"), (short) 2);
        assertThat(r.closeAfter()).isFalse();
        assertThat(a.isAuthenticated()).isTrue();
        assertThat(a.principal().toString()).isEqualTo("User:alice");
    }

    @Test
    void refusalsEndInFailedAndCloseTheConnection() {
        SaslAuthenticator unknownMechanism = authenticator();
        SaslAuthenticator.Reply r = unknownMechanism.handshake(handshake("GSSAPI"));
        assertThat(r.closeAfter()).isTrue();
        assertThat(r.response().getShort("ErrorCode")).isEqualTo(Errors.UNSUPPORTED_SASL_MECHANISM.code());
        assertThat(r.response().<String>getList("Mechanisms")).containsExactly("PLAIN", "SCRAM-SHA-256");
        assertThat(unknownMechanism.state()).isEqualTo(SaslAuthenticator.State.FAILED);

        SaslAuthenticator wrongPassword = authenticator();
        wrongPassword.handshake(handshake("PLAIN"));
        r = wrongPassword.authenticate(token("\0alice\0nope"), (short) 2);
        assertThat(r.closeAfter()).isTrue();
        assertThat(r.response().getShort("ErrorCode")).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED.code());
        assertThat(r.response().getString("ErrorMessage")).contains("Invalid username or password");
        assertThat(wrongPassword.state()).isEqualTo(SaslAuthenticator.State.FAILED);
        assertThat(wrongPassword.allowsBeforeAuthentication(SaslAuthenticateApi.KEY)).isFalse();
    }

    @Test
    void illegalMovesThrow() {
        SaslAuthenticator a = authenticator();
        assertThatThrownBy(() -> a.authenticate(token("\0alice\0secret"), (short) 2)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(a::principal).isInstanceOf(IllegalStateException.class);
        a.handshake(handshake("PLAIN"));
        assertThatThrownBy(() -> a.handshake(handshake("PLAIN"))).isInstanceOf(IllegalStateException.class);
    }

    // ---------------------------------------------------------------- re-authentication (KIP-368)

    private static final SaslServerSettings REAUTH = new SaslServerSettings(List.of("PLAIN", "SCRAM-SHA-256"),
            Map.of("alice", "secret", "bob", "builder"), 0, 5_000, Map.of("PLAIN", 2_000L));

    private static SaslAuthenticator loggedIn(long[] clock) {
        SaslAuthenticator a = new SaslAuthenticator(REAUTH, ScramCredentialStore.EMPTY, new Random(3), () -> clock[0]);
        a.handshake(handshake("PLAIN"));
        SaslAuthenticator.Reply r = a.authenticate(token("\0alice\0secret"), (short) 2);
        assertThat(r.response().getLong("SessionLifetimeMs")).as("the PLAIN lifetime, not the listener's").isEqualTo(2_000L);
        return a;
    }

    @Test
    void aSessionEndsAfterItsLifetimeAndReauthenticationStartsANewOne() {
        long[] clock = {10_000};
        SaslAuthenticator a = loggedIn(clock);
        clock[0] += 1_999;
        assertThat(a.sessionExpired()).isFalse();
        clock[0] += 1;
        assertThat(a.sessionExpired()).isTrue();
        assertThat(a.isAuthenticated()).isTrue(); // the owner closes the connection on its next request
        // Re-authenticating (even late: Kafka lets a SaslHandshake through) with the same user starts a new session.
        assertThat(a.handshake(handshake("PLAIN")).response().getShort("ErrorCode")).isEqualTo(Errors.NONE.code());
        assertThat(a.state()).isEqualTo(SaslAuthenticator.State.REAUTHENTICATE);
        assertThat(a.allowsBeforeAuthentication(MetadataApi.KEY)).isFalse();
        SaslAuthenticator.Reply r = a.authenticate(token("\0alice\0secret"), (short) 1);
        assertThat(r.closeAfter()).isFalse();
        assertThat(r.response().getLong("SessionLifetimeMs")).isEqualTo(2_000L);
        assertThat(a.sessionExpired()).isFalse();
        clock[0] += 2_000;
        assertThat(a.sessionExpired()).isTrue();
    }

    @Test
    void reauthenticationMayNotChangeThePrincipalOrTheMechanism() {
        long[] clock = {0};
        SaslAuthenticator other = loggedIn(clock);
        other.handshake(handshake("PLAIN"));
        SaslAuthenticator.Reply r = other.authenticate(token("\0bob\0builder"), (short) 2);
        assertThat(r.closeAfter()).isTrue();
        assertThat(r.response().getShort("ErrorCode")).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED.code());
        assertThat(r.response().getString("ErrorMessage")).isEqualTo("Cannot change principals during re-authentication from User.alice: User.bob");
        assertThat(other.state()).isEqualTo(SaslAuthenticator.State.FAILED);

        SaslAuthenticator mechanism = loggedIn(clock);
        assertThat(mechanism.handshake(handshake("SCRAM-SHA-256")).closeAfter()).isFalse();
        assertThat(mechanism.state()).isEqualTo(SaslAuthenticator.State.REAUTH_BAD_MECHANISM);
        r = mechanism.authenticate(token("n,,n=alice,r=abc"), (short) 2);
        assertThat(r.closeAfter()).isTrue();
        assertThat(r.response().getString("ErrorMessage")).contains("not supported for re-authentication of mechanism 'PLAIN'");

        SaslAuthenticator wrong = loggedIn(clock);
        wrong.handshake(handshake("PLAIN"));
        assertThat(wrong.authenticate(token("\0alice\0nope"), (short) 2).closeAfter()).isTrue();
        assertThat(wrong.state()).isEqualTo(SaslAuthenticator.State.FAILED);
    }

    @Test
    void withoutALifetimeSessionsDoNotEnd() {
        long[] clock = {0};
        SaslAuthenticator a = new SaslAuthenticator(SETTINGS, ScramCredentialStore.EMPTY, new Random(3), () -> clock[0]);
        a.handshake(handshake("PLAIN"));
        assertThat(a.authenticate(token("\0alice\0secret"), (short) 2).response().getLong("SessionLifetimeMs")).isZero();
        clock[0] = Long.MAX_VALUE - 1;
        assertThat(a.sessionExpired()).isFalse();
    }
}
