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

    /**
     * The config overrides of consumer group {@code group} (the GROUP config resource of KIP-848, e.g.
     * {@code consumer.session.timeout.ms}) are now exactly {@code configs}; empty removes them.
     */
    record GroupConfigsSet(String group, Map<String, String> configs) implements MetadataRecord {
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

    /**
     * A cluster feature's finalized level is now {@code level} (Kafka's FeatureLevelRecord; 0 = not finalized), and
     * the finalized-features epoch at least {@code epoch} (the writer's image epoch + 1; a snapshot repeats the
     * image's), so every node answers the same FinalizedFeaturesEpoch.
     */
    record FeatureLevel(String name, short level, long epoch) implements MetadataRecord {
    }

    /**
     * A user's SCRAM credential for one mechanism ({@code SCRAM-SHA-256}, {@code SCRAM-SHA-512}) is now this one:
     * salt, StoredKey and ServerKey (RFC 5802; base64) and the iteration count. The password is never stored.
     */
    record ScramCredentialUpserted(String user, String mechanism, String salt, String storedKey, String serverKey,
                                   int iterations) implements MetadataRecord {
    }

    /**
     * An ACL binding now exists. The numbers are Kafka's codes: resource type (TOPIC 2, GROUP 3, CLUSTER 4,
     * TRANSACTIONAL_ID 5, DELEGATION_TOKEN 6, USER 7), pattern type (LITERAL 3, PREFIXED 4), operation (READ 3 ..
     * TWO_PHASE_COMMIT 15, ALL 2) and permission (DENY 2, ALLOW 3); principal as {@code User:alice}, host an address
     * or {@code *}. Creating a binding that exists changes nothing.
     */
    record AclCreated(int resourceType, String resourceName, int patternType, String principal, String host,
                      int operation, int permission) implements MetadataRecord {
    }

    /** The ACL binding is removed. */
    record AclDeleted(AclCreated acl) implements MetadataRecord {
    }

    /**
     * One client quota of an entity changed, in the shape of Kafka's ClientQuotaRecord: the entity (user, client id
     * or both; {@link QuotaEntity#DEFAULT} for a default), the quota key ({@code producer_byte_rate},
     * {@code consumer_byte_rate}, {@code request_percentage}) and its new value, or null when it is removed.
     */
    record ClientQuotaChanged(QuotaEntity entity, String key, Double value) implements MetadataRecord {
        public ClientQuotaChanged {
            java.util.Objects.requireNonNull(entity, "entity");
            java.util.Objects.requireNonNull(key, "key");
        }
    }

    /** A user's SCRAM credential for one mechanism was removed. */
    record ScramCredentialDeleted(String user, String mechanism) implements MetadataRecord {
    }

    /** A broker process registered (or re-registered after a restart, with a new incarnation); it is unfenced. */
    record BrokerRegistered(int id, String incarnation, String host, int port, String rack,
                            java.util.List<BrokerNode.Endpoint> endpoints) implements MetadataRecord {
        public BrokerRegistered {
            endpoints = endpoints == null ? java.util.List.of() : java.util.List.copyOf(endpoints);
        }

        /** A registration without per-listener endpoints (lines written before they were recorded). */
        public BrokerRegistered(int id, String incarnation, String host, int port, String rack) {
            this(id, incarnation, host, port, rack, java.util.List.of());
        }
    }

    /** A broker missed its heartbeats: it is fenced (hidden from clients, leads nothing) until it heartbeats again. */
    record BrokerFenced(int id) implements MetadataRecord {
    }

    /** A fenced broker heartbeats again. */
    record BrokerUnfenced(int id) implements MetadataRecord {
    }

    /**
     * A broker began a controlled shutdown: it is fenced and is not unfenced (so not elected, not let back into an
     * ISR) until it registers again with a new incarnation.
     */
    record BrokerShuttingDown(int id) implements MetadataRecord {
    }

    /**
     * A broker was decommissioned (UnregisterBroker): its registration, fencing and incarnation are gone. Partitions
     * that list it keep it in their replica lists (as Kafka does); it leads nothing and is in no ISR unless it was
     * a partition's last member. A process of that id still running registers again on its next heartbeat.
     */
    record BrokerUnregistered(int id) implements MetadataRecord {
    }

    /**
     * A partition's state changed (leader -1: no leader). {@code replicas}, {@code addingReplicas} and
     * {@code removingReplicas} are null when they stay as they are (records written before reassignment existed
     * have none); otherwise they replace them. The state machine applies it only if {@code partitionEpoch} is one
     * more than the current one, so a change computed from an outdated image is dropped rather than undoing a
     * newer one.
     */
    record PartitionChanged(String topic, UUID topicId, int partition, int leader, List<Integer> isr, int leaderEpoch,
                            int partitionEpoch, List<Integer> replicas, List<Integer> addingReplicas,
                            List<Integer> removingReplicas) implements MetadataRecord {
        public PartitionChanged {
            isr = List.copyOf(isr);
            replicas = replicas == null ? null : List.copyOf(replicas);
            addingReplicas = addingReplicas == null ? null : List.copyOf(addingReplicas);
            removingReplicas = removingReplicas == null ? null : List.copyOf(removingReplicas);
        }

        /** A leader or ISR change that leaves the replica lists alone. */
        public PartitionChanged(String topic, UUID topicId, int partition, int leader, List<Integer> isr, int leaderEpoch,
                                int partitionEpoch) {
            this(topic, topicId, partition, leader, isr, leaderEpoch, partitionEpoch, null, null, null);
        }

        /** The record that turns {@code before} into {@code after} (same partition of topic {@code topic}). */
        public static PartitionChanged between(String topic, UUID topicId, PartitionState before, PartitionState after) {
            boolean assignment = !before.replicas().equals(after.replicas())
                    || !before.addingReplicas().equals(after.addingReplicas())
                    || !before.removingReplicas().equals(after.removingReplicas());
            return new PartitionChanged(topic, topicId, after.partition(), after.leader(), after.isr(), after.leaderEpoch(),
                    after.partitionEpoch(), assignment ? after.replicas() : null,
                    assignment ? after.addingReplicas() : null, assignment ? after.removingReplicas() : null);
        }

        /** True if it changes the partition's replica list (brokers then start or stop hosting it). */
        public boolean changesReplicas() {
            return replicas != null;
        }

        /** {@code before} with this change applied. */
        public PartitionState applyTo(PartitionState before) {
            return new PartitionState(before.partition(), replicas == null ? before.replicas() : replicas, isr, leader,
                    leaderEpoch, partitionEpoch, addingReplicas == null ? before.addingReplicas() : addingReplicas,
                    removingReplicas == null ? before.removingReplicas() : removingReplicas);
        }
    }
}
