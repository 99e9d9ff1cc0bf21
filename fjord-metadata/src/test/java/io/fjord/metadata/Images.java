package io.fjord.metadata;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Builds cluster images for tests by applying records, as the controllers do. */
final class Images {
    static final UUID TOPIC_ID = UUID.fromString("00000000-0000-0000-0000-0000000000aa");

    private ClusterImage image = new ClusterImage("test-cluster", 1, Map.of(), List.of());

    static Images brokers(int... ids) {
        Images b = new Images();
        for (int id : ids) b.apply(new MetadataRecord.BrokerRegistered(id, "inc-" + id, "127.0.0.1", 9000 + id, null));
        return b;
    }

    Images apply(MetadataRecord r) {
        image = ImageApplier.apply(image, r);
        return this;
    }

    Images applyAll(List<MetadataRecord> records) {
        for (MetadataRecord r : records) apply(r);
        return this;
    }

    /** Topic {@code name} with the given partition states (id {@link #TOPIC_ID} for the first such call). */
    Images topic(String name, PartitionState... partitions) {
        UUID id = image.topics().isEmpty() ? TOPIC_ID : UUID.nameUUIDFromBytes(name.getBytes());
        return apply(new MetadataRecord.TopicCreated(name, id, List.of(partitions), new HashMap<>()));
    }

    Images topicWithConfigs(String name, Map<String, String> configs, PartitionState... partitions) {
        UUID id = image.topics().isEmpty() ? TOPIC_ID : UUID.nameUUIDFromBytes(name.getBytes());
        return apply(new MetadataRecord.TopicCreated(name, id, List.of(partitions), configs));
    }

    Images fenced(int id) {
        return apply(new MetadataRecord.BrokerFenced(id));
    }

    ClusterImage image() {
        return image;
    }

    static PartitionState p(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                            int partitionEpoch) {
        return new PartitionState(partition, replicas, isr, leader, leaderEpoch, partitionEpoch);
    }

    /** The image after the records, applied as the Raft state machine would (stale changes dropped). */
    static ClusterImage applyChecked(ClusterImage image, List<MetadataRecord> records) {
        ClusterImage img = image;
        List<MetadataRecord> skipped = new ArrayList<>();
        for (MetadataRecord r : records) {
            if (r instanceof MetadataRecord.PartitionChanged c && !ReplicationControl.isNextChange(img, c)) {
                skipped.add(r);
                continue;
            }
            img = ImageApplier.apply(img, r);
        }
        if (!skipped.isEmpty()) throw new AssertionError("stale changes in one decision: " + skipped);
        return img;
    }
}
