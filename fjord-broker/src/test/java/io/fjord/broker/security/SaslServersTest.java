package io.fjord.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.SaslClient;
import org.apache.kafka.common.security.scram.ScramExtensionsCallback;
import org.apache.kafka.common.security.scram.internals.ScramSaslClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** PLAIN and SCRAM servers against kafka-clients' own SASL clients (the oracle) and hand-made bad messages. */
class SaslServersTest {
    private static byte[] plain(String authz, String user, String password) {
        return (authz + "\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void plainAcceptsKnownUsersOnly() throws Exception {
        Map<String, String> users = Map.of("alice", "secret");
        PlainServer ok = new PlainServer(users);
        assertThat(ok.evaluate(plain("", "alice", "secret"))).isEmpty();
        assertThat(ok.isComplete()).isTrue();
        assertThat(ok.authorizationId()).isEqualTo("alice");
        assertThatThrownBy(() -> new PlainServer(users).evaluate(plain("", "alice", "wrong")))
                .isInstanceOf(SaslMechanismServer.Failure.class).hasMessageContaining("Invalid username or password");
        assertThatThrownBy(() -> new PlainServer(users).evaluate(plain("", "bob", "secret")))
                .isInstanceOf(SaslMechanismServer.Failure.class).hasMessageContaining("Invalid username or password");
        assertThatThrownBy(() -> new PlainServer(users).evaluate(plain("root", "alice", "secret")))
                .isInstanceOf(SaslMechanismServer.Failure.class).hasMessageContaining("authorization id");
        assertThatThrownBy(() -> new PlainServer(users).evaluate("alice".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SaslMechanismServer.Failure.class);
    }

    private static SaslClient kafkaScramClient(ScramMechanism m, String user, String password) throws Exception {
        CallbackHandler handler = callbacks -> {
            for (Callback c : callbacks) {
                if (c instanceof NameCallback n) n.setName(user);
                else if (c instanceof PasswordCallback p) p.setPassword(password.toCharArray());
                else if (c instanceof ScramExtensionsCallback) continue;
                else throw new UnsupportedCallbackException(c);
            }
        };
        return new ScramSaslClient(org.apache.kafka.common.security.scram.internals.ScramMechanism.forMechanismName(m.mechanismName()), handler);
    }

    private static ScramCredentialStore store(ScramMechanism m, String user, String password) {
        byte[] salt = new byte[16];
        new Random(7).nextBytes(salt);
        ScramCredential c = ScramCredential.fromPassword(m, password, salt, 4096);
        return (u, mech) -> u.equals(user) && mech == m ? c : null;
    }

    @ParameterizedTest
    @EnumSource(ScramMechanism.class)
    void scramCompletesWithKafkasClientAndProvesItself(ScramMechanism m) throws Exception {
        SaslClient client = kafkaScramClient(m, "alice", "pw-\u00e9");
        ScramServer server = new ScramServer(m, store(m, "alice", "pw-\u00e9"), new Random(1));
        byte[] first = client.evaluateChallenge(new byte[0]);
        byte[] serverFirst = server.evaluate(first);
        byte[] clientFinal = client.evaluateChallenge(serverFirst);
        byte[] serverFinal = server.evaluate(clientFinal);
        client.evaluateChallenge(serverFinal); // Kafka's client checks the server signature and throws if wrong
        assertThat(client.isComplete()).isTrue();
        assertThat(server.isComplete()).isTrue();
        assertThat(server.authorizationId()).isEqualTo("alice");
    }

    @ParameterizedTest
    @EnumSource(ScramMechanism.class)
    void scramRefusesWrongPasswordsAndUnknownUsers(ScramMechanism m) throws Exception {
        SaslClient wrong = kafkaScramClient(m, "alice", "not-it");
        ScramServer server = new ScramServer(m, store(m, "alice", "right"), new Random(1));
        byte[] serverFirst = server.evaluate(wrong.evaluateChallenge(new byte[0]));
        byte[] clientFinal = wrong.evaluateChallenge(serverFirst);
        assertThatThrownBy(() -> server.evaluate(clientFinal)).isInstanceOf(SaslMechanismServer.Failure.class)
                .hasMessageContaining("Invalid user credentials");
        assertThat(server.isComplete()).isFalse();
        SaslClient unknown = kafkaScramClient(m, "mallory", "right");
        ScramServer server2 = new ScramServer(m, store(m, "alice", "right"), new Random(1));
        assertThatThrownBy(() -> server2.evaluate(unknown.evaluateChallenge(new byte[0])))
                .isInstanceOf(SaslMechanismServer.Failure.class).hasMessageContaining("Invalid user credentials");
        assertThatThrownBy(() -> server2.evaluate(new byte[0])).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void scramCredentialFromSaltedPasswordMatchesKafkasFormatter() throws Exception {
        var kafkaMechanism = org.apache.kafka.common.security.scram.internals.ScramMechanism.SCRAM_SHA_512;
        var formatter = new org.apache.kafka.common.security.scram.internals.ScramFormatter(kafkaMechanism);
        byte[] salt = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        var kafka = formatter.generateCredential(salt, formatter.hi(formatter.normalize("pw"), salt, 4096), 4096);
        ScramCredential ours = ScramCredential.fromPassword(ScramMechanism.SHA_512, "pw", salt, 4096);
        assertThat(ours.storedKey()).isEqualTo(kafka.storedKey());
        assertThat(ours.serverKey()).isEqualTo(kafka.serverKey());
    }
}
