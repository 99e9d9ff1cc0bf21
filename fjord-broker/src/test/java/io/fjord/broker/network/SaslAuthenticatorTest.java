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
}
