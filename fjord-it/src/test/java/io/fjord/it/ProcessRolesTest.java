package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.broker.FjordBroker;
import io.fjord.broker.config.BrokerConfig;
import io.fjord.metadata.raft.RaftController;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Node;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three controller-only nodes (the quorum) and two broker-only nodes (Raft listeners), in this JVM. */
class ProcessRolesTest {
    @TempDir
    Path dir;

    @Test
    void brokersFollowASeparateControllerQuorum() throws Exception {
        List<String> voters = new ArrayList<>();
        for (int id = 1; id <= 3; id++) voters.add(id + "@127.0.0.1:" + Clients.freePort());
        List<FjordBroker> controllers = new ArrayList<>();
        List<FjordBroker> brokers = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<FjordBroker>> started = new ArrayList<>();
            for (int id = 1; id <= 3; id++) {
                FjordBroker c = new FjordBroker(BrokerConfig.of(settings(id, "controller", voters)));
                controllers.add(c);
                started.add(pool.submit(c::start));
            }
            for (Future<FjordBroker> f : started) f.get(60, TimeUnit.SECONDS);
            for (int id = 4; id <= 5; id++) {
                Map<String, String> s = settings(id, "broker", voters);
                s.put("fjord.metadata.listener", "127.0.0.1:" + Clients.freePort());
                FjordBroker b = new FjordBroker(BrokerConfig.of(s));
                brokers.add(b);
                b.start();
            }
            // The controllers hold the quorum's image: two brokers, none of them a controller.
            Awaitility.await("every node sees both brokers").atMost(Duration.ofSeconds(30)).until(() ->
                    controllers.stream().allMatch(c -> c.controller().image().liveBrokers().keySet().equals(Set.of(4, 5)))
                            && brokers.stream().allMatch(b -> b.controller().image().liveBrokers().keySet().equals(Set.of(4, 5))));
            int active = ((RaftController) controllers.get(0).controller()).activeControllerId();
            assertThat(active).isIn(1, 2, 3);
            for (FjordBroker b : brokers) assertThat(((RaftController) b.controller()).isActive()).isFalse();
            String bootstrap = "127.0.0.1:" + brokers.get(0).port() + ",127.0.0.1:" + brokers.get(1).port();
            try (Admin admin = Clients.admin(bootstrap)) {
                Awaitility.await("both brokers listed").atMost(Duration.ofSeconds(30)).until(() ->
                        admin.describeCluster().nodes().get().size() == 2);
                assertThat(admin.describeCluster().nodes().get()).extracting(Node::id).containsExactlyInAnyOrder(4, 5);
                // Clients cannot reach a controller-only node: brokers name a live broker as the controller.
                assertThat(admin.describeCluster().controller().get().id()).isIn(4, 5);
                admin.createTopics(List.of(new NewTopic("roles", 4, (short) 2))).all().get(30, TimeUnit.SECONDS);
                // Both brokers (listeners) and all controllers apply it from the log.
                Awaitility.await("topic on every node").atMost(Duration.ofSeconds(15)).until(() ->
                        brokers.stream().allMatch(b -> b.controller().image().topic("roles") != null)
                                && controllers.stream().allMatch(c -> c.controller().image().topic("roles") != null));
                assertThat(brokers.get(1).controller().image().topic("roles").partitions())
                        .isEqualTo(controllers.get(active - 1).controller().image().topic("roles").partitions());
                Clients.createTopic(bootstrap, "roles-2", 1);
                // A broker that stops heartbeating is fenced by the active controller.
                brokers.get(1).close();
                Awaitility.await("broker 5 fenced").atMost(Duration.ofSeconds(15)).until(() ->
                        brokers.get(0).controller().image().isFenced(5));
                Awaitility.await("broker 5 no longer listed").atMost(Duration.ofSeconds(15)).until(() ->
                        admin.describeCluster().nodes().get().stream().map(Node::id).toList().equals(List.of(4)));
            }
        } finally {
            pool.shutdownNow();
            for (FjordBroker b : brokers) b.close();
            for (FjordBroker c : controllers) c.close();
        }
    }

    /**
     * A controller-only node whose controller listener is SSL (mutual TLS) and a broker-only node that reads the
     * controller listener's protocol from its own map (as Kafka's brokers do): the broker registers and writes
     * through the TLS quorum, and the leader sends the log to the broker's Raft listener over TLS too. The Raft
     * addresses are on 127.0.0.2, which the certificate does not name: a Ratis client checking host names (Kafka's
     * default https) is refused, and the nodes work because they say {@code ssl.endpoint.identification.algorithm=}.
     */
    @Test
    void brokerOnlyNodeFollowsAMutualTlsQuorum() throws Exception {
        TestCertificates certs = new TestCertificates(dir);
        Path keyStore = certs.keyStore("node", "CN=localhost,O=Fjord");
        Path trustStore = certs.trustStore("trust", "node");
        int raftPort = Clients.freePort();
        List<String> voters = List.of("1@127.0.0.2:" + raftPort);
        Map<String, String> tls = new LinkedHashMap<>();
        tls.put("controller.listener.names", "CONTROLLER");
        tls.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:SSL");
        tls.put("listener.name.controller.ssl.keystore.type", "PKCS12");
        tls.put("listener.name.controller.ssl.keystore.location", keyStore.toString());
        tls.put("listener.name.controller.ssl.keystore.password", TestCertificates.PASSWORD);
        tls.put("listener.name.controller.ssl.truststore.type", "PKCS12");
        tls.put("listener.name.controller.ssl.truststore.location", trustStore.toString());
        tls.put("listener.name.controller.ssl.truststore.password", TestCertificates.PASSWORD);
        tls.put("listener.name.controller.ssl.endpoint.identification.algorithm", "");
        Map<String, String> c = settings(1, "controller", voters);
        c.putAll(tls);
        c.put("listeners", "CONTROLLER://127.0.0.2:" + raftPort);
        c.put("listener.name.controller.ssl.client.auth", "required");
        Map<String, String> b = settings(2, "broker", voters);
        b.putAll(tls);
        b.put("fjord.metadata.listener", "127.0.0.2:" + Clients.freePort());
        FjordBroker controller = new FjordBroker(BrokerConfig.of(c));
        FjordBroker broker = new FjordBroker(BrokerConfig.of(b));
        try {
            controller.start();
            broker.start();
            Awaitility.await("the broker registered").atMost(Duration.ofSeconds(30)).until(() ->
                    controller.controller().image().liveBrokers().keySet().equals(Set.of(2)));
            String bootstrap = "127.0.0.1:" + broker.port();
            Clients.createTopic(bootstrap, "over-tls", 2);
            Awaitility.await("the topic reached the broker's copy of the log").atMost(Duration.ofSeconds(30)).until(() ->
                    broker.controller().image().topic("over-tls") != null && controller.controller().image().topic("over-tls") != null);
            assertThat(broker.controller().image().topic("over-tls").partitions())
                    .isEqualTo(controller.controller().image().topic("over-tls").partitions());
            assertThat(new RaftPortProbe("127.0.0.2", Map.of(1, raftPort)).refusal(RaftPortProbe.tls(keyStore, trustStore)))
                    .as("host name checked").hasStackTraceContaining("No subject alternative names matching IP address 127.0.0.2");
        } finally {
            broker.close();
            controller.close();
        }
    }

    private Map<String, String> settings(int id, String roles, List<String> voters) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("node.id", Integer.toString(id));
        s.put("process.roles", roles);
        s.put("controller.quorum.voters", String.join(",", voters));
        // A controller-only node lists only controller listeners (Kafka's rule); here it has none: Fjord's form,
        // where the Raft server binds the node's controller.quorum.voters entry.
        if (roles.contains("broker")) s.put("listeners", "PLAINTEXT://127.0.0.1:0");
        s.put("log.dirs", dir.resolve("node-" + id).toString());
        s.put("fjord.console.listener", "http://127.0.0.1:0");
        s.put("broker.session.timeout.ms", "3000");
        s.put("broker.heartbeat.interval.ms", "250");
        s.put("log.cleaner.enable", "false");
        s.put("offsets.topic.replication.factor", "1");
        return s;
    }
}
