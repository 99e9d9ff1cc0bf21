package io.fjord.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.broker.config.BrokerConfig.Listener;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Kafka's KRaft listener rules as Fjord applies them (ListenerLayout, reached through BrokerConfig). */
class ListenerLayoutTest {
    private static final String VOTERS = "1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097";

    /** A node configured as Kafka 4's documentation does for a three-node combined cluster. */
    private static Map<String, String> kafkaCombined() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("process.roles", "broker,controller");
        m.put("node.id", "1");
        m.put("controller.listener.names", "CONTROLLER");
        m.put("listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093");
        m.put("advertised.listeners", "PLAINTEXT://127.0.0.1:9092");
        m.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        m.put("inter.broker.listener.name", "PLAINTEXT");
        m.put("controller.quorum.voters", VOTERS);
        return m;
    }

    private static Map<String, String> with(Map<String, String> m, String... kv) {
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == null) m.remove(kv[i]);
            else m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static void refused(Map<String, String> m, String... fragments) {
        assertThatThrownBy(() -> BrokerConfig.of(m)).isInstanceOf(ConfigException.class).message().contains(fragments);
    }

    @Test
    void kafkaCombinedFormServesOnlyThePlaintextListenerAndBindsRaftOnTheControllerListener() {
        BrokerConfig c = BrokerConfig.of(kafkaCombined());
        assertThat(c.listeners()).containsExactly(new Listener("PLAINTEXT", "127.0.0.1", 9092));
        assertThat(c.advertisedListeners()).containsExactly(new Listener("PLAINTEXT", "127.0.0.1", 9092));
        ListenerLayout l = c.listenerLayout();
        assertThat(l.raftEndpoint()).isEqualTo(new ListenerLayout.RaftEndpoint("listener CONTROLLER (Raft)", "127.0.0.1", 9093));
        assertThat(l.interBrokerListenerName()).isEqualTo("PLAINTEXT");
        assertThat(l.isBroker()).isTrue();
        assertThat(l.isController()).isTrue();
    }

    @Test
    void withoutASecurityProtocolMapKafkasDefaultMapsTheControllerListenerToPlaintext() {
        BrokerConfig c = BrokerConfig.of(with(kafkaCombined(), "listener.security.protocol.map", null));
        assertThat(c.listenerLayout().securityProtocols()).containsEntry("CONTROLLER", "PLAINTEXT")
                .containsEntry("SASL_SSL", "SASL_SSL").containsEntry("SSL", "SSL").containsEntry("PLAINTEXT", "PLAINTEXT")
                .containsEntry("SASL_PLAINTEXT", "SASL_PLAINTEXT");
        assertThat(c.listenerLayout().raftEndpoint().port()).isEqualTo(9093);
    }

    @Test
    void withAnExplicitMapAListenerItDoesNotNameIsRefused() {
        refused(with(kafkaCombined(), "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT"),
                "No security protocol defined for listener CONTROLLER");
    }

    @Test
    void listenerNamesAreCaseInsensitiveAsInKafka() {
        BrokerConfig c = BrokerConfig.of(with(kafkaCombined(), "listeners", "plaintext://127.0.0.1:9092,controller://127.0.0.1:9093"));
        assertThat(c.listeners()).extracting(Listener::name).containsExactly("PLAINTEXT");
    }

    @Test
    void controllerListenerPortMustBeTheVoterEntrysPort() {
        refused(with(kafkaCombined(), "listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9099"),
                "CONTROLLER://127.0.0.1:9099", "1@127.0.0.1:9093", "different ports");
    }

    @Test
    void controllerListenerBindsItsOwnHostWhileVotersDialTheEntry() {
        BrokerConfig c = BrokerConfig.of(with(kafkaCombined(), "listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://:9093"));
        assertThat(c.listenerLayout().raftEndpoint().address()).isEqualTo("0.0.0.0:9093");
    }

    @Test
    void secureListenersWithoutWhatTheirProtocolNeedsAreRefusedNamingListenerAndSetting() {
        String withSasl = "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093,SASL_SSL://127.0.0.1:9094";
        // SASL_SSL without a key store: refused rather than served as plain Kafka.
        refused(with(kafkaCombined(), "listeners", withSasl, "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL"),
                "listener SASL_SSL://127.0.0.1:9094", "ssl.keystore.location");
        // Kafka's default map: with an SSL or SASL name in use, the controller listener is not mapped implicitly.
        refused(with(kafkaCombined(), "listeners", withSasl, "listener.security.protocol.map", null),
                "No security protocol defined for listener CONTROLLER");
        // An SSL controller listener runs the Raft traffic in mutual TLS: without client auth required it is refused,
        // and without a key store too.
        refused(with(kafkaCombined(), "listener.security.protocol.map", "CONTROLLER:SSL,PLAINTEXT:PLAINTEXT"),
                "controller listener CONTROLLER (SSL, the Raft traffic)", "listener.name.controller.ssl.client.auth=required");
        refused(with(kafkaCombined(), "listener.security.protocol.map", "CONTROLLER:SSL,PLAINTEXT:PLAINTEXT",
                        "listener.name.controller.ssl.client.auth", "required"),
                "controller listener CONTROLLER (SSL, the Raft traffic)", "listener.name.controller.ssl.keystore.location");
        // SASL cannot be carried by Ratis' gRPC: refused naming the map and the mutual TLS way.
        refused(with(kafkaCombined(), "listener.security.protocol.map", "CONTROLLER:SASL_SSL,PLAINTEXT:PLAINTEXT"),
                "controller listener CONTROLLER://127.0.0.1:9093", "SASL is not supported on controller listeners",
                "Map CONTROLLER to SSL in listener.security.protocol.map", "listener.name.controller.ssl.client.auth=required");
        // SASL with Kafka's default mechanism (GSSAPI), which Fjord does not offer.
        refused(with(kafkaCombined(), "listeners", "CLIENT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093",
                        "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,CLIENT:SASL_PLAINTEXT",
                        "advertised.listeners", null, "inter.broker.listener.name", "CLIENT"),
                "listener CLIENT://127.0.0.1:9092", "sasl.enabled.mechanisms names GSSAPI");
        // PLAIN without users.
        refused(with(kafkaCombined(), "listeners", "CLIENT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093",
                        "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,CLIENT:SASL_PLAINTEXT",
                        "advertised.listeners", null, "inter.broker.listener.name", "CLIENT", "sasl.enabled.mechanisms", "PLAIN"),
                "listener CLIENT://127.0.0.1:9092", "listener.name.client.plain.sasl.jaas.config");
    }

    @Test
    void aSaslPlaintextListenerWithUsersIsAccepted() {
        BrokerConfig c = BrokerConfig.of(with(kafkaCombined(), "listeners", "CLIENT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093",
                "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,CLIENT:SASL_PLAINTEXT",
                "advertised.listeners", null, "inter.broker.listener.name", "CLIENT", "sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512",
                "sasl.mechanism.inter.broker.protocol", "PLAIN", "listener.name.client.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=bob password=b user_alice=\"a s\" user_bob=b;"));
        io.fjord.broker.security.ListenerSecurity sec = c.listenerSecurity("CLIENT");
        assertThat(sec.protocol()).isEqualTo(io.fjord.broker.security.SecurityProtocol.SASL_PLAINTEXT);
        assertThat(sec.sasl().mechanisms()).containsExactly("PLAIN", "SCRAM-SHA-512");
        assertThat(sec.sasl().plainUsers()).containsExactlyInAnyOrderEntriesOf(Map.of("alice", "a s", "bob", "b"));
        assertThat(io.fjord.broker.security.InterBrokerClient.settings(c)).containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("sasl.mechanism", "PLAIN");
    }

    @Test
    void sslClientAuthReachesASaslSslListenerOnlyWhenSetForIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path ks = dir.resolve("ks.p12");
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (var out = java.nio.file.Files.newOutputStream(ks)) {
            store.store(out, "pw".toCharArray());
        }
        String[] base = {"listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093,SECURE://127.0.0.1:9094,MTLS://127.0.0.1:9095",
                "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SECURE:SASL_SSL,MTLS:SSL",
                "ssl.keystore.type", "PKCS12", "ssl.keystore.location", ks.toString(), "ssl.keystore.password", "pw",
                "ssl.client.auth", "required", "sasl.enabled.mechanisms", "SCRAM-SHA-256"};
        BrokerConfig c = BrokerConfig.of(with(kafkaCombined(), base));
        assertThat(c.listenerSecurity("SECURE").ssl().clientAuth()).isEqualTo(io.fjord.broker.security.SslEngineFactory.ClientAuth.NONE);
        assertThat(c.listenerSecurity("MTLS").ssl().clientAuth()).isEqualTo(io.fjord.broker.security.SslEngineFactory.ClientAuth.REQUIRED);
        BrokerConfig own = BrokerConfig.of(with(with(kafkaCombined(), base), "listener.name.secure.ssl.client.auth", "requested"));
        assertThat(own.listenerSecurity("SECURE").ssl().clientAuth()).isEqualTo(io.fjord.broker.security.SslEngineFactory.ClientAuth.REQUESTED);
    }

    @Test
    void theInterBrokerLoginMustBeEnabledAndHaveCredentials() {
        String[] base = {"listeners", "CLIENT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093",
                "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,CLIENT:SASL_PLAINTEXT",
                "advertised.listeners", null, "inter.broker.listener.name", "CLIENT", "sasl.enabled.mechanisms", "PLAIN"};
        String users = "org.apache.kafka.common.security.plain.PlainLoginModule required user_alice=a;";
        refused(with(with(kafkaCombined(), base), "listener.name.client.plain.sasl.jaas.config", users),
                "sasl.mechanism.inter.broker.protocol=GSSAPI is not enabled on the inter-broker listener CLIENT");
        refused(with(with(kafkaCombined(), base), "listener.name.client.plain.sasl.jaas.config", users,
                "sasl.mechanism.inter.broker.protocol", "PLAIN"), "listener.name.client.plain.sasl.jaas.config needs username and password");
    }

    @Test
    void unknownSecurityProtocolInTheMapIsRefused() {
        refused(with(kafkaCombined(), "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:TLS"),
                "Invalid security protocol `TLS` defined in listener.security.protocol.map");
    }

    @Test
    void advertisedControllerListenerIsAcceptedButNeverToldToClients() {
        BrokerConfig c = BrokerConfig.of(with(kafkaCombined(), "advertised.listeners",
                "PLAINTEXT://broker-1.example:9092,CONTROLLER://broker-1.example:9093"));
        assertThat(c.advertisedListeners()).containsExactly(new Listener("PLAINTEXT", "broker-1.example", 9092));
    }

    @Test
    void advertisedListenersFollowKafkasRules() {
        refused(with(kafkaCombined(), "advertised.listeners", "EXTERNAL://example:9092"),
                "advertised.listeners listener names must be equal to or a subset of the ones defined in listeners");
        refused(with(kafkaCombined(), "advertised.listeners", "PLAINTEXT://0.0.0.0:9092"), "nonroutable meta-address 0.0.0.0");
    }

    @Test
    void allListenersBeingControllerListenersLeavesABrokerWithoutAKafkaListener() {
        refused(with(kafkaCombined(), "listeners", "CONTROLLER://127.0.0.1:9093", "advertised.listeners", null),
                "There must be at least one broker advertised listener. Perhaps all listeners appear in controller.listener.names?");
    }

    @Test
    void interBrokerListenerMustBeAnAdvertisedBrokerListener() {
        refused(with(kafkaCombined(), "inter.broker.listener.name", "CONTROLLER"),
                "inter.broker.listener.name must be a listener name defined in advertised.listeners");
        refused(with(kafkaCombined(), "inter.broker.listener.name", "REPLICATION"),
                "REPLICATION defined in inter.broker.listener.name not found in listener.security.protocol.map");
        refused(with(kafkaCombined(), "security.inter.broker.protocol", "PLAINTEXT"),
                "Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.");
    }

    @Test
    void aControllerListenerNeedsTheVoterSetAndTheNodeMustBeAVoter() {
        refused(with(kafkaCombined(), "controller.quorum.voters", null), "controller.quorum.voters is empty");
        refused(with(kafkaCombined(), "node.id", "4"),
                "If process.roles contains the 'controller' role, the node id 4 must be included in the set of voters");
    }

    @Test
    void duplicateListenerNamesOrPortsAreRefused() {
        refused(with(kafkaCombined(), "listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093,PLAINTEXT://127.0.0.1:9094"),
                "Each listener must have a different name");
        refused(with(kafkaCombined(), "listeners", "PLAINTEXT://127.0.0.1:9093,CONTROLLER://127.0.0.1:9093"),
                "Each listener must have a different port");
    }

    @Test
    void aBrokerListenerOnTheFjordFormsRaftPortIsRefusedBeforeBinding() {
        refused(with(new LinkedHashMap<>(), "node.id", "1", "controller.quorum.voters", VOTERS, "listeners", "PLAINTEXT://127.0.0.1:9093"),
                "listener PLAINTEXT://127.0.0.1:9093", "controller.quorum.voters entry 1@127.0.0.1:9093", "same port");
    }

    @Test
    void dynamicQuorumBootstrapServersAreRefusedWithAClearMessage() {
        refused(with(kafkaCombined(), "controller.quorum.voters", null, "controller.quorum.bootstrap.servers", "127.0.0.1:9093"),
                "controller.quorum.bootstrap.servers", "not supported", "controller.quorum.voters");
        // With the static voter set given too, the voters are used (as Kafka does).
        BrokerConfig c = BrokerConfig.of(with(kafkaCombined(), "controller.quorum.bootstrap.servers", "127.0.0.1:9093"));
        assertThat(c.listenerLayout().voters()).hasSize(3);
    }

    @Test
    void brokerOnlyNodeMustNotDeclareTheControllerListener() {
        Map<String, String> broker = with(kafkaCombined(), "process.roles", "broker", "node.id", "4",
                "listeners", "PLAINTEXT://127.0.0.1:9092", "fjord.metadata.listener", "127.0.0.1:9191");
        BrokerConfig c = BrokerConfig.of(broker);
        assertThat(c.listeners()).extracting(Listener::name).containsExactly("PLAINTEXT");
        assertThat(c.listenerLayout().raftEndpoint()).isEqualTo(new ListenerLayout.RaftEndpoint("fjord.metadata.listener", "127.0.0.1", 9191));
        refused(with(new LinkedHashMap<>(broker), "listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"),
                "controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role");
        refused(with(new LinkedHashMap<>(broker), "controller.listener.names", ""),
                "controller.listener.names must contain at least one value when running KRaft with just the broker role");
        refused(with(new LinkedHashMap<>(broker), "node.id", "2"),
                "If process.roles contains just the 'broker' role, the node id 2 must not be included in the set of voters");
        refused(with(new LinkedHashMap<>(broker), "fjord.metadata.listener", null), "fjord.metadata.listener");
        refused(with(new LinkedHashMap<>(broker), "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:SASL_SSL"),
                "controller listener CONTROLLER", "uses security protocol SASL_SSL: SASL is not supported on controller listeners");
        // A broker-only node dials the quorum in mutual TLS when its map says CONTROLLER:SSL: it needs its key store
        // (no ssl.client.auth: it serves no controller listener).
        refused(with(new LinkedHashMap<>(broker), "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:SSL"),
                "controller listener CONTROLLER (SSL, the Raft traffic)", "listener.name.controller.ssl.keystore.location");
        refused(with(new LinkedHashMap<>(broker), "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT"),
                "Controller listener with name CONTROLLER defined in controller.listener.names not found in listener.security.protocol.map");
    }

    @Test
    void controllerOnlyNodeListsOnlyItsControllerListener() {
        Map<String, String> controller = with(kafkaCombined(), "process.roles", "controller", "listeners", "CONTROLLER://127.0.0.1:9093",
                "advertised.listeners", null, "inter.broker.listener.name", null);
        BrokerConfig c = BrokerConfig.of(controller);
        assertThat(c.listeners()).isEmpty();
        assertThat(c.listenerLayout().raftEndpoint().address()).isEqualTo("127.0.0.1:9093");
        refused(with(new LinkedHashMap<>(controller), "listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"),
                "The listeners config must only contain KRaft controller listeners from controller.listener.names when process.roles=controller");
        // Fjord's form: no listeners at all; the Raft server binds the voter entry.
        BrokerConfig fjordForm = BrokerConfig.of(with(new LinkedHashMap<>(), "process.roles", "controller", "node.id", "2",
                "controller.quorum.voters", VOTERS));
        assertThat(fjordForm.listenerLayout().raftEndpoint().address()).isEqualTo("127.0.0.1:9095");
        assertThat(fjordForm.listeners()).isEmpty();
    }

    @Test
    void fjordFormAndSingleNodeDefaultKeepWorking() {
        BrokerConfig single = BrokerConfig.of(Map.of());
        assertThat(single.listeners()).containsExactly(new Listener("PLAINTEXT", "localhost", 9092));
        assertThat(single.listenerLayout().raftEndpoint()).isNull();
        BrokerConfig fjordForm = BrokerConfig.of(Map.of("node.id", "3", "controller.quorum.voters", VOTERS,
                "listeners", "PLAINTEXT://127.0.0.1:9196"));
        assertThat(fjordForm.listeners()).containsExactly(new Listener("PLAINTEXT", "127.0.0.1", 9196));
        assertThat(fjordForm.listenerLayout().raftEndpoint())
                .isEqualTo(new ListenerLayout.RaftEndpoint("controller.quorum.voters entry 3@127.0.0.1:9097", "127.0.0.1", 9097));
    }

    @Test
    void rolesAndVotersAreChecked() {
        refused(Map.of("process.roles", "broker,observer"), "process.roles");
        refused(Map.of("process.roles", "controller"), "needs controller.quorum.voters");
        refused(Map.of("controller.quorum.voters", "1@127.0.0.1"), "controller.quorum.voters", "id@host:port");
        refused(Map.of("controller.quorum.voters", "1@127.0.0.1:9093,1@127.0.0.1:9095"), "node id 1 appears twice");
        assertThat(BrokerConfig.of(Map.of("process.roles", "BROKER, Controller")).listenerLayout().roles())
                .isEqualTo(java.util.Set.of("broker", "controller"));
    }
}
