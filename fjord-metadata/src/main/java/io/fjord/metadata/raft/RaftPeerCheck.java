package io.fjord.metadata.raft;

import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.ratis.thirdparty.io.grpc.Grpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who, among the holders of a trusted certificate, may use a Raft server: judged on the certificate of the TLS
 * peer (its leaf certificate), for every call the server receives (votes, appends, snapshots, client and admin
 * requests). The trust store says which certificates are genuine; this says which of them are cluster members,
 * since one certificate authority often signs Kafka clients' certificates too.
 */
@FunctionalInterface
public interface RaftPeerCheck {
    /** Null if the holder of {@code certificate} may use the Raft server; otherwise why not (logged, not sent). */
    String refusal(X509Certificate certificate);

    /**
     * A gRPC server interceptor applying {@code check}: a call whose TLS peer is refused (or that arrived without
     * TLS or without a client certificate) is closed with PERMISSION_DENIED before Ratis sees it. Thread-safe.
     */
    static ServerInterceptor interceptor(RaftPeerCheck check) {
        Logger log = LoggerFactory.getLogger(RaftPeerCheck.class);
        return new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
                String refusal;
                SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
                if (session == null) {
                    refusal = "no TLS session";
                } else {
                    try {
                        refusal = session.getPeerCertificates()[0] instanceof X509Certificate x509
                                ? check.refusal(x509) : "not an X.509 certificate";
                    } catch (SSLPeerUnverifiedException e) {
                        refusal = "no client certificate";
                    }
                }
                if (refusal == null) return next.startCall(call, headers);
                log.warn("Raft call {} from {} refused: {}", call.getMethodDescriptor().getFullMethodName(),
                        call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), refusal);
                call.close(Status.PERMISSION_DENIED.withDescription("not a member of this cluster"), new Metadata());
                return new ServerCall.Listener<>() {
                };
            }
        };
    }
}
