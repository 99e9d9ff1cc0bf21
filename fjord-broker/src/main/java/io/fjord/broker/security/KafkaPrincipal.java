package io.fjord.broker.security;

/**
 * Who sent a request, as Kafka names it: {@code User:alice}, {@code User:CN=client,O=acme}, or
 * {@code User:ANONYMOUS} on an unauthenticated connection (PLAINTEXT, or TLS without a client certificate).
 */
public record KafkaPrincipal(String type, String name) {
    public static final String USER_TYPE = "User";
    public static final KafkaPrincipal ANONYMOUS = new KafkaPrincipal(USER_TYPE, "ANONYMOUS");

    public static KafkaPrincipal user(String name) {
        return new KafkaPrincipal(USER_TYPE, name);
    }

    @Override
    public String toString() {
        return type + ":" + name;
    }
}
