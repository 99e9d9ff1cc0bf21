package io.fjord.broker.security;

import io.fjord.broker.config.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One SASL listener's server settings: {@code sasl.enabled.mechanisms} (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512),
 * PLAIN's users from {@code listener.name.<l>.plain.sasl.jaas.config} (options {@code user_<name>="<password>"},
 * Kafka's PlainLoginModule form; {@code sasl.jaas.config} when the listener has none),
 * {@code connection.failed.authentication.delay.ms} and {@code connections.max.reauth.ms}. Immutable.
 */
public record SaslServerSettings(List<String> mechanisms, Map<String, String> plainUsers, long failedAuthDelayMs,
                                 long maxReauthMs, Map<String, Long> maxReauthMsByMechanism) {
    public SaslServerSettings(List<String> mechanisms, Map<String, String> plainUsers, long failedAuthDelayMs, long maxReauthMs) {
        this(mechanisms, plainUsers, failedAuthDelayMs, maxReauthMs, Map.of());
    }

    /**
     * The session lifetime of a login with {@code mechanism} (0: sessions do not end): Kafka's
     * {@code listener.name.<l>.<mechanism, lower case>.connections.max.reauth.ms}, else the listener's or broker's
     * {@code connections.max.reauth.ms}.
     */
    public long maxReauthMs(String mechanism) {
        return maxReauthMsByMechanism.getOrDefault(mechanism, maxReauthMs);
    }

    public static final String PLAIN = "PLAIN";
    public static final List<String> SUPPORTED = List.of(PLAIN, ScramMechanism.SHA_256.mechanismName(),
            ScramMechanism.SHA_512.mechanismName());
    private static final String PLAIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";

    static SaslServerSettings create(ListenerSettings s) {
        List<String> mechanisms = new ArrayList<>();
        for (String m : s.get("sasl.enabled.mechanisms").split(",")) {
            if (m.isBlank()) continue;
            String name = m.trim().toUpperCase(Locale.ROOT);
            if (!SUPPORTED.contains(name)) {
                throw new ConfigException(s.source("sasl.enabled.mechanisms") + " names " + name + ", which Fjord does not"
                        + " support; supported: " + String.join(", ", SUPPORTED));
            }
            mechanisms.add(name);
        }
        if (mechanisms.isEmpty()) throw new ConfigException(s.source("sasl.enabled.mechanisms") + " is empty");
        Map<String, String> users = new LinkedHashMap<>();
        if (mechanisms.contains(PLAIN)) {
            String key = "plain.sasl.jaas.config";
            String text = s.ownOnly(key);
            String source = s.prefixed(key);
            if (text == null) {
                text = s.get("sasl.jaas.config");
                source = "sasl.jaas.config";
            }
            if (text == null || text.isBlank()) {
                throw new ConfigException("SASL mechanism PLAIN is enabled but " + s.prefixed(key) + " is not set (users"
                        + " as " + PLAIN_MODULE + " required user_<name>=\"<password>\";)");
            }
            JaasConfig jaas;
            try {
                jaas = JaasConfig.parse(text);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source + ": " + e.getMessage());
            }
            if (!jaas.loginModule().equals(PLAIN_MODULE)) {
                throw new ConfigException(source + " names " + jaas.loginModule() + "; PLAIN needs " + PLAIN_MODULE);
            }
            jaas.options().forEach((k, v) -> {
                if (k.startsWith("user_")) users.put(k.substring("user_".length()), v);
            });
        }
        long delay = parseLong(s, "connection.failed.authentication.delay.ms");
        long reauth = parseLong(s, "connections.max.reauth.ms");
        Map<String, Long> byMechanism = new LinkedHashMap<>();
        for (String m : mechanisms) {
            String key = m.toLowerCase(Locale.ROOT) + ".connections.max.reauth.ms";
            if (s.ownOnly(key) != null) byMechanism.put(m, parseLong(s, key));
        }
        return new SaslServerSettings(List.copyOf(mechanisms), Map.copyOf(users), delay, reauth, Map.copyOf(byMechanism));
    }

    private static long parseLong(ListenerSettings s, String key) {
        try {
            long v = Long.parseLong(s.get(key).trim());
            if (v < 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException | NullPointerException e) {
            throw new ConfigException("Invalid value " + s.get(key) + " for configuration " + s.source(key) + ": not a number >= 0");
        }
    }
}
