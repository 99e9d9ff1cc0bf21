package io.fjord.broker.security;

import io.fjord.broker.config.BrokerConfig;
import io.fjord.broker.config.ConfigException;

/**
 * How one Kafka listener secures its connections: its protocol (from {@code listener.security.protocol.map}), the
 * TLS engine factory when the protocol uses TLS, and the SASL settings when it uses SASL. Built and checked when
 * the config loads, so a listener named SSL or SASL_* without what that protocol needs stops the broker with an
 * error instead of serving unprotected Kafka on its port. Immutable.
 */
public record ListenerSecurity(String listener, SecurityProtocol protocol, SslEngineFactory ssl, SaslServerSettings sasl) {
    public static ListenerSecurity create(BrokerConfig config, BrokerConfig.Listener l, String protocolName) {
        SecurityProtocol protocol = SecurityProtocol.forName(protocolName);
        ListenerSettings settings = new ListenerSettings(config, l.name());
        String what = "listener " + l.name() + "://" + l.host() + ":" + l.port();
        SslEngineFactory ssl = null;
        if (protocol.usesTls()) {
            try {
                ssl = SslEngineFactory.create(settings);
            } catch (ConfigException e) {
                throw new ConfigException(what + " (" + protocol + "): " + e.getMessage());
            }
        }
        SaslServerSettings sasl = null;
        if (protocol.usesSasl()) {
            try {
                sasl = SaslServerSettings.create(settings);
            } catch (ConfigException e) {
                throw new ConfigException(what + " (" + protocol + "): " + e.getMessage());
            }
        }
        return new ListenerSecurity(l.name(), protocol, ssl, sasl);
    }
}
