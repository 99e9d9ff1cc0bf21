package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fjord.protocol.api.Errors;
import io.fjord.protocol.api.MetadataApi;
import io.fjord.protocol.api.SaslAuthenticateApi;
import io.fjord.protocol.api.SaslHandshakeApi;
import io.fjord.protocol.types.Struct;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Re-authentication (KIP-368) on a SASL_PLAINTEXT listener whose PLAIN sessions last 2 s
 * ({@code listener.name.sasl_plaintext.plain.connections.max.reauth.ms}, Kafka's per-listener, per-mechanism key):
 * kafka-clients learn the lifetime from SaslAuthenticate's SessionLifetimeMs and re-authenticate on their own, so a
 * producer keeps producing over several lifetimes on its connections; a client that does not re-authenticate has
 * its connection closed on the first request after its session ended; a re-authentication may not change the
 * principal ("Cannot change principals during re-authentication", SASL_AUTHENTICATION_FAILED, closed).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReauthenticationTest {
    private static final String PLAIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";
    private static final long LIFETIME_MS = 2_000;
    @TempDir
    static Path dir;
    private TestBroker broker;

    @BeforeAll
    void start() throws Exception {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("listeners", "SASL_PLAINTEXT://127.0.0.1:0");
        s.put("listener.security.protocol.map", "SASL_PLAINTEXT:SASL_PLAINTEXT");
        s.put("inter.broker.listener.name", "SASL_PLAINTEXT");
        s.put("sasl.enabled.mechanisms", "PLAIN");
        s.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        s.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", PLAIN_MODULE + " required username=\"admin\""
                + " password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\" user_bob=\"bob-secret\";");
        s.put("listener.name.sasl_plaintext.plain.connections.max.reauth.ms", Long.toString(LIFETIME_MS));
        s.put("connection.failed.authentication.delay.ms", "50");
        broker = new TestBroker(dir.resolve("data"), s).start();
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(client("admin"))) {
            admin.createTopics(java.util.List.of(new org.apache.kafka.clients.admin.NewTopic("reauth", 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    void stop() {
        if (broker != null) broker.close();
    }

    private int port() {
        return broker.broker().ports().get("SASL_PLAINTEXT");
    }

    private String bootstrap() {
        return "127.0.0.1:" + port();
    }

    private Map<String, Object> client(String user) {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        c.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        c.put(SaslConfigs.SASL_JAAS_CONFIG, PLAIN_MODULE + " required username=\"" + user + "\" password=\"" + user + "-secret\";");
        return c;
    }

    @Test
    void kafkaClientsReauthenticateOnTheirOwnAndKeepProducing() throws Exception {
        Map<String, Object> c = client("alice");
        c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        AtomicInteger acked = new AtomicInteger();
        try (KafkaProducer<String, String> p = new KafkaProducer<>(c)) {
            // Produce, one acknowledged record at a time, until the client has re-authenticated several times.
            await("several re-authentications while producing").atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(50)).until(() -> {
                        p.send(new ProducerRecord<>("reauth", "v" + acked.get())).get(30, TimeUnit.SECONDS); // throws if refused
                        acked.incrementAndGet();
                        return metric(p, "successful-reauthentication-total") >= 3;
                    });
            System.out.printf("[ReauthenticationTest] %d records acknowledged across %.0f re-authentications (%.0f failed)%n",
                    acked.get(), metric(p, "successful-reauthentication-total"), metric(p, "failed-reauthentication-total"));
            assertThat(metric(p, "failed-reauthentication-total")).isZero();
        }
        assertThat(acked.get()).isPositive();
    }

    /** Kafka-clients' connection metrics, summed over every group that has one of that name (NaN counted as 0). */
    private static double metric(KafkaProducer<String, String> p, String name) {
        double sum = 0;
        for (Map.Entry<MetricName, ? extends Metric> m : p.metrics().entrySet()) {
            if (!m.getKey().name().equals(name) || !m.getKey().tags().containsKey("client-id") || m.getKey().tags().size() != 1) continue;
            if (m.getValue().metricValue() instanceof Double d && !d.isNaN()) sum += d;
        }
        return sum;
    }

    /** SaslHandshake (PLAIN) and SaslAuthenticate v2 as {@code user}; the SaslAuthenticate response. */
    private static Struct login(RawClient c, String user) throws IOException {
        Struct hs = c.request(SaslHandshakeApi.SPEC, (short) 1, SaslHandshakeApi.SPEC.newRequest().set("Mechanism", "PLAIN"));
        assertThat(hs.getShort("ErrorCode")).isEqualTo(Errors.NONE.code());
        byte[] token = ("\0" + user + "\0" + user + "-secret").getBytes(StandardCharsets.UTF_8);
        return c.request(SaslAuthenticateApi.SPEC, (short) 2, SaslAuthenticateApi.SPEC.newRequest().set("AuthBytes", token));
    }

    private static Struct metadata(RawClient c) throws IOException {
        return c.request(MetadataApi.SPEC, (short) 12, MetadataApi.SPEC.newRequest());
    }

    @Test
    void aConnectionThatDoesNotReauthenticateIsClosedOnItsFirstRequestAfterTheSession() throws Exception {
        try (RawClient c = new RawClient(port())) {
            Struct auth = login(c, "alice");
            assertThat(auth.getShort("ErrorCode")).isEqualTo(Errors.NONE.code());
            assertThat(auth.getLong("SessionLifetimeMs")).isEqualTo(LIFETIME_MS);
            assertThat(metadata(c).getStructs("Brokers")).isNotEmpty(); // served within the session
            AtomicInteger served = new AtomicInteger(1);
            await("the broker closes the expired connection").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        try {
                            metadata(c);
                            served.incrementAndGet();
                            return false;
                        } catch (IOException closed) {
                            return true;
                        }
                    });
            assertThat(served.get()).isPositive();
        }
    }

    @Test
    void reauthenticationKeepsThePrincipalOrClosesTheConnection() throws Exception {
        try (RawClient c = new RawClient(port())) {
            assertThat(login(c, "alice").getShort("ErrorCode")).isEqualTo(Errors.NONE.code());
            Struct again = login(c, "alice"); // the same user: a new session, the connection goes on
            assertThat(again.getShort("ErrorCode")).isEqualTo(Errors.NONE.code());
            assertThat(again.getLong("SessionLifetimeMs")).isEqualTo(LIFETIME_MS);
            assertThat(metadata(c).getStructs("Brokers")).isNotEmpty();
            Struct other = login(c, "bob");
            assertThat(other.getShort("ErrorCode")).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED.code());
            assertThat(other.getString("ErrorMessage")).isEqualTo("Cannot change principals during re-authentication from User.alice: User.bob");
            c.assertClosedByBroker();
        }
    }
}
