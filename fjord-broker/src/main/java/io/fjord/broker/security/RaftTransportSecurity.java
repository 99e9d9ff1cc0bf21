package io.fjord.broker.security;

import io.fjord.broker.config.BrokerConfig;
import io.fjord.broker.config.ConfigException;
import io.fjord.broker.config.ListenerLayout;
import io.fjord.metadata.raft.RaftTls;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * How this node secures its Raft traffic (its Raft server, the appenders and votes to its peers, and its Raft
 * client): from the protocol of the controller listener, as Kafka decides it: the first name of
 * {@code controller.listener.names} looked up in {@code listener.security.protocol.map} (a broker-only node reads
 * its own map, as Kafka's brokers do). PLAINTEXT: plaintext gRPC. SSL: mutual TLS with the controller listener's
 * {@code ssl.keystore.*}/{@code ssl.truststore.*}, each read as {@code listener.name.<controller>.ssl.*} first, then
 * the broker-wide key ({@link ListenerSettings}, as the Kafka listeners resolve them). SASL is refused earlier, by
 * {@link ListenerLayout}: Ratis' gRPC channels cannot carry a login.
 *
 * <p>Why mutual TLS only: nothing authorizes requests on the Raft port (no ACL check inside Ratis), so a peer
 * that has not proven its identity must not reach it at all. A voter whose controller listener does not say
 * {@code ssl.client.auth=required} is refused at start rather than silently run stricter than declared. A
 * broker-only node's Raft listener (it receives the log from the leader) always asks for the leader's certificate.
 * With ACLs on, a trusted certificate is not enough: its principal must be a super user ({@link #peerCheck}).
 * Stateless.
 */
public final class RaftTransportSecurity {
    private RaftTransportSecurity() {
    }

    /**
     * Kafka's {@code ssl.endpoint.identification.algorithm}: https (the default) checks that the certificate of
     * the Raft server dialled names the host of its {@code controller.quorum.voters} entry; empty does not.
     */
    private static javax.net.ssl.TrustManager trustManager(TrustManagerFactory tmf, ListenerSettings s) {
        String algorithm = s.get("ssl.endpoint.identification.algorithm");
        String a = algorithm == null ? "" : algorithm.trim();
        javax.net.ssl.TrustManager tm = tmf.getTrustManagers()[0];
        if (a.equalsIgnoreCase("https")) return tm;
        if (!a.isEmpty()) {
            throw new ConfigException(s.source("ssl.endpoint.identification.algorithm") + "=" + algorithm
                    + ": the Raft port supports https or empty");
        }
        return new HostNameUncheckedTrustManager((javax.net.ssl.X509ExtendedTrustManager) tm);
    }

    /**
     * With ACLs on ({@code authorizer.class.name}), only {@code super.users} may use the Raft port: the principal of
     * the peer's certificate, mapped by the controller listener's {@code ssl.principal.mapping.rules}, must be one
     * (Kafka's controllers and brokers need CLUSTER ClusterAction, which their principals have as super users; ACL
     * bindings, which live in the very log this port replicates, are not consulted). Without an authorizer, every
     * trusted certificate is a member, as every principal is allowed everything then.
     */
    private static io.fjord.metadata.raft.RaftPeerCheck peerCheck(BrokerConfig config, ListenerSettings s) {
        if (io.fjord.broker.security.acl.AclAuthorizer.checkClassName(config.get("authorizer.class.name")).isEmpty()) return null;
        java.util.Set<String> superUsers = io.fjord.broker.security.acl.AclAuthorizer.parseSuperUsers(config.get("super.users"));
        SslPrincipalMapper mapper;
        try {
            mapper = SslPrincipalMapper.fromRules(s.get("ssl.principal.mapping.rules"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(s.source("ssl.principal.mapping.rules") + ": " + e.getMessage());
        }
        return certificate -> {
            String dn = certificate.getSubjectX500Principal().getName(javax.security.auth.x500.X500Principal.RFC2253);
            String principal;
            try {
                principal = KafkaPrincipal.user(mapper.name(dn)).toString();
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
            return superUsers.contains(principal) ? null : principal + " (certificate " + dn + ") is not in super.users";
        };
    }

    /** The Raft TLS of this node (null: PLAINTEXT, no controller listener, or no quorum); checked when the config loads. */
    public static RaftTls create(BrokerConfig config) {
        ListenerLayout layout = config.listenerLayout();
        if (layout.voters().isEmpty()) return null;
        List<String> names = layout.controllerListenerNames();
        if (names.isEmpty()) return null;
        String name = names.get(0);
        String protocol = layout.securityProtocols().get(name);
        if (protocol == null || protocol.equals("PLAINTEXT")) return null;
        if (!protocol.equals("SSL")) {
            // ListenerLayout refuses SASL on controller listeners; this guards against a path that skipped it.
            throw new ConfigException("controller listener " + name + " uses " + protocol + ": only PLAINTEXT and SSL"
                    + " are supported on the Raft port");
        }
        ListenerSettings s = new ListenerSettings(config, name);
        String what = "controller listener " + name + " (SSL, the Raft traffic)";
        if (layout.isController()) {
            String auth = s.get("ssl.client.auth");
            if (auth == null || !auth.trim().toLowerCase(Locale.ROOT).equals("required")) {
                throw new ConfigException(what + ": " + s.source("ssl.client.auth") + "=" + auth + ": the Raft port needs"
                        + " mutual TLS, set " + s.prefixed("ssl.client.auth") + "=required (nothing authorizes requests"
                        + " there, so every controller and broker must present a trusted certificate)");
            }
        }
        String keystore = s.get("ssl.keystore.location");
        if (keystore == null || keystore.isBlank()) {
            throw new ConfigException(what + ": " + s.prefixed("ssl.keystore.location") + " (or ssl.keystore.location) is"
                    + " not set: every node presents its certificate to the quorum");
        }
        String truststore = s.get("ssl.truststore.location");
        if (truststore == null || truststore.isBlank()) {
            throw new ConfigException(what + ": " + s.prefixed("ssl.truststore.location") + " (or ssl.truststore.location)"
                    + " is not set: the trust store decides which certificates may join the quorum");
        }
        try {
            String storePassword = SslEngineFactory.blankToNull(s.get("ssl.keystore.password"));
            String keyPassword = SslEngineFactory.blankToNull(s.get("ssl.key.password"));
            String kp = keyPassword != null ? keyPassword : storePassword; // Kafka's fallback
            KeyStore ks = SslEngineFactory.load(s.get("ssl.keystore.type"), keystore, storePassword, s.source("ssl.keystore.location"));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, kp == null ? null : kp.toCharArray());
            KeyStore ts = SslEngineFactory.load(s.get("ssl.truststore.type"), truststore,
                    SslEngineFactory.blankToNull(s.get("ssl.truststore.password")), s.source("ssl.truststore.location"));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            return new RaftTls(kmf.getKeyManagers()[0], trustManager(tmf, s), peerCheck(config, s));
        } catch (ConfigException e) {
            throw new ConfigException(what + ": " + e.getMessage());
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException(what + ": cannot set up TLS: " + e);
        }
    }
}
