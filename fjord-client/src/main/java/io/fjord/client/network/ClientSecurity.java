package io.fjord.client.network;

import io.fjord.client.common.ClientConfig;
import io.fjord.client.errors.FjordClientException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * The client side of Kafka's {@code security.protocol} (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL) with Kafka's
 * client keys: {@code ssl.truststore.*}, {@code ssl.keystore.*}, {@code ssl.key.password},
 * {@code ssl.endpoint.identification.algorithm} (default https: the broker's certificate must name the host
 * dialled), {@code ssl.protocol}, {@code sasl.mechanism} (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) and
 * {@code sasl.jaas.config} (its {@code username} and {@code password} options). Immutable; engines and exchanges
 * are made per connection.
 */
final class ClientSecurity {
    private final boolean tls;
    private final boolean sasl;
    private final SSLContext sslContext;
    private final String endpointIdentification;
    private final String mechanism;
    private final String username;
    private final String password;

    private ClientSecurity(boolean tls, boolean sasl, SSLContext sslContext, String endpointIdentification,
                           String mechanism, String username, String password) {
        this.tls = tls;
        this.sasl = sasl;
        this.sslContext = sslContext;
        this.endpointIdentification = endpointIdentification;
        this.mechanism = mechanism;
        this.username = username;
        this.password = password;
    }

    static ClientSecurity from(ClientConfig config) {
        String protocol = config.getString("security.protocol", "PLAINTEXT").trim().toUpperCase(Locale.ROOT);
        boolean tls = protocol.equals("SSL") || protocol.equals("SASL_SSL");
        boolean sasl = protocol.equals("SASL_PLAINTEXT") || protocol.equals("SASL_SSL");
        if (!tls && !sasl && !protocol.equals("PLAINTEXT")) {
            throw new FjordClientException("security.protocol " + protocol + " is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL");
        }
        SSLContext ctx = null;
        if (tls) {
            try {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(load(config, "ssl.truststore"));
                KeyManagerFactory kmf = null;
                KeyStore ks = load(config, "ssl.keystore");
                if (ks != null) {
                    kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                    String keyPw = config.getString("ssl.key.password", config.getString("ssl.keystore.password", ""));
                    kmf.init(ks, keyPw.toCharArray());
                }
                ctx = SSLContext.getInstance(config.getString("ssl.protocol", "TLSv1.3"));
                ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            } catch (java.security.GeneralSecurityException | java.io.IOException e) {
                throw new FjordClientException("cannot set up TLS: " + e, e);
            }
        }
        String mechanism = null;
        String user = null;
        String pw = null;
        if (sasl) {
            mechanism = config.getString("sasl.mechanism", "GSSAPI").trim().toUpperCase(Locale.ROOT);
            if (!List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512").contains(mechanism)) {
                throw new FjordClientException("sasl.mechanism " + mechanism + " is not supported (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)");
            }
            Map<String, String> options = jaasOptions(config.getString("sasl.jaas.config", ""));
            user = options.get("username");
            pw = options.get("password");
            if (user == null || pw == null) throw new FjordClientException("sasl.jaas.config needs username and password");
        }
        return new ClientSecurity(tls, sasl, ctx, config.getString("ssl.endpoint.identification.algorithm", "https"),
                mechanism, user, pw);
    }

    private static KeyStore load(ClientConfig config, String prefix) throws java.security.GeneralSecurityException, java.io.IOException {
        String location = config.getString(prefix + ".location", "");
        if (location.isBlank()) return null;
        KeyStore ks = KeyStore.getInstance(config.getString(prefix + ".type", "JKS"));
        String pw = config.getString(prefix + ".password", "");
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            ks.load(in, pw.isEmpty() ? null : pw.toCharArray());
        }
        return ks;
    }

    /** The options of a one-module JAAS text: {@code Module required key="value" ...;}. */
    static Map<String, String> jaasOptions(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\w+)\\s*=\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|([^\\s;]+))").matcher(text);
        while (m.find()) out.put(m.group(1), m.group(3) != null ? m.group(3).replaceAll("\\\\(.)", "$1") : m.group(4));
        return out;
    }

    boolean usesTls() {
        return tls;
    }

    boolean usesSasl() {
        return sasl;
    }

    String mechanism() {
        return mechanism;
    }

    SSLEngine newEngine(String host, int port) {
        SSLEngine e = sslContext.createSSLEngine(host, port);
        e.setUseClientMode(true);
        if (endpointIdentification != null && !endpointIdentification.isBlank()) {
            SSLParameters p = e.getSSLParameters();
            p.setEndpointIdentificationAlgorithm(endpointIdentification.toUpperCase(Locale.ROOT));
            e.setSSLParameters(p);
        }
        return e;
    }

    SaslClientExchange newSaslExchange(Random random) {
        return mechanism.equals("PLAIN") ? SaslClientExchange.plain(username, password)
                : SaslClientExchange.scram(mechanism, username, password, random);
    }

    static String base64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    static List<String> csv(String s) {
        List<String> out = new ArrayList<>();
        for (String x : s.split(",")) if (!x.isBlank()) out.add(x.trim());
        return out;
    }
}
