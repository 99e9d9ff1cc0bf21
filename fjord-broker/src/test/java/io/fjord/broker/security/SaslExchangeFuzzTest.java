package io.fjord.broker.security;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the server side of the SASL exchanges a client drives before it is authenticated: {@link PlainServer} and
 * {@link ScramServer} (SHA-256 and SHA-512). Input layout: byte 0 picks the mechanism (mod 3), a big-endian
 * uint16 gives the first token's length, the first token follows, and the rest is the second token (sent only if
 * the first was accepted and the exchange is not complete). The server's nonce source is seeded identically for
 * every input, so an exchange is a pure function of the input and the fuzzer can learn the nonce it must echo.
 *
 * <p>Properties: the only refusal is {@link SaslMechanismServer.Failure} (what the broker answers with
 * SASL_AUTHENTICATION_FAILED); an exchange completes only for the one configured user, and for SCRAM only with the
 * proof computed from that user's password; every input ends. Seeds ({@link #main} writes them): a good and a bad
 * PLAIN token, a SCRAM client-first, and full SCRAM exchanges with the correct proof for both hashes.
 */
class SaslExchangeFuzzTest {
    static final String USER = "alice";
    static final String PASSWORD = "alice-secret";
    private static final byte[] SALT = "fjord-fuzz-salt".getBytes(StandardCharsets.US_ASCII);
    private static final long NONCE_SEED = 20261201L;
    private static final Map<ScramMechanism, ScramCredential> CREDENTIALS = Map.of(
            ScramMechanism.SHA_256, ScramCredential.fromPassword(ScramMechanism.SHA_256, PASSWORD, SALT, 4096),
            ScramMechanism.SHA_512, ScramCredential.fromPassword(ScramMechanism.SHA_512, PASSWORD, SALT, 4096));
    private static final ScramCredentialStore STORE = (user, m) -> USER.equals(user) ? CREDENTIALS.get(m) : null;

    // Limits of one -Pfuzz-long run (fuzzing mode); the default suite replays the seeds only.
    @FuzzTest(maxDuration = "3m", maxExecutions = 1_000_000)
    void saslExchange(byte[] input) {
        if (input.length < 3) return;
        int which = (input[0] & 0xff) % 3;
        int firstLength = Math.min(((input[1] & 0xff) << 8) | (input[2] & 0xff), input.length - 3);
        byte[] first = Arrays.copyOfRange(input, 3, 3 + firstLength);
        byte[] second = Arrays.copyOfRange(input, 3 + firstLength, input.length);
        SaslMechanismServer server = which == 0 ? new PlainServer(Map.of(USER, PASSWORD))
                : new ScramServer(which == 1 ? ScramMechanism.SHA_256 : ScramMechanism.SHA_512, STORE, new Random(NONCE_SEED));
        try {
            server.evaluate(first);
            if (!server.isComplete()) server.evaluate(second);
        } catch (SaslMechanismServer.Failure refused) {
            assertThat(server.isComplete()).isFalse();
            return;
        }
        if (server.isComplete()) {
            assertThat(server.authorizationId()).isEqualTo(USER);
            if (which == 0) {
                assertThat(new String(first, StandardCharsets.UTF_8)).endsWith("\0" + USER + "\0" + PASSWORD);
            }
        }
    }

    @Test
    @Timeout(120)
    void mutatedSeeds() {
        List<byte[]> seeds = seeds();
        Random random = new Random(0x5a51L);
        int completed = 0;
        for (byte[] s : seeds) {
            saslExchange(s);
        }
        for (int i = 0; i < 3000; i++) {
            byte[] b = seeds.get(random.nextInt(seeds.size())).clone();
            for (int k = 1 + random.nextInt(3); k > 0 && b.length > 3; k--) {
                int at = 3 + random.nextInt(b.length - 3);
                switch (random.nextInt(4)) {
                    case 0 -> b[at] = (byte) ",=\0nrpcva".charAt(random.nextInt(9));
                    case 1 -> b = Arrays.copyOf(b, at);
                    case 2 -> b[at] ^= (byte) (1 << random.nextInt(8));
                    default -> b[at] = (byte) random.nextInt(256);
                }
            }
            try {
                saslExchange(b);
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError("mutant " + i + " failed: " + Base64.getEncoder().encodeToString(b), e);
            }
        }
        // The full-exchange seeds must really authenticate, or the mutants above never reach the proof check.
        for (byte[] s : seeds) if (completes(s)) completed++;
        assertThat(completed).isEqualTo(3);
    }

