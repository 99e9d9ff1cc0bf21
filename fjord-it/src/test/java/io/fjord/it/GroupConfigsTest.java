package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GROUP config resource of KIP-848 (issue 11): what {@code kafka-configs.sh --entity-type groups} sends,
 * through kafka-clients' Admin — defaults from the broker's {@code group.consumer.*} settings, overrides with
 * source GROUP_CONFIG, Kafka's bounds, keys of group types Fjord lacks refused by name, and survival across a
 * restart (the overrides are in the metadata log).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class GroupConfigsTest {
    private static final ConfigResource GROUP = new ConfigResource(ConfigResource.Type.GROUP, "billing");

    @TempDir
    Path tmp;

    private static Config describe(Admin a, ConfigResource r) throws Exception {
        return a.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r);
    }

    private static void alter(Admin a, AlterConfigOp... ops) throws Exception {
        a.incrementalAlterConfigs(Map.of(GROUP, List.of(ops))).all().get(30, TimeUnit.SECONDS);
    }

    private static AlterConfigOp set(String k, String v) {
        return new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET);
    }

    @Test
    void groupConfigsDefaultToTheBrokersSettingsAndOverridesSurviveARestart() throws Exception {
        try (TestBroker b = new TestBroker(tmp, Map.of("group.consumer.session.timeout.ms", "50000")).start()) {
            try (Admin a = Clients.admin(b.bootstrap())) {
                Config before = describe(a, GROUP);
                assertThat(before.get("consumer.session.timeout.ms").value()).isEqualTo("50000");
                assertThat(before.get("consumer.session.timeout.ms").source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
                assertThat(before.get("consumer.heartbeat.interval.ms").value()).isEqualTo("5000");
                assertThat(before.get("consumer.heartbeat.interval.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);

                alter(a, set("consumer.session.timeout.ms", "55000"), set("consumer.heartbeat.interval.ms", "6000"));
                Config after = describe(a, GROUP);
                assertThat(after.get("consumer.session.timeout.ms").value()).isEqualTo("55000");
                assertThat(after.get("consumer.session.timeout.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_GROUP_CONFIG);
                assertThat(after.get("consumer.heartbeat.interval.ms").value()).isEqualTo("6000");
                // Another group is untouched.
                ConfigResource other = new ConfigResource(ConfigResource.Type.GROUP, "other");
                assertThat(describe(a, other).get("consumer.session.timeout.ms").value()).isEqualTo("50000");
            }
            b.restart();
            try (Admin a = Clients.admin(b.bootstrap())) {
                assertThat(describe(a, GROUP).get("consumer.session.timeout.ms").value()).isEqualTo("55000");
                alter(a, new AlterConfigOp(new ConfigEntry("consumer.session.timeout.ms", null), AlterConfigOp.OpType.DELETE));
                Config reset = describe(a, GROUP);
                assertThat(reset.get("consumer.session.timeout.ms").value()).isEqualTo("50000");
                assertThat(reset.get("consumer.heartbeat.interval.ms").value()).isEqualTo("6000");
            }
        }
    }

    @Test
    void valuesOutsideTheBrokersBoundsAndUnsupportedKeysAreRefusedByName() throws Exception {
        try (TestBroker b = new TestBroker(tmp).start(); Admin a = Clients.admin(b.bootstrap())) {
            assertThatThrownBy(() -> alter(a, set("consumer.session.timeout.ms", "1000")))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining("group.consumer.min.session.timeout.ms");
            assertThatThrownBy(() -> alter(a, set("consumer.heartbeat.interval.ms", "99999")))
                    .hasCauseInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining("group.consumer.max.heartbeat.interval.ms");
            assertThatThrownBy(() -> alter(a, set("consumer.session.timeout.ms", "soon")))
                    .hasCauseInstanceOf(InvalidConfigurationException.class).hasMessageContaining("consumer.session.timeout.ms");
            assertThatThrownBy(() -> alter(a, set("share.record.lock.duration.ms", "30000")))
                    .hasCauseInstanceOf(InvalidConfigurationException.class).hasMessageContaining("share.record.lock.duration.ms")
                    .hasMessageContaining("not supported");
            assertThatThrownBy(() -> alter(a, set("no.such.key", "1")))
                    .hasCauseInstanceOf(InvalidConfigurationException.class).hasMessageContaining("no.such.key");
            // Nothing was stored by the refused changes.
            Config c = describe(a, GROUP);
            assertThat(c.get("consumer.session.timeout.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
            assertThat(c.entries()).extracting(ConfigEntry::name)
                    .containsExactlyInAnyOrder("consumer.session.timeout.ms", "consumer.heartbeat.interval.ms");
        }
    }
}
