package io.fjord.broker.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link TopicConfigs#get} resolves one key the way {@link TopicConfigs#effective} resolves all of them. */
class TopicConfigsGetTest {
    @Test
    void oneKeyMatchesTheWholeEffectiveMap() {
        BrokerConfig broker = BrokerConfig.of(Map.of("message.max.bytes", "2000000", "min.insync.replicas", "2",
                "log.retention.hours", "5", "log.message.timestamp.type", "LogAppendTime"));
        Map<String, String> overrides = Map.of("min.insync.replicas", "3", "cleanup.policy", "compact");
        for (Map<String, String> o : java.util.List.of(overrides, Map.<String, String>of())) {
            Map<String, TopicConfigs.Value> all = TopicConfigs.effective(o, broker);
            assertThat(all).isNotEmpty();
            all.forEach((name, v) -> assertThat(TopicConfigs.get(o, broker, name)).as(name).isEqualTo(v.value()));
        }
        assertThat(TopicConfigs.get(overrides, broker, "min.insync.replicas")).isEqualTo("3");
        assertThat(TopicConfigs.get(Map.of(), broker, "min.insync.replicas")).isEqualTo("2");
        assertThat(TopicConfigs.get(Map.of(), broker, "max.message.bytes")).isEqualTo("2000000");
        assertThat(TopicConfigs.get(Map.of(), broker, "retention.ms")).isEqualTo(Long.toString(5 * 3_600_000L));
        assertThatThrownBy(() -> TopicConfigs.get(Map.of(), broker, "no.such.key")).isInstanceOf(IllegalArgumentException.class);
    }
}
