package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACLs with kafka-clients over SASL_PLAINTEXT (PLAIN users) on one node whose config says Kafka's
 * {@code authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer}, {@code super.users=User:admin}
 * and the default {@code allow.everyone.if.no.acl.found=false}: without Write no produce, without Read no consume
 * and no commit, without Describe the topic is hidden, DENY beats ALLOW, PREFIXED patterns, the super user, ACLs
 * surviving a restart, and the same bindings made with Kafka's own {@code kafka-acls.sh} (AclCommand).
 * The methods share one broker and build on each other's bindings, hence the order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AclTest {
    private static final String PLAIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";
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
                + " password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\""
                + " user_bob=\"bob-secret\" user_carol=\"carol-secret\";");
        s.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        s.put("super.users", "User:admin");
        s.put("connection.failed.authentication.delay.ms", "50");
        s.put("group.initial.rebalance.delay.ms", "0");
        s.put("offsets.topic.num.partitions", "1");
        broker = new TestBroker(dir.resolve("data"), s).start();
        try (Admin admin = Admin.create(client("admin"))) {
            admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1), new NewTopic("pay-in", 1, (short) 1),
                    new NewTopic("secret", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    void stop() {
        if (broker != null) broker.close();
    }

    private String bootstrap() {
        return "127.0.0.1:" + broker.broker().ports().get("SASL_PLAINTEXT");
    }

    private Map<String, Object> client(String user) {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        c.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        c.put(SaslConfigs.SASL_JAAS_CONFIG, PLAIN_MODULE + " required username=\"" + user + "\" password=\"" + user + "-secret\";");
        return c;
    }

    private static AclBinding acl(ResourceType type, String name, PatternType pattern, String user, AclOperation op,
                                  AclPermissionType permission) {
        return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry("User:" + user, "*", op, permission));
    }

    private void grant(AclBinding... bindings) throws Exception {
        try (Admin admin = Admin.create(client("admin"))) {
            admin.createAcls(List.of(bindings)).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** Sends one record as {@code user}; the exception's cause if it failed, else null. */
    private Throwable produce(String user, String topic, String value) throws Exception {
        Map<String, Object> c = client(user);
        c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false); // idempotence would also need IDEMPOTENT_WRITE
        try (KafkaProducer<String, String> p = new KafkaProducer<>(c)) {
            p.send(new ProducerRecord<>(topic, value)).get(30, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TopicAuthorizationException e) { // thrown by send() itself when the metadata wait fails so
            return e;
        }
    }

    private KafkaConsumer<String, String> consumer(String user, String group) {
        Map<String, Object> c = client(user);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return new KafkaConsumer<>(c);
    }

    /** Polls (bounded) until a record arrives; its values. */
    private static List<String> pollSome(KafkaConsumer<String, String> c) {
        List<String> got = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) got.add(r.value());
            return !got.isEmpty();
        });
        return got;
    }

    private Set<String> topicsSeenBy(String user) throws Exception {
        try (Admin a = Admin.create(client(user))) {
            return a.listTopics().names().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(1)
    void withoutWriteAPrincipalCannotProduce() throws Exception {
        // alice may see "orders" but not write it: the Produce request itself is refused.
        grant(acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "alice", AclOperation.DESCRIBE, AclPermissionType.ALLOW));
        assertThat(produce("alice", "orders", "refused")).isInstanceOf(TopicAuthorizationException.class);
        grant(acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "alice", AclOperation.WRITE, AclPermissionType.ALLOW));
        assertThat(produce("alice", "orders", "a1")).isNull();
        // The super user needs no binding at all.
        assertThat(produce("admin", "secret", "s1")).isNull();
    }

    @Test
    @Order(2)
    void withoutReadAPrincipalCannotConsumeOrCommit() throws Exception {
        TopicPartition orders = new TopicPartition("orders", 0);
        // No Read on the topic: fetching is refused.
        try (KafkaConsumer<String, String> c = consumer("alice", "alice-group")) {
            c.assign(List.of(orders));
            c.seekToBeginning(List.of(orders));
            assertThatThrownBy(() -> {
                for (int i = 0; i < 60; i++) c.poll(Duration.ofMillis(500));
            }).isInstanceOf(TopicAuthorizationException.class);
        }
        grant(acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "alice", AclOperation.READ, AclPermissionType.ALLOW));
        // Read on the topic but not on the group: joining and committing are refused.
        try (KafkaConsumer<String, String> c = consumer("alice", "alice-group")) {
            c.subscribe(List.of("orders"));
            assertThatThrownBy(() -> {
                for (int i = 0; i < 60; i++) c.poll(Duration.ofMillis(500));
            }).isInstanceOf(GroupAuthorizationException.class);
        }
        try (KafkaConsumer<String, String> c = consumer("alice", "alice-group")) {
            c.assign(List.of(orders));
            c.seekToBeginning(List.of(orders));
            assertThat(pollSome(c)).contains("a1"); // fetching needs no group
            assertThatThrownBy(() -> c.commitSync(Map.of(orders, new OffsetAndMetadata(1)), Duration.ofSeconds(30)))
                    .isInstanceOf(GroupAuthorizationException.class);
        }
        grant(acl(ResourceType.GROUP, "alice-group", PatternType.LITERAL, "alice", AclOperation.READ, AclPermissionType.ALLOW));
        try (KafkaConsumer<String, String> c = consumer("alice", "alice-group")) {
            c.subscribe(List.of("orders"));
            assertThat(pollSome(c)).contains("a1");
            c.commitSync(Duration.ofSeconds(30));
            assertThat(c.committed(Set.of(orders), Duration.ofSeconds(30)).get(orders).offset()).isEqualTo(1L);
        }
    }

    @Test
    @Order(3)
    void withoutDescribeTheTopicIsHiddenAndDenyBeatsAllow() throws Exception {
        assertThat(topicsSeenBy("alice")).contains("orders").doesNotContain("secret", "pay-in");
        assertThat(topicsSeenBy("bob")).doesNotContain("orders", "secret", "pay-in");
        // Every topic for alice (the wildcard), except one denied: the DENY wins.
        grant(acl(ResourceType.TOPIC, "*", PatternType.LITERAL, "alice", AclOperation.DESCRIBE, AclPermissionType.ALLOW),
                acl(ResourceType.TOPIC, "secret", PatternType.LITERAL, "alice", AclOperation.ALL, AclPermissionType.DENY));
        assertThat(topicsSeenBy("alice")).contains("orders", "pay-in").doesNotContain("secret");
        assertThat(topicsSeenBy("admin")).contains("orders", "pay-in", "secret");
    }

    @Test
    @Order(4)
    void prefixedBindingsCoverEveryTopicWithThePrefix() throws Exception {
        grant(acl(ResourceType.TOPIC, "pay-", PatternType.PREFIXED, "bob", AclOperation.WRITE, AclPermissionType.ALLOW));
        assertThat(produce("bob", "pay-in", "b1")).isNull();
        assertThat(produce("bob", "orders", "b2")).isInstanceOf(TopicAuthorizationException.class);
        assertThat(topicsSeenBy("bob")).contains("pay-in").doesNotContain("orders", "secret"); // Write implies Describe
    }

    @Test
    @Order(5)
    void aclsSurviveARestart() throws Exception {
        Collection<AclBinding> before;
        try (Admin admin = Admin.create(client("admin"))) {
            before = admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS);
        }
        assertThat(before).hasSize(7);
        broker.restart();
        try (Admin admin = Admin.create(client("admin"))) {
            assertThat(admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                    .containsExactlyInAnyOrderElementsOf(before);
        }
        assertThat(produce("alice", "orders", "a2")).isNull();
        assertThat(produce("bob", "orders", "b3")).isInstanceOf(TopicAuthorizationException.class);
        assertThat(topicsSeenBy("alice")).doesNotContain("secret");
    }

    @Test
    @Order(6)
    void kafkaAclsToolMakesTheSameBindings() throws Exception {
        Path config = dir.resolve("admin.properties");
        Files.writeString(config, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=" + PLAIN_MODULE
                + " required username=\"admin\" password=\"admin-secret\";\n", StandardCharsets.UTF_8);
        List<String> common = List.of("--bootstrap-server", bootstrap(), "--command-config", config.toString());
        assertThat(produce("carol", "orders", "c0")).isInstanceOf(TopicAuthorizationException.class);
        // kafka-acls.sh --add --allow-principal User:carol --producer --topic orders
        KafkaTool.Result add = acls(common, "--add", "--allow-principal", "User:carol", "--producer", "--topic", "orders");
        assertThat(add.exitCode()).as(add.output()).isZero();
        assertThat(produce("carol", "orders", "c1")).isNull();
        // --consumer: Read+Describe on the topic, Read on the group.
        KafkaTool.Result consumer = acls(common, "--add", "--allow-principal", "User:carol", "--consumer", "--topic", "orders",
                "--group", "carol-group");
        assertThat(consumer.exitCode()).as(consumer.output()).isZero();
        try (KafkaConsumer<String, String> c = consumer("carol", "carol-group")) {
            c.subscribe(List.of("orders"));
            assertThat(pollSome(c)).contains("a1");
            c.commitSync(Duration.ofSeconds(30));
        }
        KafkaTool.Result list = acls(common, "--list", "--topic", "orders");
        assertThat(list.exitCode()).as(list.output()).isZero();
        assertThat(list.output()).contains("User:carol", "WRITE", "READ").contains("User:alice");
        // A deny made with the tool beats carol's allow.
        KafkaTool.Result deny = acls(common, "--add", "--deny-principal", "User:carol", "--operation", "Write", "--topic", "orders");
        assertThat(deny.exitCode()).as(deny.output()).isZero();
        assertThat(produce("carol", "orders", "c2")).isInstanceOf(TopicAuthorizationException.class);
        KafkaTool.Result remove = acls(common, "--remove", "--force", "--deny-principal", "User:carol", "--operation", "Write",
                "--topic", "orders");
        assertThat(remove.exitCode()).as(remove.output()).isZero();
        assertThat(produce("carol", "orders", "c3")).isNull();
    }

    @Test
    @Order(7)
    void clusterApisNeedClusterBindings() throws Exception {
        try (Admin a = Admin.create(client("alice"))) {
            assertThatThrownBy(() -> a.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> a.listPartitionReassignments().reassignments().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> a.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
        }
        try (Admin b = Admin.create(client("bob"))) { // bob may write pay-in, not alter it or delete from it
            assertThatThrownBy(() -> b.createPartitions(Map.of("pay-in", NewPartitions.increaseTo(2))).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            assertThatThrownBy(() -> b.deleteRecords(Map.of(new TopicPartition("pay-in", 0), RecordsToDelete.beforeOffset(0)))
                    .all().get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(TopicAuthorizationException.class);
            ConfigResource payIn = new ConfigResource(ConfigResource.Type.TOPIC, "pay-in");
            assertThatThrownBy(() -> b.describeConfigs(List.of(payIn)).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            assertThatThrownBy(() -> b.incrementalAlterConfigs(Map.of(payIn, List.of(new AlterConfigOp(
                    new ConfigEntry("retention.ms", "1000"), AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
        grant(acl(ResourceType.TOPIC, "pay-in", PatternType.LITERAL, "bob", AclOperation.ALTER_CONFIGS, AclPermissionType.ALLOW));
        try (Admin b = Admin.create(client("bob"))) { // AlterConfigs implies DescribeConfigs
            ConfigResource payIn = new ConfigResource(ConfigResource.Type.TOPIC, "pay-in");
            assertThat(b.describeConfigs(List.of(payIn)).all().get(30, TimeUnit.SECONDS).get(payIn).get("retention.ms")).isNotNull();
        }
        grant(acl(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, "alice", AclOperation.DESCRIBE, AclPermissionType.ALLOW));
        try (Admin a = Admin.create(client("alice"))) {
            assertThat(a.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)).isNotEmpty();
            assertThat(a.listPartitionReassignments().reassignments().get(30, TimeUnit.SECONDS)).isEmpty();
            // Describe does not give Alter: creating bindings stays refused.
            assertThatThrownBy(() -> a.createAcls(List.of(acl(ResourceType.TOPIC, "x", PatternType.LITERAL, "alice",
                    AclOperation.READ, AclPermissionType.ALLOW))).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
            // Nor changing the cluster's features (UpdateFeatures needs CLUSTER Alter).
            assertThatThrownBy(() -> a.updateFeatures(Map.of("transaction.version", new org.apache.kafka.clients.admin.FeatureUpdate(
                    (short) 1, org.apache.kafka.clients.admin.FeatureUpdate.UpgradeType.SAFE_DOWNGRADE)),
                    new org.apache.kafka.clients.admin.UpdateFeaturesOptions()).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
        }
    }

    @Test
    @Order(8)
    void transactionsNeedTheTransactionalId() throws Exception {
        Map<String, Object> c = client("alice");
        c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "alice-tx");
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(c)) {
            assertThatThrownBy(p::initTransactions).isInstanceOf(TransactionalIdAuthorizationException.class);
        }
        grant(acl(ResourceType.TRANSACTIONAL_ID, "alice-", PatternType.PREFIXED, "alice", AclOperation.WRITE, AclPermissionType.ALLOW));
        try (KafkaProducer<String, String> p = new KafkaProducer<>(c)) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>("orders", "tx1")).get(30, TimeUnit.SECONDS);
            p.commitTransaction();
        }
    }

    private KafkaTool.Result acls(List<String> common, String... args) throws Exception {
        List<String> all = new ArrayList<>(common);
        all.addAll(List.of(args));
        return KafkaTool.run(dir.resolve("tool"), "org.apache.kafka.tools.AclCommand", Duration.ofSeconds(90), all);
    }
}
