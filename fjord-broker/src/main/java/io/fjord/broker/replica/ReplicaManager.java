package io.fjord.broker.replica;

import io.fjord.broker.config.BrokerConfig;
import io.fjord.broker.config.TopicConfigs;
import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.MetadataRecord;
import io.fjord.metadata.PartitionState;
import io.fjord.metadata.TopicImage;
import io.fjord.storage.GroupCommitFlusher;
import io.fjord.storage.LogConfig;
import io.fjord.storage.LogManager;
import io.fjord.storage.PartitionLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions this broker holds replicas of, kept in step with the cluster image: a topic created in the
 * metadata gets its logs here, a deleted one loses them. Appends go through here so waiting fetches can be woken.
 * Thread-safe.
 */
public final class ReplicaManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);

    private final int nodeId;
    private final BrokerConfig config;
    private final LogManager logs;
    private final Supplier<ClusterImage> image;
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final FetchPurgatory fetchPurgatory = new FetchPurgatory();
    /** Set when fjord.log.fsync.on.ack is on: acks=all answers wait for the group-commit fsync. */
    private final GroupCommitFlusher groupCommit;
    private final LogMaintenance maintenance;

    public ReplicaManager(int nodeId, BrokerConfig config, LogManager logs, Supplier<ClusterImage> image) {
        this(nodeId, config, logs, image, java.time.Clock.systemUTC());
    }

    public ReplicaManager(int nodeId, BrokerConfig config, LogManager logs, Supplier<ClusterImage> image,
                          java.time.Clock clock) {
        this.nodeId = nodeId;
        this.config = config;
        this.logs = logs;
        this.image = image;
        this.groupCommit = config.getBoolean("fjord.log.fsync.on.ack") ? new GroupCommitFlusher("fjord-group-commit") : null;
        this.maintenance = new LogMaintenance(config, logs, this::highWatermark, clock);
    }

    /** Starts the background retention, flush and checkpoint tasks. */
    public void startMaintenance() {
        maintenance.start();
    }

    public LogMaintenance maintenance() {
        return maintenance;
    }

    private long highWatermark(PartitionLog log) {
        Partition p = partitions.get(new TopicPartition(log.topic(), log.partition()));
        return p == null || p.log() != log ? log.logEndOffset() : p.highWatermark();
    }

    /**
     * Completes once offsets below {@code upToOffset} of the partition are fsynced when fsync-on-ack is on (group
     * commit), at once otherwise.
     */
    public java.util.concurrent.CompletableFuture<Void> awaitDurable(Partition partition, long upToOffset) {
        if (groupCommit == null) return java.util.concurrent.CompletableFuture.completedFuture(null);
        return groupCommit.flushed(partition.log(), upToOffset);
    }

    /** Writes the recovery-point and log-start-offset checkpoints now (after DeleteRecords). */
    public void checkpointLogs() {
        logs.checkpoint();
    }

    /** Opens (or creates) the log of every partition the current image places on this broker. */
    public void loadFromImage() {
        ClusterImage img = image.get();
        // Logs the metadata no longer knows (a crash between deleting a topic and removing its files, or a topic
        // deleted and created again under the same name) are removed before anything can read them.
        java.util.Set<String> stale = new java.util.TreeSet<>();
        for (PartitionLog l : logs.allLogs()) {
            TopicImage t = img.topic(l.topic());
            if (t == null || l.topicId().map(id -> !id.equals(t.id())).orElse(false)) stale.add(l.topic());
        }
        for (String topic : stale) {
            log.warn("removing logs of topic {}: not in the metadata (or under another topic id)", topic);
            logs.delete(topic);
        }
        for (TopicImage t : img.topics()) addTopic(t);
        for (Partition p : partitions.values()) { // leaders and ISRs may have moved since the partition was opened
            TopicImage t = img.topic(p.topicPartition().topic());
            if (t != null && t.partition(p.topicPartition().partition()) != null) p.updateState(t.partition(p.topicPartition().partition()));
        }
    }

    public int nodeId() {
        return nodeId;
    }

    /** True if this broker leads the partition now. */
    public boolean isLeader(Partition p) {
        return p.state().leader() == nodeId;
    }

    /** Applies one committed metadata change; called in commit order. */
    public void onMetadata(MetadataRecord record) {
        if (record instanceof MetadataRecord.TopicCreated created) {
            addTopic(image.get().topic(created.name()));
        } else if (record instanceof MetadataRecord.PartitionsAdded added) {
            addTopic(image.get().topic(added.name()));
        } else if (record instanceof MetadataRecord.TopicConfigsSet set) {
            reconfigure(image.get().topic(set.name()));
        } else if (record instanceof MetadataRecord.BrokerConfigsSet) {
            for (TopicImage t : image.get().topics()) reconfigure(t);
        } else if (record instanceof MetadataRecord.PartitionChanged changed) {
            Partition p = partitions.get(new TopicPartition(changed.topic(), changed.partition()));
            TopicImage t = image.get().topic(changed.topic());
            if (p != null && t != null && t.partition(changed.partition()) != null) p.updateState(t.partition(changed.partition()));
        } else if (record instanceof MetadataRecord.TopicDeleted deleted) {
            removeTopic(deleted.name());
        }
    }

    private void addTopic(TopicImage topic) {
        if (topic == null) return;
        LogConfig lc = logConfig(topic.configs());
        for (PartitionState p : topic.orderedPartitions()) {
            if (!p.replicas().contains(nodeId)) continue;
            TopicPartition tp = new TopicPartition(topic.name(), p.partition());
            partitions.computeIfAbsent(tp, k -> {
                PartitionLog pl = logs.getOrCreate(topic.name(), p.partition(), topic.id(), lc);
                pl.updateConfig(lc); // a log loaded at start-up has the default config until now
                return new Partition(tp, topic.id(), pl, p);
            });
        }
    }

    /** Applies a topic's current effective config to its logs (retention and flushing read it on their next run). */
    private void reconfigure(TopicImage topic) {
        if (topic == null) return;
        LogConfig lc = logConfig(topic.configs());
        for (Partition p : partitions.values()) {
            if (p.topicPartition().topic().equals(topic.name())) p.log().updateConfig(lc);
        }
    }

    private void removeTopic(String topic) {
        List<TopicPartition> gone = new ArrayList<>();
        for (TopicPartition tp : partitions.keySet()) if (tp.topic().equals(topic)) gone.add(tp);
        for (TopicPartition tp : gone) partitions.remove(tp);
        logs.delete(topic);
        log.info("deleted topic {} ({} partitions)", topic, gone.size());
    }

    LogConfig logConfig(Map<String, String> overrides) {
        ClusterImage img = image.get();
        TopicConfigs.Dynamic dyn = new TopicConfigs.Dynamic(img.brokerConfigs(Integer.toString(nodeId)),
                img.brokerConfigs(""));
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
                        java.util.Arrays.stream(eff.get("cleanup.policy").value().split(","))
                                .anyMatch(p -> p.trim().equalsIgnoreCase("compact")),
                        Long.parseLong(eff.get("delete.retention.ms").value()),
                        Double.parseDouble(eff.get("min.cleanable.dirty.ratio").value()),
                        Long.parseLong(eff.get("min.compaction.lag.ms").value())));
    }

    public Partition partition(TopicPartition tp) {
        return partitions.get(tp);
    }

    public FetchPurgatory fetchPurgatory() {
        return fetchPurgatory;
    }

    /** Appends as leader and wakes fetches waiting on this partition. */
    public io.fjord.storage.LogAppendResult appendAsLeader(Partition partition, java.nio.ByteBuffer batches) {
        io.fjord.storage.LogAppendResult r = partition.appendAsLeader(batches);
        fetchPurgatory.onAppend(partition.topicPartition());
        return r;
    }

    @Override
    public void close() {
        maintenance.close();
        if (groupCommit != null) groupCommit.close();
        fetchPurgatory.close();
    }
}
