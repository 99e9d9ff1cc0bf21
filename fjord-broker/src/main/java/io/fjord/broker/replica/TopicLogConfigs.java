package io.fjord.broker.replica;

import io.fjord.broker.config.BrokerConfig;
import io.fjord.broker.config.TopicConfigs;
import io.fjord.metadata.ClusterImage;
import io.fjord.storage.LogConfig;
import java.util.Arrays;
import java.util.Map;

/** A topic's effective log settings (topic override, dynamic broker, dynamic cluster default, static, default). */
final class TopicLogConfigs {
    private TopicLogConfigs() {
    }

    static LogConfig logConfig(BrokerConfig config, ClusterImage img, int nodeId, Map<String, String> overrides) {
        TopicConfigs.Dynamic dyn = new TopicConfigs.Dynamic(img.brokerConfigs(Integer.toString(nodeId)), img.brokerConfigs(""));
        Map<String, TopicConfigs.Value> eff = TopicConfigs.effective(overrides, config, dyn);
        return new LogConfig(
                Integer.parseInt(eff.get("segment.bytes").value()),
                Long.parseLong(eff.get("segment.ms").value()),
                Integer.parseInt(eff.get("index.interval.bytes").value()),
                Integer.parseInt(eff.get("segment.index.bytes").value()),
                Long.parseLong(eff.get("flush.messages").value()),
                Long.parseLong(eff.get("flush.ms").value()),
                Long.parseLong(eff.get("retention.ms").value()),
                Long.parseLong(eff.get("retention.bytes").value()),
                new LogConfig.Compaction(
                        Arrays.stream(eff.get("cleanup.policy").value().split(","))
                                .anyMatch(p -> p.trim().equalsIgnoreCase("compact")),
                        Long.parseLong(eff.get("delete.retention.ms").value()),
                        Double.parseDouble(eff.get("min.cleanable.dirty.ratio").value()),
                        Long.parseLong(eff.get("min.compaction.lag.ms").value())));
    }
}
