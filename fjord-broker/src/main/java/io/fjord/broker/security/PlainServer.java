package io.fjord.broker.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * SASL PLAIN (RFC 4616): one client message {@code [authzid] NUL authcid NUL password}, checked against the users
 * of the listener's JAAS config. An authorization id other than the user itself is refused, as Kafka refuses it.
 * Not thread-safe; one per exchange.
 */
public final class PlainServer implements SaslMechanismServer {
    private final Map<String, String> users;
    private String user;

    public PlainServer(Map<String, String> users) {
        this.users = users;
    }

    @Override
    public byte[] evaluate(byte[] token) throws Failure {
        if (user != null) throw new IllegalStateException("PLAIN takes one message");
        String s = new String(token, StandardCharsets.UTF_8);
        int a = s.indexOf('\0');
        int b = a < 0 ? -1 : s.indexOf('\0', a + 1);
        if (a < 0 || b < 0) throw new Failure("Invalid SASL/PLAIN response: expected 3 tokens");
        String authzid = s.substring(0, a);
        String username = s.substring(a + 1, b);
        String password = s.substring(b + 1);
        if (username.isEmpty()) throw new Failure("Authentication failed: username not specified");
        if (password.isEmpty()) throw new Failure("Authentication failed: password not specified");
        String expected = users.get(username);
        // Compare in constant time, and do the comparison even for unknown users, so timing tells nothing.
        byte[] want = (expected == null ? "\0unknown" : expected).getBytes(StandardCharsets.UTF_8);
        boolean ok = MessageDigest.isEqual(want, password.getBytes(StandardCharsets.UTF_8)) && expected != null;
        if (!ok) throw new Failure("Authentication failed: Invalid username or password");
        if (!authzid.isEmpty() && !authzid.equals(username)) {
            throw new Failure("Authentication failed: Client requested an authorization id that is different from username");
        }
        user = username;
        return new byte[0];
    }

    @Override
    public boolean isComplete() {
        return user != null;
    }

    @Override
    public String authorizationId() {
        if (user == null) throw new IllegalStateException("PLAIN exchange not complete");
        return user;
    }
}
