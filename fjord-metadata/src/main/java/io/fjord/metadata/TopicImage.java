package io.fjord.metadata;

import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/** A topic: name, id, its partitions by index, and the topic-level config overrides. Immutable. */
public record TopicImage(String name, UUID id, Map<Integer, PartitionState> partitions, Map<String, String> configs) {
    public TopicImage {
        partitions = Map.copyOf(partitions);
        configs = Map.copyOf(configs);
    }

    public PartitionState partition(int index) {
        return partitions.get(index);
    }

    public int partitionCount() {
        return partitions.size();
    }

    /** Partitions in index order. */
    public Iterable<PartitionState> orderedPartitions() {
        return new TreeMap<>(partitions).values();
    }
}
