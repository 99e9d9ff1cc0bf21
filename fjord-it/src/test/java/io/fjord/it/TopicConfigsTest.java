package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.broker.replica.TopicPartition;
import io.fjord.protocol.api.AlterConfigsApi;
import io.fjord.protocol.types.Struct;
import io.fjord.storage.PartitionLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Config round trips through kafka-clients' Admin (and AlterConfigs, which Admin 4.x no longer sends, through the
 * raw client): values and sources, effect without restart, survival across a restart; CreatePartitions; partitions
 * spread over two log dirs.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TopicConfigsTest {
    private static final ConfigResource TOPIC = new ConfigResource(ConfigResource.Type.TOPIC, "cfg");
    private static final ConfigResource BROKER = new ConfigResource(ConfigResource.Type.BROKER, "1");
    private static final ConfigResource CLUSTER = new ConfigResource(ConfigResource.Type.BROKER, "");

    private static Config describe(Admin a, ConfigResource r) throws Exception {
        return a.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r);
    }

    private static void set(Admin a, ConfigResource r, AlterConfigOp... ops) throws Exception {
        a.incrementalAlterConfigs(Map.of(r, List.of(ops))).all().get(30, TimeUnit.SECONDS);
    }

    private static AlterConfigOp op(String k, String v) {
        return new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET);
    }

    private static PartitionLog log(TestBroker b, int p) {
        return b.broker().replicaManager().partition(new TopicPartition("cfg", p)).log();
    }

    private static long partitionDirs(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("cfg-")).count();
        }
    }

    @Test
    void configRoundTripsTakeEffectAndSurviveRestart(@TempDir Path tmp) throws Exception {
        Path d1 = tmp.resolve("d1");
        Path d2 = tmp.resolve("d2");
        try (TestBroker b = new TestBroker(tmp, Map.of("log.dirs", d1 + "," + d2, "log.retention.check.interval.ms", "200"))
                .start()) {
            try (Admin admin = Clients.admin(b.bootstrap()); KafkaProducer<String, String> p = Clients.producer(b.bootstrap())) {
                admin.createTopics(List.of(new NewTopic("cfg", 4, (short) 1))).all().get(30, TimeUnit.SECONDS);
                assertThat(partitionDirs(d1)).isEqualTo(2);
                assertThat(partitionDirs(d2)).isEqualTo(2);
                assertThat(describe(admin, TOPIC).get("retention.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);

                // Topic override, cluster default and per-broker dynamic settings, each with its source.
                set(admin, TOPIC, op("segment.bytes", "1024"));
                set(admin, CLUSTER, op("log.retention.bytes", "100000000"));
                set(admin, BROKER, op("log.roll.ms", "86400000"));
                Config c = describe(admin, TOPIC);
                assertThat(c.get("segment.bytes").value()).isEqualTo("1024");
                assertThat(c.get("segment.bytes").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
                assertThat(c.get("retention.bytes").value()).isEqualTo("100000000");
                assertThat(c.get("retention.bytes").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
                assertThat(c.get("segment.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG);
                assertThat(describe(admin, BROKER).get("log.roll.ms").value()).isEqualTo("86400000");
                assertThat(describe(admin, BROKER).get("log.roll.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG);
                assertThat(describe(admin, CLUSTER).get("log.retention.bytes").source())
                        .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);

                // Effective without restart: smaller segments, then a lower retention.ms deletes the old ones.
                long old = System.currentTimeMillis() - 7_200_000;
                for (int i = 0; i < 12; i++) {
                    p.send(new ProducerRecord<>("cfg", 0, old, "k", i + "x".repeat(250))).get(30, TimeUnit.SECONDS);
                }
                assertThat(log(b, 0).numberOfSegments()).isGreaterThan(3);
                assertThat(log(b, 0).logStartOffset()).isZero();
                set(admin, TOPIC, op("retention.ms", "3600000"));
                Awaitility.await("retention after lowering retention.ms").atMost(Duration.ofSeconds(20))
                        .until(() -> log(b, 0).logStartOffset() == 12);

                // Unknown and invalid values are refused.
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> set(admin, TOPIC, op("retention.ms", "abc")))
                        .hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidConfigurationException.class);
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> set(admin, BROKER, op("num.io.threads", "3")))
                        .hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidConfigurationException.class);

                // CreatePartitions.
                admin.createPartitions(Map.of("cfg", NewPartitions.increaseTo(6))).all().get(30, TimeUnit.SECONDS);
                assertThat(admin.describeTopics(List.of("cfg")).allTopicNames().get(30, TimeUnit.SECONDS).get("cfg")
                        .partitions()).hasSize(6);
                assertThat(p.send(new ProducerRecord<>("cfg", 5, "k", "v")).get(30, TimeUnit.SECONDS).partition()).isEqualTo(5);
                assertThat(partitionDirs(d1) + partitionDirs(d2)).isEqualTo(6);
                assertThat(partitionDirs(d1)).isEqualTo(3);
            }

            // AlterConfigs (legacy) replaces the whole override set: segment.bytes goes back to the default.
            try (RawClient raw = new RawClient(b.port())) {
                Struct req = AlterConfigsApi.SPEC.newRequest();
                Struct res = req.child("Resources").set("ResourceType", (byte) 2).set("ResourceName", "cfg");
                res.add("Configs", res.child("Configs").set("Name", "retention.ms").set("Value", "3600000"));
                res.add("Configs", res.child("Configs").set("Name", "max.message.bytes").set("Value", "50000"));
                req.add("Resources", res);
                Struct resp = raw.request(AlterConfigsApi.SPEC, (short) 2, req);
                assertThat(resp.getStructs("Responses").get(0).getShort("ErrorCode")).isZero();
            }

            b.restart();
            try (Admin admin = Clients.admin(b.bootstrap())) {
                Config c = describe(admin, TOPIC);
                assertThat(c.get("max.message.bytes").value()).isEqualTo("50000");
                assertThat(c.get("retention.ms").value()).isEqualTo("3600000");
                assertThat(c.get("segment.bytes").source()).isNotEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
                assertThat(c.get("retention.bytes").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
                assertThat(describe(admin, BROKER).get("log.roll.ms").value()).isEqualTo("86400000");
                assertThat(admin.describeTopics(List.of("cfg")).allTopicNames().get(30, TimeUnit.SECONDS).get("cfg")
                        .partitions()).hasSize(6);
                assertThat(log(b, 0).config().retentionMs()).isEqualTo(3_600_000L);
                assertThat(log(b, 0).config().retentionBytes()).isEqualTo(100_000_000L);
                assertThat(log(b, 0).logStartOffset()).isEqualTo(12);
            }
        }
    }
}
