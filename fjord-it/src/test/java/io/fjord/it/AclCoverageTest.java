package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ACL checks of the group-admin, transaction and SCRAM-admin APIs, through kafka-clients' Admin, consumer and
 * transactional producer, on one SASL_PLAINTEXT node under Kafka's StandardAuthorizer config (as {@link AclTest}):
 * DescribeGroups / ListGroups / DeleteGroups / OffsetDelete / ConsumerGroupDescribe and ConsumerGroupHeartbeat,
 * FindCoordinator, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, DescribeTransactions, ListTransactions,
 * DescribeProducers, Describe/AlterUserScramCredentials, an idempotent producer's InitProducerId. Each method uses its own users' bindings, so the order
 * does not matter.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AclCoverageTest {
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
        StringBuilder users = new StringBuilder();
        for (String u : List.of("admin", "grace", "heidi", "ivan", "judy", "mallory")) users.append(" user_").append(u).append("=\"").append(u).append("-secret\"");
        s.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", PLAIN_MODULE + " required username=\"admin\""
                + " password=\"admin-secret\"" + users + ";");
        s.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        s.put("super.users", "User:admin");
        s.put("connection.failed.authentication.delay.ms", "50");
        s.put("group.initial.rebalance.delay.ms", "0");
        s.put("offsets.topic.num.partitions", "1");
        s.put("transaction.state.log.num.partitions", "1");
        broker = new TestBroker(dir.resolve("data"), s).start();
        try (Admin admin = Admin.create(client("admin"))) {
            admin.createTopics(List.of(new NewTopic("events", 1, (short) 1), new NewTopic("hidden", 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> p = new KafkaProducer<>(producerConfig("admin", null))) {
            p.send(new ProducerRecord<>("events", "e1")).get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    void stop() {
        if (broker != null) broker.close();
    }

    private Map<String, Object> client(String user) {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.broker().ports().get("SASL_PLAINTEXT"));
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        c.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        c.put(SaslConfigs.SASL_JAAS_CONFIG, PLAIN_MODULE + " required username=\"" + user + "\" password=\"" + user + "-secret\";");
        return c;
    }

    private Map<String, Object> producerConfig(String user, String transactionalId) {
        Map<String, Object> c = client(user);
        c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        if (transactionalId != null) c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        else c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        return c;
    }

    private KafkaConsumer<String, String> consumer(String user, String group, String protocol) {
        Map<String, Object> c = client(user);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return new KafkaConsumer<>(c);
    }

    private static AclBinding allow(ResourceType type, String name, String user, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL), new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW));
    }

    private void grant(AclBinding... bindings) throws Exception {
        try (Admin admin = Admin.create(client("admin"))) {
            admin.createAcls(List.of(bindings)).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** Commits offset 1 of events-0 for {@code group} as the super user (a classic group, left Empty). */
    private void commitAsAdmin(String group) {
        try (KafkaConsumer<String, String> c = consumer("admin", group, "classic")) {
            c.commitSync(Map.of(new TopicPartition("events", 0), new OffsetAndMetadata(1)), Duration.ofSeconds(30));
        }
    }

    private Set<String> groupsListedBy(Admin a) throws Exception {
        return a.listConsumerGroups().all().get(30, TimeUnit.SECONDS).stream().map(ConsumerGroupListing::groupId).collect(Collectors.toSet());
    }

    @Test
    void groupAdminApisNeedGroupDescribeAndDelete() throws Exception {
        commitAsAdmin("grace-group");
        commitAsAdmin("other-group");
        TopicPartition events = new TopicPartition("events", 0);
        try (Admin g = Admin.create(client("grace"))) {
            // No binding: FindCoordinator and DescribeGroups refuse, ListGroups leaves the group out.
            assertThatThrownBy(() -> g.describeConsumerGroups(List.of("grace-group")).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(GroupAuthorizationException.class);
            assertThat(groupsListedBy(g)).doesNotContain("grace-group", "other-group");
            assertThatThrownBy(() -> g.deleteConsumerGroupOffsets("grace-group", Set.of(events)).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(GroupAuthorizationException.class);
        }
        grant(allow(ResourceType.GROUP, "grace-group", "grace", AclOperation.DESCRIBE));
        try (Admin g = Admin.create(client("grace"))) {
            assertThat(g.describeConsumerGroups(List.of("grace-group")).all().get(30, TimeUnit.SECONDS).get("grace-group").groupId())
                    .isEqualTo("grace-group");
            assertThat(groupsListedBy(g)).contains("grace-group").doesNotContain("other-group");
            // Describe is not Delete.
            assertThatThrownBy(() -> g.deleteConsumerGroups(List.of("grace-group")).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(GroupAuthorizationException.class);
            assertThatThrownBy(() -> g.deleteConsumerGroupOffsets("grace-group", Set.of(events)).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(GroupAuthorizationException.class);
        }
        grant(allow(ResourceType.GROUP, "grace-group", "grace", AclOperation.DELETE));
        try (Admin g = Admin.create(client("grace"))) {
            // GROUP Delete but no TOPIC Read on events: OffsetDelete refuses the partition, the offset stays.
            assertThatThrownBy(() -> g.deleteConsumerGroupOffsets("grace-group", Set.of(events)).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            try (Admin admin = Admin.create(client("admin"))) {
                assertThat(admin.listConsumerGroupOffsets("grace-group").partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS))
                        .containsKey(events);
            }
            grant(allow(ResourceType.TOPIC, "events", "grace", AclOperation.READ));
            g.deleteConsumerGroupOffsets("grace-group", Set.of(events)).all().get(30, TimeUnit.SECONDS);
            g.deleteConsumerGroups(List.of("grace-group")).all().get(30, TimeUnit.SECONDS);
            assertThat(groupsListedBy(g)).doesNotContain("grace-group");
        }
        // CLUSTER Describe lists every group.
        grant(allow(ResourceType.CLUSTER, "kafka-cluster", "heidi", AclOperation.DESCRIBE));
        try (Admin h = Admin.create(client("heidi"))) {
            assertThat(groupsListedBy(h)).contains("other-group");
        }
    }

    @Test
    void consumerGroupsNeedTopicDescribeForTheirSubscription() throws Exception {
        grant(allow(ResourceType.GROUP, "ivan-group", "ivan", AclOperation.READ));
        // Group Read but no Describe on "hidden": ConsumerGroupHeartbeat refuses the subscription.
        try (KafkaConsumer<String, String> c = consumer("ivan", "ivan-group", "consumer")) {
            c.subscribe(List.of("hidden"));
            assertThatThrownBy(() -> {
                for (int i = 0; i < 60; i++) c.poll(Duration.ofMillis(500));
            }).isInstanceOf(TopicAuthorizationException.class);
        }
        grant(allow(ResourceType.TOPIC, "events", "ivan", AclOperation.READ));
        try (KafkaConsumer<String, String> c = consumer("ivan", "ivan-group", "consumer")) {
            c.subscribe(List.of("events"));
            await().atMost(Duration.ofSeconds(60)).until(() -> !c.poll(Duration.ofMillis(500)).isEmpty());
            try (Admin i = Admin.create(client("ivan"))) {
                // ConsumerGroupDescribe: Read on the group implies Describe; the topics are describable.
                assertThat(i.describeConsumerGroups(List.of("ivan-group")).all().get(30, TimeUnit.SECONDS).get("ivan-group").members())
                        .hasSize(1);
            }
            try (Admin j = Admin.create(client("judy"))) {
                assertThatThrownBy(() -> j.describeConsumerGroups(List.of("ivan-group")).all().get(30, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(GroupAuthorizationException.class);
            }
        }
    }

    @Test
    void transactionsNeedTopicWriteGroupReadAndTopicRead() throws Exception {
        // Write on every id starting judy-tx; each refused step uses an id of its own, so no step waits for the abort of
        // the one before.
        grant(new AclBinding(new ResourcePattern(ResourceType.TRANSACTIONAL_ID, "judy-tx", PatternType.PREFIXED),
                        new AccessControlEntry("User:judy", "*", AclOperation.WRITE, AclPermissionType.ALLOW)),
                allow(ResourceType.TOPIC, "hidden", "judy", AclOperation.DESCRIBE));
        // AddPartitionsToTxn: Write on the transactional id, only Describe on "hidden" (so its metadata is known).
        try (KafkaProducer<String, String> p = new KafkaProducer<>(producerConfig("judy", "judy-tx-1"))) {
            p.initTransactions();
            p.beginTransaction();
            assertThatThrownBy(() -> {
                p.send(new ProducerRecord<>("hidden", "x")).get(30, TimeUnit.SECONDS);
                p.commitTransaction();
            }).hasStackTraceContaining("TopicAuthorizationException");
            p.close(Duration.ZERO); // a refused transaction: nothing left worth waiting for
        }
        grant(allow(ResourceType.TOPIC, "events", "judy", AclOperation.WRITE));
        TopicPartition events = new TopicPartition("events", 0);
        Map<TopicPartition, OffsetAndMetadata> offsets = Map.of(events, new OffsetAndMetadata(1));
        // AddOffsetsToTxn: no Read on the group.
        try (KafkaProducer<String, String> p = new KafkaProducer<>(producerConfig("judy", "judy-tx-2"))) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>("events", "t1")).get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> p.sendOffsetsToTransaction(offsets, new ConsumerGroupMetadata("judy-group")))
                    .isInstanceOf(GroupAuthorizationException.class);
            p.close(Duration.ZERO);
        }
        // TxnOffsetCommit: Read on the group, none on the topic: the offset is refused and never committed.
        grant(allow(ResourceType.GROUP, "judy-group", "judy", AclOperation.READ));
        try (KafkaProducer<String, String> p = new KafkaProducer<>(producerConfig("judy", "judy-tx-3"))) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>("events", "t2")).get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> {
                p.sendOffsetsToTransaction(offsets, new ConsumerGroupMetadata("judy-group"));
                p.commitTransaction();
            }).hasStackTraceContaining("TxnOffsetCommit").hasStackTraceContaining("Topic authorization failed"); // the client calls it fatal
            p.close(Duration.ZERO);
        }
        try (Admin admin = Admin.create(client("admin"))) {
            assertThat(admin.listConsumerGroupOffsets("judy-group").partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS))
                    .doesNotContainKey(events);
        }
        grant(allow(ResourceType.TOPIC, "events", "judy", AclOperation.READ));
        try (KafkaProducer<String, String> p = new KafkaProducer<>(producerConfig("judy", "judy-tx"))) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>("events", "t3")).get(30, TimeUnit.SECONDS);
            p.sendOffsetsToTransaction(offsets, new ConsumerGroupMetadata("judy-group"));
            p.commitTransaction();
        }
        try (Admin admin = Admin.create(client("admin"))) {
            assertThat(admin.listConsumerGroupOffsets("judy-group").partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .get(events).offset()).isEqualTo(1L);
        }
        // Describing transactions and producers: mallory has no bindings.
        try (Admin m = Admin.create(client("mallory"))) {
            assertThatThrownBy(() -> m.describeTransactions(List.of("judy-tx")).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TransactionalIdAuthorizationException.class);
            assertThat(m.listTransactions().all().get(30, TimeUnit.SECONDS)).isEmpty();
            assertThatThrownBy(() -> m.describeProducers(List.of(events)).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
        try (Admin j = Admin.create(client("judy"))) { // Write on the id implies Describe; Read on the topic
            assertThat(j.describeTransactions(List.of("judy-tx")).all().get(30, TimeUnit.SECONDS)).containsKey("judy-tx");
            assertThat(j.listTransactions().all().get(30, TimeUnit.SECONDS)).anyMatch(t -> t.transactionalId().equals("judy-tx"));
            assertThat(j.describeProducers(List.of(events)).all().get(30, TimeUnit.SECONDS).get(events).activeProducers()).isNotEmpty();
        }
    }

    @Test
    void idempotentProducersNeedIdempotentWriteOrWriteOnSomeTopic() throws Exception {
        Map<String, Object> c = producerConfig("heidi", null);
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        grant(allow(ResourceType.TOPIC, "events", "heidi", AclOperation.DESCRIBE)); // metadata, not Write
        try (KafkaProducer<String, String> p = new KafkaProducer<>(c)) { // heidi may write no topic: no producer id
            assertThatThrownBy(() -> p.send(new ProducerRecord<>("events", "i0")).get(30, TimeUnit.SECONDS))
                    .hasStackTraceContaining("ClusterAuthorizationException");
        }
        grant(allow(ResourceType.TOPIC, "events", "heidi", AclOperation.WRITE)); // Write on a topic is enough (no IdempotentWrite)
        try (KafkaProducer<String, String> p = new KafkaProducer<>(c)) {
            p.send(new ProducerRecord<>("events", "i1")).get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void scramAndQuotaAdminApisNeedClusterBindings() throws Exception {
        UserScramCredentialUpsertion upsert = new UserScramCredentialUpsertion("newcomer",
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "newcomer-secret");
        try (Admin m = Admin.create(client("mallory"))) {
            assertThatThrownBy(() -> m.describeUserScramCredentials().all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> m.alterUserScramCredentials(List.of(upsert)).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
        }
        // The client quota APIs: CLUSTER DescribeConfigs / AlterConfigs.
        var quota = new org.apache.kafka.common.quota.ClientQuotaAlteration(
                new org.apache.kafka.common.quota.ClientQuotaEntity(Map.of("client-id", "c1")),
                List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration.Op("producer_byte_rate", 1000.0)));
        try (Admin m = Admin.create(client("mallory"))) {
            assertThatThrownBy(() -> m.describeClientQuotas(org.apache.kafka.common.quota.ClientQuotaFilter.all()).entities()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> m.alterClientQuotas(List.of(quota)).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
        }
        try (Admin admin = Admin.create(client("admin"))) {
            admin.alterClientQuotas(List.of(quota)).all().get(30, TimeUnit.SECONDS);
            assertThat(admin.describeClientQuotas(org.apache.kafka.common.quota.ClientQuotaFilter.all()).entities()
                    .get(30, TimeUnit.SECONDS)).hasSize(1);
            assertThat(admin.describeUserScramCredentials().all().get(30, TimeUnit.SECONDS)).doesNotContainKey("newcomer");
            admin.alterUserScramCredentials(List.of(upsert)).all().get(30, TimeUnit.SECONDS);
            assertThat(admin.describeUserScramCredentials().all().get(30, TimeUnit.SECONDS)).containsKey("newcomer");
        }
    }
}
