package io.fjord.broker.security;

/**
 * The server side of one SASL exchange on one connection: each client token in, the next server token out, until
 * {@link #isComplete()}. Not thread-safe; owned by the connection's event loop.
 */
public interface SaslMechanismServer {
    /** The next server token for the client's token; a refused exchange throws {@link Failure}. */
    byte[] evaluate(byte[] clientToken) throws Failure;

    boolean isComplete();

    /** The authenticated user (valid once complete). */
    String authorizationId();

    /** Authentication failed; the message is what the client is told (never which part was wrong). */
    final class Failure extends Exception {
        public Failure(String message) {
            super(message);
        }
    }
}
