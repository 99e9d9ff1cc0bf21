package io.fjord.broker.replica;

import io.fjord.broker.config.BrokerConfig;
import io.fjord.metadata.BrokerNode;
import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.MetadataRecord;
import io.fjord.metadata.PartitionState;
import io.fjord.metadata.TopicImage;
import io.fjord.storage.GroupCommitFlusher;
import io.fjord.storage.LogAppendResult;
import io.fjord.storage.LogManager;
import io.fjord.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions this broker holds replicas of, kept in step with the cluster image: for each partition placed
 * here it opens the log and makes the replica leader or follower as the image says (starting and stopping the
 * {@link ReplicaFetcherManager}'s fetchers); a replica moved away or a deleted topic loses its log.
 *
 * <p>Metadata changes arrive on the controller's apply thread and are applied here on one thread of our own
 * ({@code fjord-replica-state}), in commit order, so slow work (opening logs, stopping fetchers) never holds up the
 * metadata log; {@link #awaitMetadataApplied} lets a request that just wrote metadata wait for this node to catch
 * up. The leader's side of replication runs from the fetch path ({@link #onFollowerFetch}) and a timer that shrinks
 * the ISR of lagging followers; ISR changes go to the controller through an {@link IsrChannel}. Appends and high
 * watermark moves wake the two purgatories (delayed fetches and acks=all produces). Thread-safe.
 */
public final class ReplicaManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);

    /** How the leader asks the controller to change a partition's ISR (Kafka's AlterPartition). */
    @FunctionalInterface
    public interface IsrChannel {
        /**
         * Commits {@code newIsr} if the partition is still at {@code leaderEpoch}/{@code partitionEpoch} with this
         * broker leading. Blocks until the controller answered; returns null on success, else the reason it was
         * refused (then it was not made). Throws when the outcome is unknown (it may have been made).
         */
        String alterPartition(String topic, UUID topicId, int partition, int leaderId, int leaderEpoch,
                              int partitionEpoch, List<Integer> newIsr, Map<Integer, Long> brokerEpochs) throws Exception;
    }

    /**
     * Told when this broker starts or stops leading a partition (coordinators load and unload their state with
     * it). Called on the replica-state thread, in metadata order: keep it short, hand real work to another thread.
     */
    public interface LeadershipListener {
        void onBecomeLeader(TopicPartition tp, int leaderEpoch);

        void onResign(TopicPartition tp, int leaderEpoch);
    }

    private final java.util.List<LeadershipListener> leadershipListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final int nodeId;
    private final BrokerConfig config;
    private final LogManager logs;
    private final Supplier<ClusterImage> image;
    private final Clock clock;
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final DelayedOperationPurgatory fetchPurgatory = new DelayedOperationPurgatory("fetch");
    private final DelayedOperationPurgatory producePurgatory = new DelayedOperationPurgatory("produce");
    /** Set when fjord.log.fsync.on.ack is on: acks=1 and acks=all answers wait for the group-commit force. */
    private final GroupCommitFlusher groupCommit;
    private final LogMaintenance maintenance;
    private final ReplicaFetcherManager fetchers;
    private final ExecutorService stateThread = Executors.newSingleThreadExecutor(named("fjord-replica-state"));
    private final ExecutorService isrThread = Executors.newSingleThreadExecutor(named("fjord-alter-partition"));
    private final ScheduledExecutorService isrTimer = Executors.newSingleThreadScheduledExecutor(named("fjord-isr-expiration"));
    private final AtomicLong metadataEnqueued = new AtomicLong();
    private final AtomicLong metadataApplied = new AtomicLong();
    private final Object appliedMonitor = new Object();
    private final long replicaLagMs;
    private volatile IsrChannel isrChannel = (t, id, p, l, le, pe, isr, be) -> {
        throw new IllegalStateException("no controller channel yet");
    };
    private volatile boolean closed;
    /** Traffic and ISR-change meters; null until the broker sets them (unit tests run without). */
    private volatile io.fjord.broker.metrics.BrokerMetrics metrics;

    public ReplicaManager(int nodeId, BrokerConfig config, LogManager logs, Supplier<ClusterImage> image) {
        this(nodeId, config, logs, image, Clock.systemUTC());
    }

    public ReplicaManager(int nodeId, BrokerConfig config, LogManager logs, Supplier<ClusterImage> image, Clock clock) {
        this.nodeId = nodeId;
        this.config = config;
        this.logs = logs;
        this.image = image;
        this.clock = clock;
        this.groupCommit = config.getBoolean("fjord.log.fsync.on.ack") ? new GroupCommitFlusher("fjord-group-commit") : null;
        this.maintenance = new LogMaintenance(config, logs, this::highWatermark, clock);
        this.replicaLagMs = config.getLong("replica.lag.time.max.ms");
        ReplicaFetcherThread.Settings fs = new ReplicaFetcherThread.Settings(nodeId,
                config.getInt("replica.fetch.wait.max.ms"), config.getInt("replica.fetch.min.bytes"),
                config.getInt("replica.fetch.response.max.bytes"), config.getInt("replica.fetch.max.bytes"),
                config.getLong("replica.fetch.backoff.ms"), config.getLong("replica.socket.timeout.ms"),
                () -> this.image.get().brokerEpoch(nodeId), io.fjord.broker.security.InterBrokerClient.settings(config));
        this.fetchers = new ReplicaFetcherManager(fs, config.getInt("num.replica.fetchers"), clock, () -> { });
        long period = Math.max(10, replicaLagMs / 2);
        isrTimer.scheduleWithFixedDelay(this::shrinkLaggingIsrs, period, period, TimeUnit.MILLISECONDS);
    }

    public void addLeadershipListener(LeadershipListener l) {
        leadershipListeners.add(l);
    }

    private void notifyLeadership(TopicPartition tp, int epoch, boolean leader) {
        for (LeadershipListener l : leadershipListeners) {
            try {
                if (leader) l.onBecomeLeader(tp, epoch); else l.onResign(tp, epoch);
            } catch (RuntimeException e) {
                log.error("leadership listener failed for {}", tp, e);
            }
        }
    }

    /**
     * Completes when the partition's high watermark reaches {@code offset} (every ISR member has what lies below);
     * fails with {@link Partition.NotLeaderException} if this broker stops leading it at the current epoch first,
     * and with a {@link java.util.concurrent.TimeoutException} after {@code timeoutMs}. For writers that answer
     * only once their records are replicated (coordinators).
     */
    public CompletableFuture<Void> awaitHighWatermark(Partition p, long offset, long timeoutMs) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        int epoch = p.leaderEpoch();
        DelayedOperationPurgatory.DelayedOperation op = new DelayedOperationPurgatory.DelayedOperation() {
            @Override
            public boolean isSatisfied() {
                return p.highWatermark() >= offset || !p.isLeader() || p.leaderEpoch() != epoch;
            }

            @Override
            public void complete() {
                if (p.isLeader() && p.leaderEpoch() == epoch && p.highWatermark() >= offset) f.complete(null);
                else if (!p.isLeader() || p.leaderEpoch() != epoch) f.completeExceptionally(new Partition.NotLeaderException(p.topicPartition() + " is no longer led here"));
                else f.completeExceptionally(new java.util.concurrent.TimeoutException("high watermark of " + p.topicPartition() + " did not reach " + offset));
            }
        };
        if (op.isSatisfied()) op.complete();
        else producePurgatory.park(op, List.of(p.topicPartition()), timeoutMs);
        return f;
    }

    /** Where ISR changes go (the controller); set once at start. */
    public void setMetrics(io.fjord.broker.metrics.BrokerMetrics metrics) {
        this.metrics = metrics;
    }

    /** The broker's meters, or null when none were set. */
    public io.fjord.broker.metrics.BrokerMetrics metrics() {
        return metrics;
    }

    public void setIsrChannel(IsrChannel channel) {
        this.isrChannel = channel;
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
        return p == null || p.log() != log ? log.highWatermark() : p.highWatermark();
    }

    /**
     * Completes once offsets below {@code upToOffset} of the partition's .log are forced to disk when fsync-on-ack
     * is on (group commit, on the flusher thread), at once otherwise.
     */
    public CompletableFuture<Void> awaitDurable(Partition partition, long upToOffset) {
        if (groupCommit == null) return CompletableFuture.completedFuture(null);
        return groupCommit.flushed(partition.log(), upToOffset);
    }

    /** Writes the recovery-point, log-start and high-watermark checkpoints now (after DeleteRecords). */
    public void checkpointLogs() {
        logs.checkpoint();
    }

    public int nodeId() {
        return nodeId;
    }

    /** True if this broker leads the partition now. */
    public boolean isLeader(Partition p) {
        return p.isLeader();
    }

    public Partition partition(TopicPartition tp) {
        return partitions.get(tp);
    }

    public java.util.Collection<Partition> partitions() {
        return partitions.values();
    }

    public DelayedOperationPurgatory fetchPurgatory() {
        return fetchPurgatory;
    }

    public DelayedOperationPurgatory producePurgatory() {
        return producePurgatory;
    }

    public Clock clock() {
        return clock;
    }

    // ------------------------------------------------------------------ metadata

    /** Opens (or creates) the log of every partition the current image places on this broker. Call at start. */
    public void loadFromImage() {
        ClusterImage img = image.get();
        // Logs the metadata no longer knows (a crash between deleting a topic and removing its files, or a topic
        // deleted and created again under the same name) are removed before anything can read them.
        Set<String> stale = new TreeSet<>();
        for (PartitionLog l : logs.allLogs()) {
            TopicImage t = img.topic(l.topic());
            if (t == null || l.topicId().map(id -> !id.equals(t.id())).orElse(false)) stale.add(l.topic());
        }
        for (String topic : stale) {
            log.warn("removing logs of topic {}: not in the metadata (or under another topic id)", topic);
            logs.delete(topic);
        }
        for (PartitionLog l : List.copyOf(logs.allLogs())) { // replicas moved away while this broker was down
            TopicImage t = img.topic(l.topic());
            PartitionState s = t == null ? null : t.partition(l.partition());
            if (s != null && !s.replicas().contains(nodeId)) removePartition(new TopicPartition(l.topic(), l.partition()), l);
        }
        for (TopicImage t : img.topics()) applyTopic(t);
    }

    /** Applies one committed metadata change; called in commit order (on the controller's apply thread). */
    public void onMetadata(MetadataRecord record) {
        if (closed) return;
        metadataEnqueued.incrementAndGet();
        stateThread.execute(() -> {
            try {
                apply(record);
            } catch (RuntimeException e) {
                log.error("applying {} failed", record, e);
            } finally {
                metadataApplied.incrementAndGet();
                synchronized (appliedMonitor) {
                    appliedMonitor.notifyAll();
                }
            }
        });
    }

    /** The image was replaced wholesale (a snapshot from the controller): re-applies everything. */
    public void onImageReset() {
        stateThread.execute(() -> {
            for (TopicImage t : image.get().topics()) applyTopic(t);
        });
    }

    /**
     * Waits until every metadata change handed to this manager so far is applied here (bounded), so a request that
     * just created a topic finds its partitions.
     */
    public void awaitMetadataApplied(long timeoutMs) {
        long target = metadataEnqueued.get();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (appliedMonitor) {
            while (metadataApplied.get() < target) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) return;
                try {
                    appliedMonitor.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void apply(MetadataRecord record) {
        ClusterImage img = image.get();
        if (record instanceof MetadataRecord.TopicCreated created) {
            applyTopic(img.topic(created.name()));
        } else if (record instanceof MetadataRecord.PartitionsAdded added) {
            applyTopic(img.topic(added.name()));
        } else if (record instanceof MetadataRecord.TopicConfigsSet set) {
            reconfigure(img.topic(set.name()));
        } else if (record instanceof MetadataRecord.BrokerConfigsSet) {
            for (TopicImage t : img.topics()) reconfigure(t);
        } else if (record instanceof MetadataRecord.PartitionChanged changed) {
            TopicImage t = img.topic(changed.topic());
            if (t != null && t.id().equals(changed.topicId())) applyPartition(t, t.partition(changed.partition()));
        } else if (record instanceof MetadataRecord.TopicDeleted deleted) {
            removeTopic(deleted.name());
        } else if (record instanceof MetadataRecord.BrokerRegistered || record instanceof MetadataRecord.BrokerUnfenced) {
            // A leader that restarted has a new address (or comes back): restart the fetchers following it.
            int id = record instanceof MetadataRecord.BrokerRegistered r ? r.id() : ((MetadataRecord.BrokerUnfenced) record).id();
            if (id != nodeId) for (TopicImage t : img.topics()) refollow(t, id);
        }
    }

    private void applyTopic(TopicImage topic) {
        if (topic == null) return;
        for (PartitionState p : topic.orderedPartitions()) applyPartition(topic, p);
    }

    private void refollow(TopicImage topic, int leaderId) {
        for (PartitionState s : topic.orderedPartitions()) {
            Partition p = partitions.get(new TopicPartition(topic.name(), s.partition()));
            if (p != null && s.leader() == leaderId && p.role() == Partition.Role.FOLLOWER) startFollowing(p, s);
        }
    }

    /** Makes the local replica of one partition what the image says it is. */
    private void applyPartition(TopicImage topic, PartitionState s) {
        if (s == null) return;
        TopicPartition tp = new TopicPartition(topic.name(), s.partition());
        if (!s.replicas().contains(nodeId)) {
            Partition p = partitions.get(tp);
            if (p != null) removePartition(tp, p.log());
            return;
        }
        Partition p = partitions.computeIfAbsent(tp, k -> {
            var lc = TopicLogConfigs.logConfig(config, image.get(), nodeId, topic.configs());
            PartitionLog pl = logs.getOrCreate(topic.name(), s.partition(), topic.id(), lc);
            pl.updateConfig(lc); // a log loaded at start-up has the default config until now
            return new Partition(tp, topic.id(), pl, s, nodeId);
        });
        if (s.leader() == nodeId) {
            boolean wasFollowing = p.role() == Partition.Role.FOLLOWER;
            boolean wasLeader = p.role() == Partition.Role.LEADER;
            int oldEpoch = p.leaderEpoch();
            long hwBefore = p.highWatermark();
            if (p.makeLeader(s, clock.millis())) {
                if (wasFollowing) fetchers.stop(tp);
                log.info("{}: leader at epoch {} (log end {}, high watermark {}, ISR {})", tp, s.leaderEpoch(),
                        p.logEndOffset(), p.highWatermark(), s.isr());
                if (wasLeader) notifyLeadership(tp, oldEpoch, false);
                onHighWatermarkMaybeMoved(p);
                notifyLeadership(tp, s.leaderEpoch(), true);
            } else if (p.highWatermark() != hwBefore) {
                // An ISR change at the same epoch (a lagging follower removed) can move the high watermark by
                // itself: the acks=all writes it covers must be answered now, not at their timeout.
                onHighWatermarkMaybeMoved(p);
            }
        } else {
            boolean wasLeader = p.role() == Partition.Role.LEADER;
            int oldEpoch = p.leaderEpoch();
            if (p.makeFollower(s)) {
                fetchers.stop(tp);
                producePurgatory.completeAll(tp); // acks=all waits end: NOT_LEADER_OR_FOLLOWER
                fetchPurgatory.completeAll(tp);
                if (wasLeader) notifyLeadership(tp, oldEpoch, false);
                startFollowing(p, s);
            }
        }
    }

    private void startFollowing(Partition p, PartitionState s) {
        ClusterImage img = image.get();
        BrokerNode leader = s.leader() < 0 ? null : img.broker(s.leader());
        if (leader == null || img.isFenced(s.leader())) {
            fetchers.stop(p.topicPartition());
            log.info("{}: follower, no live leader (epoch {})", p.topicPartition(), s.leaderEpoch());
            return;
        }
        fetchers.follow(p, leader, s.leaderEpoch());
        log.info("{}: follower of {} at epoch {} from offset {}", p.topicPartition(), s.leader(), s.leaderEpoch(),
                p.logEndOffset());
    }

    /** Applies a topic's current effective config to its logs (retention and flushing read it on their next run). */
    private void reconfigure(TopicImage topic) {
        if (topic == null) return;
        var lc = TopicLogConfigs.logConfig(config, image.get(), nodeId, topic.configs());
        for (Partition p : partitions.values()) {
            if (p.topicPartition().topic().equals(topic.name())) p.log().updateConfig(lc);
        }
    }

    private void removeTopic(String topic) {
        List<TopicPartition> gone = new ArrayList<>();
        for (TopicPartition tp : partitions.keySet()) if (tp.topic().equals(topic)) gone.add(tp);
        for (TopicPartition tp : gone) {
            fetchers.stop(tp);
            Partition p = partitions.remove(tp);
            if (p != null && p.isLeader()) notifyLeadership(tp, p.leaderEpoch(), false);
            if (p != null) p.markRemoved();
            producePurgatory.completeAll(tp);
            fetchPurgatory.completeAll(tp);
        }
        logs.delete(topic);
        log.info("deleted topic {} ({} partitions)", topic, gone.size());
    }

    /** This broker is no longer a replica of {@code tp}: stop it and delete its log. */
    private void removePartition(TopicPartition tp, PartitionLog pl) {
        fetchers.stop(tp);
        Partition p = partitions.remove(tp);
        if (p != null && p.isLeader()) notifyLeadership(tp, p.leaderEpoch(), false);
        if (p != null) p.markRemoved();
        producePurgatory.completeAll(tp);
        fetchPurgatory.completeAll(tp);
        logs.deletePartition(tp.topic(), tp.partition());
        log.info("{}: replica removed from this broker; log deleted", tp);
    }

    io.fjord.storage.LogConfig logConfig(Map<String, String> overrides) {
        return TopicLogConfigs.logConfig(config, image.get(), nodeId, overrides);
    }

    // ------------------------------------------------------------------ leader side

    /** Appends as leader and wakes fetches waiting on this partition (and produces, if the ISR is just us). */
    public LogAppendResult appendAsLeader(Partition partition, ByteBuffer batches) {
        return appendAsLeader(partition, batches, io.fjord.storage.ProducerStateManager.NO_GUARD);
    }

    /** As {@link #appendAsLeader(Partition, ByteBuffer)} for batches verified with the transaction coordinator. */
    public LogAppendResult appendAsLeader(Partition partition, ByteBuffer batches, long verificationGuard) {
        long hwBefore = partition.highWatermark();
        int bytes = batches.remaining();
        LogAppendResult r = partition.appendAsLeader(batches, verificationGuard);
        TopicPartition tp = partition.topicPartition();
        io.fjord.broker.metrics.BrokerMetrics m = metrics;
        // Kafka counts every leader append (produce and coordinator writes) as bytes and messages in.
        if (m != null) m.appended(tp.topic(), bytes, r.lastOffset() - r.firstOffset() + 1);
        fetchPurgatory.checkAndComplete(tp);
        if (partition.highWatermark() != hwBefore) producePurgatory.checkAndComplete(tp);
        return r;
    }

    /** Appends a transaction marker as leader and wakes what waits on this partition, as {@link #appendAsLeader}. */
    public LogAppendResult appendMarkerAsLeader(Partition partition, long producerId, short producerEpoch, boolean commit,
                                                int coordinatorEpoch, int transactionVersion) {
        long hwBefore = partition.highWatermark();
        LogAppendResult r = partition.appendMarkerAsLeader(producerId, producerEpoch, commit, coordinatorEpoch,
                transactionVersion);
        TopicPartition tp = partition.topicPartition();
        fetchPurgatory.checkAndComplete(tp);
        if (partition.highWatermark() != hwBefore) producePurgatory.checkAndComplete(tp);
        return r;
    }

    /**
     * A follower fetched {@code p} at {@code fetchOffset}: records its progress, wakes what waits on the high
     * watermark, and proposes its return to the ISR when it has caught up. Returns false if {@code replicaId} is
     * not a replica of the partition.
     */
    public boolean onFollowerFetch(Partition p, int replicaId, long fetchOffset, long brokerEpoch) {
        Partition.FollowerFetchOutcome o = p.onFollowerFetch(replicaId, fetchOffset, clock.millis(), brokerEpoch);
        if (!o.accepted()) return false;
        if (o.highWatermarkMoved()) onHighWatermarkMaybeMoved(p);
        if (o.expandIsr() != null) {
            log.info("{}: replica {} caught up (log end {}), proposing ISR {}", p.topicPartition(), replicaId, fetchOffset, o.expandIsr());
            sendIsrChange(p);
        }
        return true;
    }

    private void onHighWatermarkMaybeMoved(Partition p) {
        producePurgatory.checkAndComplete(p.topicPartition());
        fetchPurgatory.checkAndComplete(p.topicPartition());
    }

    /** Every replica.lag.time.max.ms / 2: followers that stopped keeping up leave the ISR. */
    private void shrinkLaggingIsrs() {
        try {
            long now = clock.millis();
            for (Partition p : partitions.values()) {
                if (!p.isLeader()) continue;
                Partition.IsrProposal proposal = p.maybeShrinkIsr(now, replicaLagMs);
                if (proposal != null) {
                    log.info("{}: shrinking ISR {} -> {} (lagging more than {} ms)", p.topicPartition(),
                            p.state().isr(), proposal.isr(), replicaLagMs);
                    sendIsrChange(p);
                }
            }
        } catch (RuntimeException e) {
            log.warn("ISR expiration check failed", e);
        }
    }

    /**
     * Sends the partition's pending ISR proposal to the controller. Only a refusal that proves the change was not
     * made (INELIGIBLE_REPLICA — e.g. a member restarted since it fetched, KIP-903 — or INVALID_REQUEST) ends it. An unknown outcome (timeout, no quorum) keeps
     * it pending and retries, and a refusal for outdated epochs keeps it pending until the newer state arrives,
     * because the change may have been committed: forgetting a pending expansion would let the high watermark move
     * without a replica the controller already counts in the ISR (both found by the replication simulation).
     */
    private void sendIsrChange(Partition p) {
        if (closed) return;
        isrThread.execute(() -> {
            Partition.IsrProposal proposal = p.pendingProposal();
            if (proposal == null || closed) return;
            TopicPartition tp = p.topicPartition();
            String refusal;
            try {
                refusal = isrChannel.alterPartition(tp.topic(), p.topicId(), tp.partition(), nodeId,
                        proposal.leaderEpoch(), proposal.partitionEpoch(), proposal.isr(), proposal.brokerEpochs());
            } catch (Exception e) {
                log.info("{}: ISR change to {} not confirmed ({}); retrying", tp, proposal.isr(), e.toString());
                if (!closed) isrTimer.schedule(() -> sendIsrChange(p), ISR_RETRY_MS, TimeUnit.MILLISECONDS);
                return;
            }
            if (refusal == null) {
                io.fjord.broker.metrics.BrokerMetrics m = metrics;
                if (m != null) {
                    // Counted when committed, as Kafka's IsrShrinksPerSec/IsrExpandsPerSec are.
                    if (proposal.isr().size() < p.state().isr().size()) m.isrShrunk(); else m.isrExpanded();
                }
                return;
            }
            if (refusal.equals("INELIGIBLE_REPLICA") || refusal.equals("INVALID_REQUEST")) {
                // Judged against the current epochs and refused: it was not made.
                log.info("{}: ISR change to {} refused: {}", tp, proposal.isr(), refusal);
                p.onIsrProposalFailed(proposal.leaderEpoch());
            } else if (refusal.equals("NOT_CONTROLLER")) {
                if (!closed) isrTimer.schedule(() -> sendIsrChange(p), ISR_RETRY_MS, TimeUnit.MILLISECONDS);
            } else {
                // INVALID_UPDATE_VERSION, FENCED_LEADER_EPOCH, NEW_LEADER_ELECTED, ...: the partition moved on at the
                // controller, possibly by an earlier copy of this very change (a retry after a lost answer). The
                // proposal stays pending until the newer state reaches this broker, which settles it either way.
                log.info("{}: ISR change to {} answered {}; waiting for the newer state", tp, proposal.isr(), refusal);
            }
        });
    }

    private static final long ISR_RETRY_MS = 200;

    @Override
    public void close() {
        closed = true;
        isrTimer.shutdownNow();
        isrThread.shutdownNow();
        fetchers.close();
        stateThread.shutdown();
        try {
            if (!stateThread.awaitTermination(10, TimeUnit.SECONDS)) stateThread.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        maintenance.close();
        if (groupCommit != null) groupCommit.close();
        producePurgatory.close();
        fetchPurgatory.close();
    }

    private static java.util.concurrent.ThreadFactory named(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
