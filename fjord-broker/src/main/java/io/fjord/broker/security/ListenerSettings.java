package io.fjord.broker.security;

import io.fjord.broker.config.BrokerConfig;
import java.util.Locale;

/**
 * One listener's view of the broker config: a key is read as {@code listener.name.<listener>.<key>} (listener name
 * in lower case, as Kafka writes it) if that is set, else as the plain key with Kafka's default. Immutable.
 */
public final class ListenerSettings {
    private final BrokerConfig config;
    private final String listener;
    private final String prefix;

    public ListenerSettings(BrokerConfig config, String listener) {
        this.config = config;
        this.listener = listener;
        this.prefix = "listener.name." + listener.toLowerCase(Locale.ROOT) + ".";
    }

    public String listener() {
        return listener;
    }

    /** The listener's own value of {@code key}, else the broker-wide one, else Kafka's default (may be null). */
    public String get(String key) {
        String own = config.isExplicit(prefix + key) ? config.get(prefix + key) : null;
        return own != null ? own : config.get(key);
    }

    /** The key under which the listener's value of {@code key} is found, for messages. */
    public String source(String key) {
        return config.isExplicit(prefix + key) ? prefix + key : key;
    }

    /** Only the per-listener key (no broker-wide fallback): used for {@code sasl.jaas.config}, which Kafka reads so. */
    public String ownOnly(String key) {
        return config.isExplicit(prefix + key) ? config.get(prefix + key) : null;
    }

    public String prefixed(String key) {
        return prefix + key;
    }
}
