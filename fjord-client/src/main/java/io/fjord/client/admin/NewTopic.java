package io.fjord.client.admin;

import java.util.Map;

/** A topic to create: -1 partitions or replication factor means the broker's default. */
public record NewTopic(String name, int numPartitions, short replicationFactor, Map<String, String> configs) {
    public NewTopic {
        configs = configs == null ? Map.of() : Map.copyOf(configs);
    }

    public NewTopic(String name, int numPartitions, short replicationFactor) {
        this(name, numPartitions, replicationFactor, Map.of());
    }
}
