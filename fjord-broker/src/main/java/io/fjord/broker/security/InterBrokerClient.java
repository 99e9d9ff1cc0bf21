package io.fjord.broker.security;

import io.fjord.broker.config.BrokerConfig;
import io.fjord.broker.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The client settings a broker's own connections to other brokers (replica fetchers) use: the protocol of
 * {@code inter.broker.listener.name}, that listener's key and trust stores (the broker presents its own
 * certificate and trusts what its listener trusts) and, on SASL, {@code sasl.mechanism.inter.broker.protocol} with
 * the {@code username}/{@code password} of the listener's JAAS config for that mechanism, as in Kafka.
 */
public final class InterBrokerClient {
    private InterBrokerClient() {
    }

    /** Kafka client keys (security.protocol, ssl.*, sasl.*) for the inter-broker listener; checked when the config loads. */
    public static Map<String, Object> settings(BrokerConfig config) {
        Map<String, Object> out = new LinkedHashMap<>();
        String listener = config.listenerLayout().interBrokerListenerName();
        if (listener == null) return out;
        ListenerSecurity sec = config.listenerSecurity(listener);
        if (sec == null) return out;
        ListenerSettings s = new ListenerSettings(config, listener);
        out.put("security.protocol", sec.protocol().name());
        if (sec.protocol().usesTls()) {
            for (String k : new String[] {"ssl.truststore.location", "ssl.truststore.type", "ssl.truststore.password",
                    "ssl.keystore.location", "ssl.keystore.type", "ssl.keystore.password", "ssl.key.password",
                    "ssl.endpoint.identification.algorithm", "ssl.protocol"}) {
                String v = s.get(k);
                if (v != null && !v.isEmpty()) out.put(k, v);
            }
            // Kafka's default (https) checks the peer's host name; an explicitly empty value turns it off.
            if (config.isExplicit(s.source("ssl.endpoint.identification.algorithm")) && s.get("ssl.endpoint.identification.algorithm").isEmpty()) {
                out.put("ssl.endpoint.identification.algorithm", "");
            }
        }
        if (sec.protocol().usesSasl()) {
            String mechanism = config.get("sasl.mechanism.inter.broker.protocol").trim().toUpperCase(Locale.ROOT);
            if (!sec.sasl().mechanisms().contains(mechanism)) {
                throw new ConfigException("sasl.mechanism.inter.broker.protocol=" + mechanism + " is not enabled on the"
                        + " inter-broker listener " + listener + " (" + s.source("sasl.enabled.mechanisms") + "="
                        + String.join(",", sec.sasl().mechanisms()) + ")");
            }
            String key = mechanism.toLowerCase(Locale.ROOT) + ".sasl.jaas.config";
            String jaas = s.ownOnly(key);
            if (jaas == null || jaas.isBlank()) jaas = config.get("sasl.jaas.config");
            JaasConfig parsed;
            try {
                parsed = JaasConfig.parse(jaas == null ? "" : jaas);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(s.prefixed(key) + ": " + e.getMessage());
            }
            if (!parsed.options().containsKey("username") || !parsed.options().containsKey("password")) {
                throw new ConfigException(s.prefixed(key) + " needs username and password: the broker logs in to other"
                        + " brokers with them (sasl.mechanism.inter.broker.protocol=" + mechanism + ")");
            }
            out.put("sasl.mechanism", mechanism);
            out.put("sasl.jaas.config", jaas);
        }
        return out;
    }
}
