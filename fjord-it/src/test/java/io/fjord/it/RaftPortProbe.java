package io.fjord.it;

import io.fjord.metadata.raft.RaftTls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;

/**
 * A Ratis client of its own, aimed at a cluster's Raft ports (node id to port, peer ids {@code n<id>} as Fjord
 * names them): asks the lowest node id's Raft server which groups it serves, plaintext or with given TLS material. Used to show
 * what the Raft port accepts. Each call builds and closes its own client; bounded by a 30 s wait.
 */
final class RaftPortProbe {
    private final String host;
    private final Map<Integer, Integer> raftPorts;

    RaftPortProbe(Map<Integer, Integer> raftPorts) {
        this("127.0.0.1", raftPorts);
    }

    /** Raft servers on {@code host}; the one asked is the lowest node id's. */
    RaftPortProbe(String host, Map<Integer, Integer> raftPorts) {
        this.host = host;
        this.raftPorts = new java.util.TreeMap<>(raftPorts);
    }

    /** TLS material from a PKCS12 key store and trust store made by {@link TestCertificates}. */
    static RaftTls tls(Path keyStore, Path trustStore) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(keyStore), TestCertificates.PASSWORD.toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load(trustStore));
        return new RaftTls(kmf.getKeyManagers()[0], tmf.getTrustManagers()[0]);
    }

    private static KeyStore load(Path p) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p)) {
            ks.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        return ks;
    }

    /** How many Raft groups the node asked says it serves; throws if it does not answer. */
    int groupsSeen(RaftTls tls) throws Exception {
        return ask(tls).get(30, TimeUnit.SECONDS);
    }

    /** The failure of asking the node (null if it answered). */
    Throwable refusal(RaftTls tls) throws Exception {
        try {
            ask(tls).get(30, TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
    }

    private CompletableFuture<Integer> ask(RaftTls tls) {
        return CompletableFuture.supplyAsync(() -> {
            List<RaftPeer> peers = new ArrayList<>();
            raftPorts.forEach((id, port) -> peers.add(RaftPeer.newBuilder().setId("n" + id).setAddress(host + ":" + port).build()));
            RaftProperties p = new RaftProperties();
            RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(3, TimeUnit.SECONDS));
            try (RaftClient client = RaftClient.newBuilder().setProperties(p).setParameters(RaftTls.parameters(tls))
                    .setRaftGroup(RaftGroup.valueOf(RaftGroupId.randomId(), peers))
                    .setRetryPolicy(RetryPolicies.noRetry()).build()) {
                return client.getGroupManagementApi(RaftPeerId.valueOf("n" + ((java.util.TreeMap<Integer, Integer>) raftPorts).firstKey())).list().getGroupIds().size();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }
}
