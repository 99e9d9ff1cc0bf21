package io.fjord.metadata;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The controller of a single-node cluster: validates metadata changes, writes them to the {@link MetadataLog}
 * and publishes the new {@link ClusterImage}. Methods are synchronized (changes are rare and must be ordered);
 * {@link #image()} is lock-free. The quorum controller of the cluster issue replaces the log, not this contract.
 */
public final class LocalController implements Controller {
    private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]+");
    public static final int MAX_NAME_LENGTH = 249;

    private final MetadataLog log;
    private final List<Consumer<MetadataRecord>> listeners = new CopyOnWriteArrayList<>();
    private volatile ClusterImage image;
    private long nextProducerIdBlockStart;

    private LocalController(MetadataLog log, ClusterImage image, long nextProducerIdBlockStart) {
        this.log = log;
        this.image = image;
        this.nextProducerIdBlockStart = nextProducerIdBlockStart;
    }

    /** Opens the metadata log under {@code dir} and replays it into the first image. */
    public static LocalController open(Path dir, String clusterId, BrokerNode self) throws IOException {
        List<MetadataRecord> replayed = new ArrayList<>();
        MetadataLog log = MetadataLog.open(dir.resolve("metadata.log"), replayed);
        ClusterImage image = new ClusterImage(clusterId, self.id(), Map.of(self.id(), self), List.of());
        long nextProducerIds = 0;
        for (MetadataRecord r : replayed) {
            image = apply(image, r);
            if (r instanceof MetadataRecord.ProducerIdsBlockAllocated b) nextProducerIds = b.nextBlockStart();
        }
        return new LocalController(log, image, nextProducerIds);
    }

    @Override
    public ClusterImage image() {
        return image;
    }

    /** Called after each applied change, in order, on the thread that made it. */
    @Override
    public void addListener(Consumer<MetadataRecord> listener) {
        listeners.add(listener);
    }

    /** Why a topic name is illegal, or null if it is fine. */
    public static String invalidTopicName(String name) {
        if (name == null || name.isEmpty()) return "Topic name is empty";
        if (name.equals(".") || name.equals("..")) return "Topic name cannot be \".\" or \"..\"";
        if (name.length() > MAX_NAME_LENGTH) return "Topic name is longer than " + MAX_NAME_LENGTH + " characters";
        if (!LEGAL_NAME.matcher(name).matches()) return "Topic name \"" + name + "\" contains characters other than ASCII alphanumerics, '.', '_' and '-'";
        return null;
    }

    /**
     * Creates a topic with the replicas of {@code replicaAssignment} (partition index to replica list); the first
     * replica is the preferred leader, the ISR the replicas that are live. The caller has validated counts and names.
     *
     * @throws IllegalStateException if the topic exists
     * @throws IllegalArgumentException if a partition has no live replica
     */
    @Override
    public synchronized TopicImage createTopic(String name, List<List<Integer>> replicaAssignment, Map<String, String> configs)
            throws IOException {
        if (image.topic(name) != null) throw new IllegalStateException("Topic '" + name + "' already exists.");
        List<PartitionState> parts = new ArrayList<>();
        for (int p = 0; p < replicaAssignment.size(); p++) {
            parts.add(ReplicationControl.newPartition(image, p, replicaAssignment.get(p)));
        }
        MetadataRecord.TopicCreated r = new MetadataRecord.TopicCreated(name, newTopicId(), parts, configs);
        commit(r);
        return image.topic(name);
    }

    @Override
    public synchronized void setTopicConfigs(String name, Map<String, String> configs) throws IOException {
        if (image.topic(name) == null) throw new IllegalArgumentException("unknown topic " + name);
        commit(new MetadataRecord.TopicConfigsSet(name, configs));
    }

    /**
     * Adds partitions {@code current..current+n-1} to a topic, with the given replica lists (validated by the
     * caller). Returns the new topic image.
     */
    @Override
    public synchronized TopicImage addPartitions(String name, List<List<Integer>> newReplicaAssignment) throws IOException {
        TopicImage t = image.topic(name);
        if (t == null) throw new IllegalArgumentException("unknown topic " + name);
        List<PartitionState> parts = new ArrayList<>();
        int first = t.partitionCount();
        for (int i = 0; i < newReplicaAssignment.size(); i++) {
            parts.add(ReplicationControl.newPartition(image, first + i, newReplicaAssignment.get(i)));
        }
        commit(new MetadataRecord.PartitionsAdded(name, t.id(), parts));
        return image.topic(name);
    }

    @Override
    public synchronized void alterAcls(List<MetadataRecord> changes) throws IOException {
        for (MetadataRecord r : changes) {
            if (!(r instanceof MetadataRecord.AclCreated || r instanceof MetadataRecord.AclDeleted)) {
                throw new IllegalArgumentException("not an ACL change: " + r);
            }
        }
        for (MetadataRecord r : changes) commit(r);
    }

    @Override
    public synchronized void alterClientQuotas(List<MetadataRecord.ClientQuotaChanged> changes) throws IOException {
        for (MetadataRecord r : changes) commit(r);
    }

    @Override
    public synchronized void alterScramCredentials(List<MetadataRecord> changes) throws IOException {
        for (MetadataRecord r : changes) {
            if (!(r instanceof MetadataRecord.ScramCredentialUpserted || r instanceof MetadataRecord.ScramCredentialDeleted)) {
                throw new IllegalArgumentException("not a SCRAM credential change: " + r);
            }
            commit(r);
        }
    }

    @Override
    public synchronized void updateFeatures(List<MetadataRecord.FeatureLevel> changes) throws IOException {
        for (MetadataRecord r : changes) commit(r);
    }

    /** Replaces the dynamic broker settings of {@code resource} ({@code ""} = cluster default, or a broker id). */
    @Override
    public synchronized void setBrokerConfigs(String resource, Map<String, String> configs) throws IOException {
        commit(new MetadataRecord.BrokerConfigsSet(resource, Map.copyOf(configs)));
    }

    /** A single node is its own quorum: the leader, at epoch 0, holding every record it wrote. */
    @Override
    public synchronized QuorumInfo describeQuorum() {
        long end = log.recordCount();
        long now = System.currentTimeMillis();
        int self = image.controllerId();
        return new QuorumInfo(self, 0, end, List.of(new QuorumInfo.Replica(self, end, now, now)), List.of());
    }

    @Override
    public synchronized void setGroupConfigs(String group, Map<String, String> configs) throws IOException {
        commit(new MetadataRecord.GroupConfigsSet(group, Map.copyOf(configs)));
    }

    @Override
    public synchronized boolean deleteTopic(String name) throws IOException {
        TopicImage t = image.topic(name);
        if (t == null) return false;
        commit(new MetadataRecord.TopicDeleted(name, t.id()));
        return true;
    }

    /**
     * Reserves the next {@code blockSize} producer ids for {@code brokerId}, durably (the record is fsynced before
     * this returns), so no id is ever handed out twice, even across restarts.
     */
    @Override
    public synchronized MetadataRecord.ProducerIdsBlockAllocated allocateProducerIds(int brokerId, int blockSize)
            throws IOException {
        if (blockSize <= 0) throw new IllegalArgumentException("block size " + blockSize);
        MetadataRecord.ProducerIdsBlockAllocated r =
                new MetadataRecord.ProducerIdsBlockAllocated(brokerId, nextProducerIdBlockStart, blockSize);
        commit(r);
        nextProducerIdBlockStart = r.nextBlockStart();
        return r;
    }

    @Override
    public synchronized AlterPartitionResult alterPartition(AlterPartitionRequest request) throws IOException {
        return commit(ReplicationControl.alterPartition(image, request));
    }

    /** A single node has nobody to hand its partitions to. */
    @Override
    public boolean controlledShutdown(int brokerId, long timeoutMs) {
        return false;
    }

    /**
     * The only registered broker is this running node: unregistering it answers NONE and changes nothing, since a
     * live broker registers again at once (what a live Kafka broker does on its next heartbeat). Any other id is
     * BROKER_ID_NOT_REGISTERED.
     */
    @Override
    public synchronized io.fjord.protocol.api.Errors unregisterBroker(int brokerId) {
        return image.broker(brokerId) == null ? io.fjord.protocol.api.Errors.BROKER_ID_NOT_REGISTERED
                : io.fjord.protocol.api.Errors.NONE;
    }

    @Override
    public synchronized List<ElectionResult> electLeaders(ElectionType type, List<TopicPartitionRef> partitions)
            throws IOException {
        return commit(ReplicationControl.electLeaders(image, type, partitions));
    }

    @Override
    public synchronized List<ReassignmentResult> alterPartitionReassignments(List<ReassignmentRequest> requests)
            throws IOException {
        return commit(Reassignments.alter(image, requests));
    }

    private <R> R commit(ReplicationControl.Outcome<R> outcome) throws IOException {
        if (outcome.records().isEmpty()) return outcome.result();
        log.appendAll(outcome.records());
        for (MetadataRecord r : outcome.records()) image = apply(image, r);
        for (MetadataRecord r : outcome.records()) {
            for (Consumer<MetadataRecord> l : listeners) l.accept(r);
        }
        return outcome.result();
    }

    private UUID newTopicId() {
        UUID id;
        do {
            id = UUID.randomUUID();
        } while (image.topic(id) != null || id.getMostSignificantBits() == 0 && id.getLeastSignificantBits() <= 1);
        return id;
    }

    private void commit(MetadataRecord r) throws IOException {
        log.append(r);
        image = apply(image, r);
        for (Consumer<MetadataRecord> l : listeners) l.accept(r);
    }

    static ClusterImage apply(ClusterImage image, MetadataRecord r) {
        return ImageApplier.apply(image, r);
    }

    @Override
    public void close() throws IOException {
        log.close();
    }
}
