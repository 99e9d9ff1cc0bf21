package io.fjord.broker.security;

import io.fjord.broker.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * Server-side TLS for one listener with the JDK's engine, from Kafka's settings (each may be overridden per
 * listener as {@code listener.name.<l>.ssl.*}): {@code ssl.keystore.type/location/password}, {@code ssl.key.password},
 * {@code ssl.truststore.type/location/password} (absent: the JDK's default trust store), {@code ssl.client.auth}
 * ({@code none}, {@code requested}, {@code required}), {@code ssl.protocol}, {@code ssl.enabled.protocols},
 * {@code ssl.cipher.suites} (empty: the JDK's defaults). Key and trust stores are read once, at start; a store that
 * is missing or does not open stops the broker with a {@link ConfigException}. Thread-safe: each connection gets
 * its own engine.
 */
public final class SslEngineFactory {
    public enum ClientAuth { NONE, REQUESTED, REQUIRED }

    private final SSLContext context;
    private final ClientAuth clientAuth;
    private final String[] protocols;
    private final String[] cipherSuites;
    private final SslPrincipalMapper principalMapper;

    private SslEngineFactory(SSLContext context, ClientAuth clientAuth, String[] protocols, String[] cipherSuites,
                             SslPrincipalMapper principalMapper) {
        this.context = context;
        this.clientAuth = clientAuth;
        this.protocols = protocols;
        this.cipherSuites = cipherSuites;
        this.principalMapper = principalMapper;
    }

    /** Reads and checks the listener's TLS settings; a {@link ConfigException} names the key that is wrong. */
    public static SslEngineFactory create(ListenerSettings s) {
        return create(s, false);
    }

    /**
     * As {@link #create(ListenerSettings)}; on a SASL_SSL listener ({@code saslListener}) {@code ssl.client.auth} is
     * honoured only when set for the listener ({@code listener.name.<l>.ssl.client.auth}), as in Kafka: SASL already
     * authenticates the client there.
     */
    public static SslEngineFactory create(ListenerSettings s, boolean saslListener) {
        String what = "listener " + s.listener();
        String keystore = s.get("ssl.keystore.location");
        if (keystore == null || keystore.isBlank()) {
            throw new ConfigException(what + " uses TLS but " + s.prefixed("ssl.keystore.location") + " (or ssl.keystore.location)"
                    + " is not set: a TLS listener needs a key store with the broker's certificate");
        }
        String storePassword = blankToNull(s.get("ssl.keystore.password"));
        String keyPassword = blankToNull(s.get("ssl.key.password"));
        String kp = keyPassword == null || keyPassword.isEmpty() ? storePassword : keyPassword; // Kafka's fallback
        char[] keyPw = kp == null ? null : kp.toCharArray();
        try {
            KeyStore ks = load(s.get("ssl.keystore.type"), keystore, storePassword, s.source("ssl.keystore.location"));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, keyPw);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            String truststore = s.get("ssl.truststore.location");
            tmf.init(truststore == null || truststore.isBlank() ? null
                    : load(s.get("ssl.truststore.type"), truststore, blankToNull(s.get("ssl.truststore.password")), s.source("ssl.truststore.location")));
            SSLContext ctx = SSLContext.getInstance(s.get("ssl.protocol"));
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            boolean ownClientAuth = s.ownOnly("ssl.client.auth") != null;
            ClientAuth auth = saslListener && !ownClientAuth ? ClientAuth.NONE
                    : clientAuth(s.get("ssl.client.auth"), s.source("ssl.client.auth"));
            String[] protocols = list(s.get("ssl.enabled.protocols"));
            String[] ciphers = list(s.get("ssl.cipher.suites"));
            SSLParameters supported = ctx.getSupportedSSLParameters();
            checkSupported(protocols, supported.getProtocols(), s.source("ssl.enabled.protocols"));
            checkSupported(ciphers, supported.getCipherSuites(), s.source("ssl.cipher.suites"));
            SslPrincipalMapper mapper;
            try {
                mapper = SslPrincipalMapper.fromRules(s.get("ssl.principal.mapping.rules"));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage());
            }
            return new SslEngineFactory(ctx, auth, protocols, ciphers, mapper);
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException(what + ": cannot set up TLS: " + e);
        }
    }

    static KeyStore load(String type, String location, String password, String key) throws GeneralSecurityException, IOException {
        Path p = Path.of(location);
        if (!Files.isReadable(p)) throw new ConfigException(key + "=" + location + ": no such readable file");
        KeyStore ks = KeyStore.getInstance(type == null || type.isBlank() ? "JKS" : type);
        try (InputStream in = Files.newInputStream(p)) {
            ks.load(in, password == null ? null : password.toCharArray());
        } catch (IOException e) {
            throw new ConfigException(key + "=" + location + " cannot be opened (wrong password or type?): " + e.getMessage());
        }
        return ks;
    }

    static String blankToNull(String v) {
        return v == null || v.isEmpty() ? null : v;
    }

    private static ClientAuth clientAuth(String v, String key) {
        try {
            return ClientAuth.valueOf((v == null || v.isBlank() ? "none" : v.trim()).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("Invalid value " + v + " for configuration " + key + ": expected none, requested or required");
        }
    }

    private static String[] list(String v) {
        List<String> out = new ArrayList<>();
        if (v != null) for (String x : v.split(",")) if (!x.isBlank()) out.add(x.trim());
        return out.isEmpty() ? null : out.toArray(String[]::new);
    }

    private static void checkSupported(String[] wanted, String[] supported, String key) {
        if (wanted == null) return;
        List<String> have = List.of(supported);
        for (String w : wanted) {
            if (!have.contains(w)) throw new ConfigException(key + ": " + w + " is not supported by this JVM");
        }
    }

    /** A fresh server engine for one connection. */
    public SSLEngine newServerEngine() {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        if (protocols != null) engine.setEnabledProtocols(protocols);
        if (cipherSuites != null) engine.setEnabledCipherSuites(cipherSuites);
        switch (clientAuth) {
            case REQUIRED -> engine.setNeedClientAuth(true);
            case REQUESTED -> engine.setWantClientAuth(true);
            case NONE -> engine.setNeedClientAuth(false);
        }
        return engine;
    }

    public ClientAuth clientAuth() {
        return clientAuth;
    }

    public SslPrincipalMapper principalMapper() {
        return principalMapper;
    }
}
