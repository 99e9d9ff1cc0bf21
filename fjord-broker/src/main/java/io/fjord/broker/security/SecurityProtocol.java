package io.fjord.broker.security;

import java.util.Locale;

/** Kafka's four listener security protocols: whether the bytes are wrapped in TLS and whether SASL comes first. */
public enum SecurityProtocol {
    PLAINTEXT(false, false),
    SSL(true, false),
    SASL_PLAINTEXT(false, true),
    SASL_SSL(true, true);

    private final boolean tls;
    private final boolean sasl;

    SecurityProtocol(boolean tls, boolean sasl) {
        this.tls = tls;
        this.sasl = sasl;
    }

    public boolean usesTls() {
        return tls;
    }

    public boolean usesSasl() {
        return sasl;
    }

    public static SecurityProtocol forName(String name) {
        return valueOf(name.trim().toUpperCase(Locale.ROOT));
    }
}
