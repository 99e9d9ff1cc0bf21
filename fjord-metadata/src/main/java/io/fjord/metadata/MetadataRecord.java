package io.fjord.metadata;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A change to the cluster's metadata. The image is what you get by applying these records in order, so a
 * restart replays them, and a future controller quorum replicates the same records.
 */
public sealed interface MetadataRecord {

    /** A topic came into being with these partitions. */
    record TopicCreated(String name, UUID id, List<PartitionState> partitions, Map<String, String> configs)
            implements MetadataRecord {
    }

    /** A topic's config overrides are now exactly {@code configs}. */
    record TopicConfigsSet(String name, Map<String, String> configs) implements MetadataRecord {
    }

    /** Partitions were added to an existing topic (CreatePartitions). */
    record PartitionsAdded(String name, UUID id, List<PartitionState> partitions) implements MetadataRecord {
    }

    /**
     * The dynamic broker settings of {@code resource} are now exactly {@code configs}: {@code ""} is the
     * cluster-wide default, otherwise a broker id.
     */
    record BrokerConfigsSet(String resource, Map<String, String> configs) implements MetadataRecord {
    }

    /** A topic and its data are gone. */
    record TopicDeleted(String name, UUID id) implements MetadataRecord {
    }

    /**
     * Producer ids {@code [blockStart, blockStart + blockSize)} now belong to broker {@code brokerId}; the next
     * block starts at {@code blockStart + blockSize}. Never reused, so ids stay unique across restarts.
     */
    record ProducerIdsBlockAllocated(int brokerId, long blockStart, int blockSize) implements MetadataRecord {
        public long nextBlockStart() {
            return blockStart + blockSize;
        }
    }

    /** A broker process registered (or re-registered after a restart, with a new incarnation); it is unfenced. */
    record BrokerRegistered(int id, String incarnation, String host, int port, String rack) implements MetadataRecord {
    }

    /** A broker missed its heartbeats: it is fenced (hidden from clients, leads nothing) until it heartbeats again. */
    record BrokerFenced(int id) implements MetadataRecord {
    }

    /** A fenced broker heartbeats again. */
    record BrokerUnfenced(int id) implements MetadataRecord {
    }

    /** A partition's leader or in-sync set changed (leader -1: no leader). */
    record PartitionChanged(String topic, UUID topicId, int partition, int leader, List<Integer> isr, int leaderEpoch,
                            int partitionEpoch) implements MetadataRecord {
    }
}
