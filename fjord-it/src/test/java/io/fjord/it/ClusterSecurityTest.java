package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.TopicPartition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 check 6: three nodes with security everywhere: clients and the inter-broker listener on SASL_SSL (PLAIN),
 * the controller listener on SSL with required client certificates, so the Raft traffic (votes, appends,
 * registrations, heartbeats, metadata writes) runs in mutual TLS. Replica fetchers connect to leaders with TLS and
 * log in, so an RF 3 topic written with acks=all reaches every replica; after the leader stops, the former followers
 * serve every record. On the Raft port, a Ratis client that speaks plaintext or presents a certificate the quorum
 * does not trust gets no answer, nor does one whose trusted certificate's principal is not a super user (ACLs are
 * on), while one with the nodes' certificate does.
 * A transaction over three partitions (led by the three nodes, so at least two by nodes other than its coordinator)
 * commits: the leaders add their partitions at the coordinator (KIP-890) and the coordinator writes the markers,
 * both over the SASL_SSL listener; read_committed sees every record once.
 */
class ClusterSecurityTest {
    private static final String PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule";
    private static final String TOPIC = "replicated-over-sasl-ssl";

    @TempDir
    Path dir;

    @Test
    void replicationRunsOverTheSaslSslInterBrokerListener() throws Exception {
        TestCertificates certs = new TestCertificates(dir);
        Path keyStore = certs.keyStore("broker", "CN=localhost,O=Fjord");
        // Trusted: the nodes' certificate and an outsider's (as a CA would sign a Kafka client's); not trusted: the intruder's.
        Path outsiderStore = certs.keyStore("outsider", "CN=localhost,O=Outsider");
        Path trustStore = certs.trustStore("trust", "broker", "outsider");
        Path intruderStore = certs.keyStore("intruder", "CN=localhost,O=Elsewhere");
        Map<String, String> common = new LinkedHashMap<>();
        common.put("listener.security.protocol.map", "SASL_SSL:SASL_SSL,CONTROLLER:SSL");
        common.put("inter.broker.listener.name", "SASL_SSL");
        common.put("controller.listener.names", "CONTROLLER");
        common.put("listener.name.controller.ssl.client.auth", "required");
        // With ACLs on, only super users may use the Raft port: the nodes' certificate principal is one, the outsider's is not.
        common.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        common.put("super.users", "User:CN=localhost,O=Fjord;User:broker;User:alice");
        // Fjord's 150 ms (150-300) let leaderships churn on a loaded two-core test machine once every heartbeat is
        // encrypted; 400 (400-800) keeps one leader.
        common.put("controller.quorum.election.timeout.ms", "400");
        common.put("ssl.keystore.type", "PKCS12");
        common.put("ssl.keystore.location", keyStore.toString());
        common.put("ssl.keystore.password", TestCertificates.PASSWORD);
        common.put("ssl.truststore.type", "PKCS12");
        common.put("ssl.truststore.location", trustStore.toString());
        common.put("ssl.truststore.password", TestCertificates.PASSWORD);
        common.put("sasl.enabled.mechanisms", "PLAIN");
        common.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        common.put("listener.name.sasl_ssl.plain.sasl.jaas.config", PLAIN + " required username=\"broker\""
                + " password=\"broker-pw\" user_broker=\"broker-pw\" user_alice=\"alice-pw\";");
        common.put("group.initial.rebalance.delay.ms", "0");
        common.put("offsets.topic.num.partitions", "1");
        common.put("transaction.state.log.num.partitions", "1");
        {
            // Each node: a SASL_SSL listener (clients and replication) and its controller listener (the Raft port).
            Map<Integer, Integer> saslPorts = new HashMap<>();
            Map<Integer, Integer> raftPorts = new HashMap<>();
            // A node id listed here presents that key store on its controller listener (the Raft port) instead.
            Map<Integer, Path> raftKeyStores = new HashMap<>();
            TestCluster cluster = new TestCluster(dir.resolve("nodes"), 3, common, id -> {
                Map<String, String> own = new HashMap<>();
                own.put("listeners", "SASL_SSL://127.0.0.1:" + saslPorts.get(id) + ",CONTROLLER://127.0.0.1:" + raftPorts.get(id));
                if (raftKeyStores.containsKey(id)) own.put("listener.name.controller.ssl.keystore.location", raftKeyStores.get(id).toString());
                return own;
            });
            for (int id = 1; id <= 3; id++) {
                saslPorts.put(id, cluster.kafkaPort(id));
                raftPorts.put(id, cluster.raftPort(id));
            }
            try (TestCluster secured = cluster) {
                long startNanos = System.nanoTime();
                secured.start();
                System.out.printf("three nodes with a mutual-TLS quorum started in %d ms%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
                // The Raft port answers only a client presenting a trusted certificate.
                RaftPortProbe probe = new RaftPortProbe(raftPorts);
                assertThat(probe.groupsSeen(RaftPortProbe.tls(keyStore, trustStore))).as("trusted certificate").isEqualTo(1);
                assertThat(probe.refusal(null)).as("plaintext Ratis client").isNotNull();
                assertThat(probe.refusal(RaftPortProbe.tls(intruderStore, trustStore))).as("untrusted certificate").isNotNull();
                assertThat(probe.refusal(RaftPortProbe.tls(outsiderStore, trustStore))).as("trusted, not a super user")
                        .hasStackTraceContaining("PERMISSION_DENIED");
                String bootstrap = "127.0.0.1:" + saslPorts.get(1) + ",127.0.0.1:" + saslPorts.get(2);
                Map<String, Object> client = new HashMap<>();
                client.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
                client.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
                client.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, trustStore.toString());
                client.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
                client.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
                client.put(SaslConfigs.SASL_JAAS_CONFIG, PLAIN + " required username=\"alice\" password=\"alice-pw\";");
                Map<String, Object> adminConfig = new HashMap<>(client);
                adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
                adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
                try (Admin admin = Admin.create(adminConfig)) {
                    admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3))).all().get(60, TimeUnit.SECONDS);
                }
                secured.awaitTopicEverywhere(TOPIC);
                Properties p = new Properties();
                p.putAll(client);
                p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
                p.put(ProducerConfig.ACKS_CONFIG, "all");
                p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
                p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
                    for (int i = 0; i < 100; i++) producer.send(new ProducerRecord<>(TOPIC, "k" + i, "value-" + i + "-" + "x".repeat(1500)));
                    producer.flush();
                }
                TopicPartition tp = new TopicPartition(TOPIC, 0);
                // Every replica holds the 100 records and knows they are committed: the fetchers got them over SASL_SSL.
                await("every replica has the records").atMost(Duration.ofSeconds(60)).until(() -> {
                    for (int id = 1; id <= 3; id++) {
                        Partition part = secured.node(id).broker().replicaManager().partition(tp);
                        if (part == null || part.logEndOffset() < 100 || part.highWatermark() < 100) return false;
                    }
                    return true;
                });
                transactionOverTheSecuredListener(secured, client, bootstrap);
                int leader = secured.node(1).broker().controller().image().topic(TOPIC).partition(0).leader();
                assertThat(secured.node(1).broker().controller().image().topic(TOPIC).partition(0).isr()).hasSize(3);
                secured.stop(leader);
                List<Integer> rest = secured.running();
                String followers = String.join(",", rest.stream().map(id -> "127.0.0.1:" + saslPorts.get(id)).toList());
                Properties c = new Properties();
                c.putAll(client);
                c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, followers);
                // No group: with one of three nodes gone the offsets topic (RF 3) cannot be created; reading needs none.
                c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
                c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
                List<ConsumerRecord<String, String>> got = new ArrayList<>();
                try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
                    consumer.assign(List.of(new org.apache.kafka.common.TopicPartition(TOPIC, 0)));
                    consumer.seekToBeginning(consumer.assignment());
                    await("reading back from the former followers").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                            .until(() -> {
                                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) got.add(r);
                                return got.size() >= 100;
                            });
                }
                assertThat(got).hasSize(100);
                for (int i = 0; i < 100; i++) assertThat(got.get(i).value()).startsWith("value-" + i + "-");
                System.out.printf("after the leader (node %d) stopped, the former followers served %d of 100 records%n", leader, got.size());
                if (FaultSettings.rounds() > 3 || Boolean.getBoolean("fjord.it.untrustedNode")) {
                    untrustedNodeCannotJoin(secured, leader, raftKeyStores, intruderStore);
                }
            }
        }
    }

    /**
     * The stopped node comes back presenting a certificate the quorum does not trust on its Raft port: its
     * registration cannot reach the leader, so its start fails (after the 30 s metadata write bound, which is why
     * this runs with -Pfault-long or -Dfjord.it.untrustedNode=true), and the other nodes still see it fenced with
     * its old incarnation. (The leader does not send it the log either: it checks the certificate the node's Raft
     * server presents.)
     */
    private static void untrustedNodeCannotJoin(TestCluster secured, int node, Map<Integer, Path> raftKeyStores, Path intruderStore) {
        int observer = secured.running().get(0);
        String before = secured.node(observer).broker().controller().image().incarnation(node);
        await("node " + node + " fenced").atMost(Duration.ofSeconds(30))
                .until(() -> secured.node(observer).broker().controller().image().isFenced(node));
        raftKeyStores.put(node, intruderStore);
        long started = System.nanoTime();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> secured.restart(node)).hasMessageContaining("metadata write");
        System.out.printf("node %d with an untrusted certificate was refused; its start failed after %d ms%n", node,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        for (int id : List.of(1, 2, 3)) {
            if (id == node || secured.node(id) == null) continue;
            var image = secured.node(id).broker().controller().image();
            assertThat(image.isFenced(node)).as("node %d on node %d", node, id).isTrue();
            assertThat(image.incarnation(node)).isEqualTo(before);
        }
    }

    private static void transactionOverTheSecuredListener(TestCluster secured, Map<String, Object> client, String bootstrap)
            throws Exception {
        String topic = "txn-over-sasl-ssl";
        Map<String, Object> adminConfig = new HashMap<>(client);
        adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
        try (Admin admin = Admin.create(adminConfig)) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1, 2, 3), 1, List.of(2, 3, 1), 2, List.of(3, 1, 2)))))
                    .all().get(60, TimeUnit.SECONDS);
        }
        secured.awaitTopicEverywhere(topic);
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "secured-txn");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 30; i++) producer.send(new ProducerRecord<>(topic, i % 3, "k" + i, "txn-" + i));
            producer.commitTransaction();
        }
        Properties c = new Properties();
        c.putAll(client);
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> got = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            List<org.apache.kafka.common.TopicPartition> tps = List.of(new org.apache.kafka.common.TopicPartition(topic, 0),
                    new org.apache.kafka.common.TopicPartition(topic, 1), new org.apache.kafka.common.TopicPartition(topic, 2));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            // The markers are written after the commit returns: read_committed sees the records once they are in.
            await("the committed transaction, read_committed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) got.add(r.value());
                        return got.size() >= 30;
                    });
        }
        assertThat(got).hasSize(30).doesNotHaveDuplicates().allMatch(v -> v.startsWith("txn-"));
    }
}
