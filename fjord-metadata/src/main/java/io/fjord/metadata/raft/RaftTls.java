package io.fjord.metadata.raft;

import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * Mutual TLS for every Raft connection of a node: its Raft server (voter or listener), the leader's log appenders
 * and vote requests to its peers, and its Raft client (registration, heartbeats, metadata writes, quorum queries).
 * Each side presents the certificate of {@code keyManager} and accepts only peers whose certificate
 * {@code trustManager} trusts, so a node without a trusted certificate can neither join the quorum nor talk to it.
 * Ratis' gRPC client also checks that the certificate names the host it dials (the host of the
 * {@code controller.quorum.voters} entry). {@code peerCheck} (null: none) narrows, on the server, the holders of
 * trusted certificates down to cluster members ({@link RaftPeerCheck}). Immutable; shared by all connections.
 *
 * <p>Why one configuration for all four Ratis roles (server, server-to-server client, admin, client): a Fjord
 * node serves them on one port and is, towards the quorum, a single identity.
 */
public record RaftTls(KeyManager keyManager, TrustManager trustManager, RaftPeerCheck peerCheck) {
    public RaftTls {
        if (keyManager == null || trustManager == null) throw new IllegalArgumentException("key and trust managers are required");
    }

    /** Every holder of a trusted certificate may use the Raft server. */
    public RaftTls(KeyManager keyManager, TrustManager trustManager) {
        this(keyManager, trustManager, null);
    }

    /** Sets this TLS configuration for the Ratis server, its peers' channels, the admin service and the client. */
    void applyTo(Parameters parameters) {
        GrpcTlsConfig conf = new GrpcTlsConfig(keyManager, trustManager, true);
        GrpcConfigKeys.TLS.setConf(parameters, conf);
        GrpcConfigKeys.Server.setTlsConf(parameters, conf);
        GrpcConfigKeys.Admin.setTlsConf(parameters, conf);
        GrpcConfigKeys.Client.setTlsConf(parameters, conf);
        if (peerCheck != null) {
            var interceptor = RaftPeerCheck.interceptor(peerCheck);
            GrpcConfigKeys.Server.setServicesCustomizer(parameters, (builder, services) -> builder.intercept(interceptor));
        }
    }

    /** Ratis parameters for a Raft server or client with {@code tls} (null: plaintext gRPC). */
    public static Parameters parameters(RaftTls tls) {
        Parameters p = new Parameters();
        if (tls != null) tls.applyTo(p);
        return p;
    }
}
