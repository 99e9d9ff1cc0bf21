package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fjord.protocol.api.ApiVersionsApi;
import io.fjord.protocol.api.MetadataApi;
import io.fjord.protocol.api.SaslHandshakeApi;
import io.fjord.protocol.types.Struct;
import java.io.EOFException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.UnacceptableCredentialException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * kafka-clients against one Fjord node serving five listeners at once: PLAINTEXT, SSL, SSL with required client
 * certificates (MTLS), SASL_PLAINTEXT and SASL_SSL (PLAIN). Certificates are made by keytool in the test.
 * Produce, consume (values large enough to take the file path of the fetch, which TLS must copy), a consumer group
 * with commits, and admin calls on each; wrong passwords, unknown users, missing or untrusted certificates are
 * refused with Kafka's exceptions; Metadata answers each listener's own endpoints.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityTest {
    private static final String PLAIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";
    @TempDir
    static Path dir;
    private TestBroker broker;
    private Path brokerKeyStore;
    private Path brokerTrustStore;
    private Path clientKeyStore;
    private Path clientTrustStore;
    private Path wrongTrustStore;
    private Path expiredClientKeyStore;

    @BeforeAll
    void start() throws Exception {
        TestCertificates certs = new TestCertificates(dir);
        brokerKeyStore = certs.keyStore("broker", "CN=localhost,O=Fjord");
        clientKeyStore = certs.keyStore("client", "CN=alice-client,OU=eng,O=Fjord");
        certs.keyStore("stranger", "CN=stranger");
        expiredClientKeyStore = certs.expiredKeyStore("expired-client", "CN=old-client");
        brokerTrustStore = certs.trustStore("broker-trust", "client", "expired-client");
        clientTrustStore = certs.trustStore("client-trust", "broker");
        wrongTrustStore = certs.trustStore("wrong-trust", "stranger");
        Map<String, String> s = new LinkedHashMap<>();
        s.put("listeners", "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,MTLS://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0");
        s.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SSL:SSL,MTLS:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL");
        s.put("ssl.keystore.type", "PKCS12");
        s.put("ssl.keystore.location", brokerKeyStore.toString());
        s.put("ssl.keystore.password", TestCertificates.PASSWORD);
        s.put("ssl.truststore.type", "PKCS12");
        s.put("ssl.truststore.location", brokerTrustStore.toString());
        s.put("ssl.truststore.password", TestCertificates.PASSWORD);
        s.put("listener.name.mtls.ssl.client.auth", "required");
        s.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
        String jaas = PLAIN_MODULE + " required username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\""
                + " user_alice=\"alice-secret\";";
        s.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas);
        s.put("listener.name.sasl_ssl.plain.sasl.jaas.config", jaas);
        s.put("connection.failed.authentication.delay.ms", "50");
        s.put("group.initial.rebalance.delay.ms", "0");
        s.put("offsets.topic.num.partitions", "1");
        broker = new TestBroker(dir.resolve("data"), s).start();
    }

    @AfterAll
    void stop() {
        if (broker != null) broker.close();
    }

    private String bootstrap(String listener) {
        return "127.0.0.1:" + broker.broker().ports().get(listener);
    }

    private Map<String, Object> ssl(boolean withClientCertificate) {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        c.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        c.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, clientTrustStore.toString());
        c.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        if (withClientCertificate) {
            c.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
            c.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, clientKeyStore.toString());
            c.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        }
        return c;
    }

    private Map<String, Object> sasl(String protocol, String user, String password) {
        Map<String, Object> c = protocol.equals("SASL_SSL") ? ssl(false) : new HashMap<>();
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
        c.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        c.put(SaslConfigs.SASL_JAAS_CONFIG, PLAIN_MODULE + " required username=\"" + user + "\" password=\"" + password + "\";");
        return c;
    }

    private Map<String, Object> scram(String protocol, String mechanism, String user, String password) {
        Map<String, Object> c = protocol.equals("SASL_SSL") ? ssl(false) : new HashMap<>();
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
        c.put(SaslConfigs.SASL_MECHANISM, mechanism);
        c.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + user + "\" password=\"" + password + "\";");
        return c;
    }

    @Test
    void scramCredentialsSetThroughAdminLogUsersInWithBothMechanismsAndSurviveARestart() throws Exception {
        try (Admin admin = admin(bootstrap("PLAINTEXT"), Map.of())) {
            admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialUpsertion("carol", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192), "carol-256"),
                    new UserScramCredentialUpsertion("carol", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "carol-512"),
                    new UserScramCredentialUpsertion("dave", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "dave-pw")))
                    .all().get(60, TimeUnit.SECONDS);
            Map<String, UserScramCredentialsDescription> described = admin.describeUserScramCredentials(List.of("carol", "dave"))
                    .all().get(60, TimeUnit.SECONDS);
            assertThat(described.get("carol").credentialInfos()).containsExactlyInAnyOrder(
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192), new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096));
            // Kafka's checks: too few iterations, deleting what does not exist.
            assertThatThrownBy(() -> admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("erin",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 100), "x"))).all().get(60, TimeUnit.SECONDS))
                    .cause().isInstanceOf(UnacceptableCredentialException.class);
            assertThatThrownBy(() -> admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("dave",
                    ScramMechanism.SCRAM_SHA_256))).all().get(60, TimeUnit.SECONDS))
                    .cause().isInstanceOf(ResourceNotFoundException.class);
        }
        roundTrip("SASL_PLAINTEXT", scram("SASL_PLAINTEXT", "SCRAM-SHA-256", "carol", "carol-256"), "over-scram-256");
        roundTrip("SASL_SSL", scram("SASL_SSL", "SCRAM-SHA-512", "carol", "carol-512"), "over-scram-512");
        for (Map<String, Object> bad : List.of(scram("SASL_PLAINTEXT", "SCRAM-SHA-256", "carol", "carol-512"),
                scram("SASL_PLAINTEXT", "SCRAM-SHA-256", "dave", "dave-pw"), // dave has no SHA-256 credential
                scram("SASL_PLAINTEXT", "SCRAM-SHA-512", "nobody", "x"))) {
            try (Admin admin = admin(bootstrap("SASL_PLAINTEXT"), bad)) {
                assertThatThrownBy(() -> admin.describeCluster().nodes().get(60, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SaslAuthenticationException.class);
            }
        }
        // Credentials are in the metadata log: after a restart they still log users in; deleting one logs it out.
        broker.restart();
        try (Admin admin = admin(bootstrap("SASL_SSL"), scram("SASL_SSL", "SCRAM-SHA-512", "dave", "dave-pw"))) {
            assertThat(admin.describeCluster().nodes().get(60, TimeUnit.SECONDS)).hasSize(1);
            admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("dave", ScramMechanism.SCRAM_SHA_512)))
                    .all().get(60, TimeUnit.SECONDS);
        }
        try (Admin admin = admin(bootstrap("SASL_SSL"), scram("SASL_SSL", "SCRAM-SHA-512", "dave", "dave-pw"))) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(60, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SaslAuthenticationException.class);
        }
    }

    @Test
    void sslWithoutClientAuthServesProduceConsumeGroupsAndAdmin() throws Exception {
        roundTrip("SSL", ssl(false), "over-ssl");
    }

    @Test
    void sslWithRequiredClientCertificateServesClientsThatPresentOne() throws Exception {
        roundTrip("MTLS", ssl(true), "over-mtls");
    }

    @Test
    void saslPlainOverPlaintextAndOverTls() throws Exception {
        roundTrip("SASL_PLAINTEXT", sasl("SASL_PLAINTEXT", "alice", "alice-secret"), "over-sasl-plaintext");
        roundTrip("SASL_SSL", sasl("SASL_SSL", "alice", "alice-secret"), "over-sasl-ssl");
    }

    @Test
    void wrongPasswordsAndUnknownUsersAreRefusedWithSaslAuthenticationException() {
        for (String protocol : List.of("SASL_PLAINTEXT", "SASL_SSL")) {
            for (Map<String, Object> bad : List.of(sasl(protocol, "alice", "wrong"), sasl(protocol, "mallory", "alice-secret"))) {
                try (Admin admin = admin(bootstrap(protocol), bad)) {
                    assertThatThrownBy(() -> admin.describeCluster().nodes().get(60, TimeUnit.SECONDS))
                            .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SaslAuthenticationException.class)
                            .hasMessageContaining("Invalid username or password");
                }
            }
        }
    }

    @Test
    void missingExpiredOrUntrustedCertificatesFailTheHandshake() {
        // The MTLS listener requires a client certificate; the client has none.
        try (Admin admin = admin(bootstrap("MTLS"), ssl(false))) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(60, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SslAuthenticationException.class);
        }
        // The client presents a certificate the broker trusts but that has expired.
        Map<String, Object> expired = ssl(true);
        expired.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, expiredClientKeyStore.toString());
        try (Admin admin = admin(bootstrap("MTLS"), expired)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(60, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SslAuthenticationException.class);
        }
        // The client does not trust the broker's certificate.
        Map<String, Object> untrusting = ssl(false);
        untrusting.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, wrongTrustStore.toString());
        try (Admin admin = admin(bootstrap("SSL"), untrusting)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(60, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SslAuthenticationException.class);
        }
    }

    @Test
    void metadataAndDescribeClusterAnswerTheEndpointsOfTheListenerAsked() throws Exception {
        Map<String, Map<String, Object>> clients = new LinkedHashMap<>();
        clients.put("PLAINTEXT", new HashMap<>());
        clients.put("SSL", ssl(false));
        clients.put("SASL_PLAINTEXT", sasl("SASL_PLAINTEXT", "admin", "admin-secret"));
        for (Map.Entry<String, Map<String, Object>> e : clients.entrySet()) {
            try (Admin admin = admin(bootstrap(e.getKey()), e.getValue())) {
                List<Node> nodes = new ArrayList<>(admin.describeCluster().nodes().get(60, TimeUnit.SECONDS));
                assertThat(nodes).as(e.getKey()).hasSize(1);
                assertThat(nodes.get(0).port()).as(e.getKey()).isEqualTo(broker.broker().ports().get(e.getKey()));
            }
        }
    }

    @Test
    void aRequestBeforeSaslAuthenticationClosesTheConnection() throws Exception {
        try (RawClient raw = new RawClient(broker.broker().ports().get("SASL_PLAINTEXT"))) {
            // ApiVersions is allowed before authentication and lists the SASL APIs.
            Struct versions = raw.request(ApiVersionsApi.SPEC, (short) 3, ApiVersionsApi.SPEC.newRequest());
            assertThat(versions.<Struct>getList("ApiKeys")).extracting(k -> (int) k.getShort("ApiKey")).contains(17, 36);
            Struct metadata = MetadataApi.SPEC.newRequest();
            metadata.set("Topics", null);
            raw.writeRaw(RawClient.sizePrefixed(RawClient.encode(MetadataApi.SPEC, (short) 12, 7, metadata)));
            assertThatThrownBy(() -> raw.readResponse(MetadataApi.SPEC, (short) 12, 7)).isInstanceOf(EOFException.class);
        }
        try (RawClient raw = new RawClient(broker.broker().ports().get("SASL_PLAINTEXT"))) {
            Struct hs = SaslHandshakeApi.SPEC.newRequest();
            hs.set("Mechanism", "GSSAPI");
            Struct r = raw.request(SaslHandshakeApi.SPEC, (short) 1, hs);
            assertThat(r.getShort("ErrorCode")).as("UNSUPPORTED_SASL_MECHANISM").isEqualTo((short) 33);
            assertThat(r.<String>getList("Mechanisms")).containsExactly("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
        }
        // On a listener without SASL the exchange is out of turn: ILLEGAL_SASL_STATE, as Kafka answers.
        try (RawClient raw = new RawClient(broker.broker().ports().get("PLAINTEXT"))) {
            Struct hs = SaslHandshakeApi.SPEC.newRequest();
            hs.set("Mechanism", "PLAIN");
            assertThat(raw.request(SaslHandshakeApi.SPEC, (short) 1, hs).getShort("ErrorCode")).isEqualTo((short) 34);
        }
    }

    private static Admin admin(String bootstrap, Map<String, Object> security) {
        Map<String, Object> c = new HashMap<>(security);
        c.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        c.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        return Admin.create(c);
    }

    /** Admin creates a topic; a producer writes 200 records of 2 KB; a group consumer reads them all and commits. */
    private void roundTrip(String listener, Map<String, Object> security, String topic) throws Exception {
        String bootstrap = bootstrap(listener);
        try (Admin admin = admin(bootstrap, security)) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(60, TimeUnit.SECONDS);
            assertThat(admin.listTopics().names().get(60, TimeUnit.SECONDS)).contains(topic);
        }
        String value = "v".repeat(2048);
        Properties p = new Properties();
        p.putAll(security);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < 200; i++) producer.send(new ProducerRecord<>(topic, "k" + i, i + value));
            producer.flush();
        }
        Properties c = new Properties();
        c.putAll(security);
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "group-" + topic);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            consumer.subscribe(List.of(topic));
            await("reading 200 records over " + listener).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) got.add(r);
                        return got.size() >= 200;
                    });
            consumer.commitSync(Duration.ofSeconds(30));
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(
                    java.util.Set.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1)), Duration.ofSeconds(30));
            long total = committed.values().stream().mapToLong(o -> o == null ? 0 : o.offset()).sum();
            assertThat(total).as("committed offsets over " + listener).isEqualTo(200);
        }
        assertThat(got).hasSize(200);
        assertThat(got).allSatisfy(r -> assertThat(r.value()).endsWith(value));
        assertThat(got.stream().map(ConsumerRecord::key).distinct().count()).isEqualTo(200);
    }
}