    private static boolean completes(byte[] input) {
        int which = (input[0] & 0xff) % 3;
        int firstLength = ((input[1] & 0xff) << 8) | (input[2] & 0xff);
        SaslMechanismServer server = which == 0 ? new PlainServer(Map.of(USER, PASSWORD))
                : new ScramServer(which == 1 ? ScramMechanism.SHA_256 : ScramMechanism.SHA_512, STORE, new Random(NONCE_SEED));
        try {
            server.evaluate(Arrays.copyOfRange(input, 3, 3 + firstLength));
            if (!server.isComplete()) server.evaluate(Arrays.copyOfRange(input, 3 + firstLength, input.length));
            return server.isComplete();
        } catch (SaslMechanismServer.Failure e) {
            return false;
        }
    }

    /** The seed inputs, computed: the SCRAM ones carry the client proof a real client would send. */
    static List<byte[]> seeds() {
        List<byte[]> out = new ArrayList<>();
        out.add(input(0, ("\0" + USER + "\0" + PASSWORD).getBytes(StandardCharsets.UTF_8), new byte[0]));
        out.add(input(0, ("bob\0bob\0wrong").getBytes(StandardCharsets.UTF_8), new byte[0]));
        out.add(input(1, "n,,n=alice,r=fuzznonce".getBytes(StandardCharsets.UTF_8), "c=biws,r=x,p=AAAA".getBytes(StandardCharsets.UTF_8)));
        out.add(scramExchange(1, ScramMechanism.SHA_256));
        out.add(scramExchange(2, ScramMechanism.SHA_512));
        return out;
    }

    private static byte[] scramExchange(int which, ScramMechanism m) {
        String clientFirstBare = "n=" + USER + ",r=fuzznonce";
        String clientFirst = "n,," + clientFirstBare;
        ScramServer server = new ScramServer(m, STORE, new Random(NONCE_SEED));
        String serverFirst;
        try {
            serverFirst = new String(server.evaluate(clientFirst.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        } catch (SaslMechanismServer.Failure e) {
            throw new IllegalStateException(e);
        }
        String nonce = serverFirst.substring(2, serverFirst.indexOf(','));
        String withoutProof = "c=" + Base64.getEncoder().encodeToString("n,,".getBytes(StandardCharsets.UTF_8)) + ",r=" + nonce;
        byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] salted = ScramCredential.saltedPassword(m, PASSWORD, SALT, 4096);
        byte[] clientKey = ScramCredential.hmac(m, salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
        byte[] signature = ScramCredential.hmac(m, ScramCredential.hash(m, clientKey), authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) proof[i] = (byte) (clientKey[i] ^ signature[i]);
        String clientFinal = withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
        return input(which, clientFirst.getBytes(StandardCharsets.UTF_8), clientFinal.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] input(int which, byte[] first, byte[] second) {
        return ByteBuffer.allocate(3 + first.length + second.length).put((byte) which).putShort((short) first.length)
                .put(first).put(second).array();
    }

    /** Writes {@link #seeds} as Jazzer's seed corpus: {@code main(src/test/resources)}. */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0], "io", "fjord", "broker", "security", "SaslExchangeFuzzTestInputs", "saslExchange");
        Files.createDirectories(dir);
        List<byte[]> seeds = seeds();
        String[] names = {"plain-ok", "plain-wrong", "scram-first-only", "scram-sha256-ok", "scram-sha512-ok"};
        for (int i = 0; i < seeds.size(); i++) Files.write(dir.resolve(names[i]), seeds.get(i));
    }
}
