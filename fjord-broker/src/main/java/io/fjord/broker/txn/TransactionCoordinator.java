package io.fjord.broker.txn;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.config.BrokerConfig;
import io.fjord.broker.coordinator.CoordinatorException;
import io.fjord.broker.coordinator.CoordinatorLog;
import io.fjord.broker.coordinator.CoordinatorResult;
import io.fjord.broker.coordinator.CoordinatorRuntime;
import io.fjord.broker.coordinator.ReplicatedCoordinatorLog;
import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.ReplicaManager;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.metadata.BrokerNode;
import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.PartitionState;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator of this broker: routes each transactional id to the shard of its
 * {@code __transaction_state} partition on a {@link CoordinatorRuntime} (loaded while this broker leads the
 * partition; other ids get NOT_COORDINATOR), hands committed PREPARE_x records to the
 * {@link TransactionMarkerChannel} and writes COMPLETE_x when their markers are done. Answers
 * FindCoordinator(TRANSACTION) with the partition's leader, creating the topic on first use
 * ({@code transaction.state.log.num.partitions}, {@code .replication.factor} — refused while fewer brokers are
 * live, as for the offsets topic — {@code .min.isr}, {@code .segment.bytes}). Thread-safe.
 */
public final class TransactionCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransactionCoordinator.class);
    public static final String TOPIC = TransactionLogRecords.TOPIC;

    /** The {@code __consumer_offsets} partition of a group, or -1 while that topic does not exist. */
    @FunctionalInterface
    public interface OffsetsPartitions {
        int partitionFor(String groupId);
    }

    private final CoordinatorRuntime<TransactionCoordinatorShard> runtime;
    private final Supplier<ClusterImage> image;
    private final TopicAdmin admin;
    private final BrokerConfig config;
    private final OffsetsPartitions offsets;
    private final ExecutorService workers;
    private TransactionMarkerChannel markers;
    private TransactionPartitionGate gate;

    private TransactionCoordinator(CoordinatorRuntime<TransactionCoordinatorShard>[] runtime, Supplier<ClusterImage> image,
                                   TopicAdmin admin, BrokerConfig config, OffsetsPartitions offsets, ExecutorService workers) {
        this.runtime = runtime[0];
        this.image = image;
        this.admin = admin;
        this.config = config;
        this.offsets = offsets;
        this.workers = workers;
    }

    /** Starts the runtime and the marker channel and follows this broker's leaderships of {@code __transaction_state}. */
    @SuppressWarnings("unchecked")
    public static TransactionCoordinator start(TopicAdmin admin, ReplicaManager replicas, BrokerConfig config,
                                               TransactionCoordinatorShard.ProducerIds producerIds,
                                               OffsetsPartitions offsets, String selfAddress) {
        LongSupplier clock = System::currentTimeMillis;
        TransactionCoordinatorShard.Settings settings = TransactionCoordinatorShard.Settings.from(config);
        CoordinatorLog logIo = new ReplicatedCoordinatorLog(replicas, TOPIC, config.getLong("offsets.commit.timeout.ms"), clock);
        ExecutorService workers = Executors.newFixedThreadPool(Math.max(1, config.getInt("group.coordinator.threads")), r -> {
            Thread t = new Thread(r, "fjord-txn-coordinator");
            t.setDaemon(true);
            return t;
        });
        CoordinatorRuntime<TransactionCoordinatorShard>[] rt = new CoordinatorRuntime[1];
        TransactionCoordinator[] self = new TransactionCoordinator[1];
        TransactionCoordinatorShard.Listener listener = new TransactionCoordinatorShard.Listener() {
            @Override
            public void resumeMarkers(int partition, int coordinatorEpoch, TransactionMetadata prepared) {
                self[0].markers.add(new TransactionMarkerChannel.Pending(partition, coordinatorEpoch, prepared));
            }

            @Override
            public void abortTimedOut(int partition, List<String> ids) {
                for (String id : ids) self[0].abortTimedOut(partition, id);
            }
        };
        rt[0] = new CoordinatorRuntime<>("txn-coordinator", (partition, timer) -> {
            Partition p = replicas.partition(new TopicPartition(TOPIC, partition));
            int epoch = p == null ? -1 : p.leaderEpoch();
            return new TransactionCoordinatorShard(partition, epoch, timer, clock, settings, producerIds, listener);
        }, logIo, workers, clock, true);
        TransactionCoordinator c = new TransactionCoordinator(rt, admin::image, admin, config, offsets, workers);
        self[0] = c;
        Map<String, Object> security = io.fjord.broker.security.InterBrokerClient.settings(config);
        c.markers = new TransactionMarkerChannel(admin::image, c::complete, selfAddress,
                config.getLong("request.timeout.ms"), 100, security);
        c.gate = new TransactionPartitionGate(c, config.nodeId(), selfAddress, config.getLong("request.timeout.ms"), security);
        replicas.addLeadershipListener(new ReplicaManager.LeadershipListener() {
            @Override
            public void onBecomeLeader(TopicPartition tp, int leaderEpoch) {
                if (tp.topic().equals(TOPIC)) rt[0].scheduleLoad(tp.partition(), leaderEpoch);
            }

            @Override
            public void onResign(TopicPartition tp, int leaderEpoch) {
                if (!tp.topic().equals(TOPIC)) return;
                rt[0].scheduleUnload(tp.partition(), leaderEpoch);
                c.markers.dropCoordinatorPartition(tp.partition(), leaderEpoch);
            }
        });
        for (Partition p : replicas.partitions()) {
            if (p.topicPartition().topic().equals(TOPIC) && p.isLeader()) rt[0].scheduleLoad(p.topicPartition().partition(), p.leaderEpoch());
        }
        return c;
    }

    public CoordinatorRuntime<TransactionCoordinatorShard> runtime() {
        return runtime;
    }

    public TransactionMarkerChannel markers() {
        return markers;
    }

    /** The produce path's seam: verify or add a partition of a producer's transaction at its coordinator. */
    public TransactionPartitionGate partitionGate() {
        return gate;
    }

    public int partitionFor(String transactionalId) {
        TopicImage t = image.get().topic(TOPIC);
        return t == null ? -1 : TransactionLogRecords.partitionFor(transactionalId, t.partitionCount());
    }

    // ------------------------------------------------------------------------------------------------ FindCoordinator

    public record Coordinator(Errors error, String message, BrokerNode node) {
    }

    public Coordinator findCoordinator(String transactionalId) {
        if (transactionalId == null || transactionalId.isEmpty()) return new Coordinator(Errors.INVALID_REQUEST, "empty transactional id", null);
        ClusterImage img = image.get();
        TopicImage t = img.topic(TOPIC);
        if (t == null) {
            Errors e = createTopic(img);
            if (e != Errors.NONE) return new Coordinator(e, "The coordinator is not available.", null);
            img = image.get();
            t = img.topic(TOPIC);
            if (t == null) return new Coordinator(Errors.COORDINATOR_NOT_AVAILABLE, "The coordinator is not available.", null);
        }
        PartitionState s = t.partition(TransactionLogRecords.partitionFor(transactionalId, t.partitionCount()));
        BrokerNode leader = s == null || s.leader() < 0 || img.isFenced(s.leader()) ? null : img.broker(s.leader());
        if (leader == null) return new Coordinator(Errors.COORDINATOR_NOT_AVAILABLE, "The coordinator is not available.", null);
        return new Coordinator(Errors.NONE, null, leader);
    }

    private synchronized Errors createTopic(ClusterImage img) {
        if (img.topic(TOPIC) != null) return Errors.NONE;
        int rf = config.getInt("transaction.state.log.replication.factor");
        int live = img.liveBrokers().size();
        if (live < rf) {
            log.warn("cannot create {} yet: {} live brokers, transaction.state.log.replication.factor is {}", TOPIC, live, rf);
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        TopicAdmin.Result r = admin.createInternal(TOPIC, config.getInt("transaction.state.log.num.partitions"), (short) rf,
                Map.of("cleanup.policy", "compact", "segment.bytes", config.get("transaction.state.log.segment.bytes"),
                        "min.insync.replicas", config.get("transaction.state.log.min.isr"),
                        "unclean.leader.election.enable", "false", "compression.type", "uncompressed"));
        if (r.error() != Errors.NONE && r.error() != Errors.TOPIC_ALREADY_EXISTS) {
            log.warn("cannot create {}: {} {}", TOPIC, r.error(), r.message());
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        return Errors.NONE;
    }

    // ------------------------------------------------------------------------------------------------ routing

    /** A shard's answer together with the shard's coordinator epoch (for the markers). */
    private record WithEpoch<T>(T value, int coordinatorEpoch) {
    }

    private <T> CompletableFuture<WithEpoch<T>> write(String op, String id, Function<TransactionCoordinatorShard, CoordinatorResult<T>> f) {
        int p = id == null || id.isEmpty() ? -1 : partitionFor(id);
        if (p < 0) return CompletableFuture.failedFuture(new CoordinatorException(Errors.NOT_COORDINATOR, "no " + TOPIC + " yet"));
        return runtime.scheduleWriteOperation(op, p, s -> {
            CoordinatorResult<T> r = f.apply(s);
            return new CoordinatorResult<>(r.records(), new WithEpoch<>(r.response(), s.coordinatorEpoch()));
        });
    }

    private void startMarkers(String id, TransactionMetadata prepared, int coordinatorEpoch) {
        if (prepared != null) markers.add(new TransactionMarkerChannel.Pending(partitionFor(id), coordinatorEpoch, prepared));
    }

    /** The error a failed coordinator operation answers with. */
    private static Errors errorOf(Throwable t) {
        Errors e = CoordinatorException.errorOf(t);
        if (e == Errors.UNKNOWN_SERVER_ERROR) log.warn("transaction coordinator operation failed", t);
        return e;
    }

    // ------------------------------------------------------------------------------------------------ APIs

    public CompletableFuture<TransactionCoordinatorShard.InitResult> initProducerId(String id, int timeoutMs, long producerId, short epoch) {
        if (id.isEmpty()) return CompletableFuture.completedFuture(TransactionCoordinatorShard.InitResult.error(Errors.INVALID_REQUEST));
        return write("init-producer-id", id, s -> s.initProducerId(id, timeoutMs, producerId, epoch))
                .thenApply(r -> {
                    startMarkers(id, r.value().prepared(), r.coordinatorEpoch());
                    return r.value();
                })
                .exceptionally(e -> TransactionCoordinatorShard.InitResult.error(errorOf(e)));
    }

    public CompletableFuture<Errors> addPartitions(String id, long producerId, short epoch, Collection<TopicPartition> partitions, boolean tv2) {
        return write("add-partitions", id, s -> s.addPartitions(id, producerId, epoch, partitions, tv2))
                .thenApply(WithEpoch::value).exceptionally(TransactionCoordinator::errorOf);
    }

    public CompletableFuture<Map<TopicPartition, Errors>> verifyPartitions(String id, long producerId, short epoch,
                                                                           Collection<TopicPartition> partitions) {
        int p = id == null || id.isEmpty() ? -1 : partitionFor(id);
        CompletableFuture<Map<TopicPartition, Errors>> f = p < 0
                ? CompletableFuture.failedFuture(new CoordinatorException(Errors.NOT_COORDINATOR, "no " + TOPIC))
                : runtime.scheduleReadOperation("verify-partitions", p, s -> s.verifyPartitions(id, producerId, epoch, partitions));
        return f.exceptionally(e -> {
            Errors err = errorOf(e);
            Map<TopicPartition, Errors> out = new java.util.HashMap<>();
            for (TopicPartition tp : partitions) out.put(tp, err);
            return out;
        });
    }

    public CompletableFuture<Errors> addOffsets(String id, long producerId, short epoch, String groupId) {
        if (groupId == null || groupId.isEmpty()) return CompletableFuture.completedFuture(Errors.INVALID_GROUP_ID);
        int offsetsPartition = offsets.partitionFor(groupId);
        if (offsetsPartition < 0) return CompletableFuture.completedFuture(Errors.COORDINATOR_NOT_AVAILABLE);
        return addPartitions(id, producerId, epoch, List.of(new TopicPartition("__consumer_offsets", offsetsPartition)), false);
    }

    public CompletableFuture<TransactionCoordinatorShard.EndResult> endTxn(String id, long producerId, short epoch, boolean commit, boolean tv2) {
        return write("end-txn", id, s -> s.endTxn(id, producerId, epoch, commit, tv2))
                .thenApply(r -> {
                    startMarkers(id, r.value().prepared(), r.coordinatorEpoch());
                    return r.value();
                })
                .exceptionally(e -> new TransactionCoordinatorShard.EndResult(errorOf(e), -1, (short) -1, null));
    }

    private void abortTimedOut(int partition, String id) {
        runtime.scheduleWriteOperation("abort-timed-out", partition, s -> {
            CoordinatorResult<TransactionMetadata> r = s.abortIfTimedOut(id);
            return new CoordinatorResult<>(r.records(), new WithEpoch<>(r.response(), s.coordinatorEpoch()));
        }).whenComplete((r, e) -> {
            if (e != null) {
                log.info("{}: abort of timed-out transaction not written: {}", id, e.toString());
            } else if (r.value() != null) {
                markers.add(new TransactionMarkerChannel.Pending(partition, r.coordinatorEpoch(), r.value()));
            }
        });
    }

    /** The markers of {@code p} are written: COMPLETE_x. */
    private CompletableFuture<?> complete(TransactionMarkerChannel.Pending p) {
        TransactionMetadata m = p.prepared();
        return runtime.scheduleWriteOperation("complete-txn", p.coordinatorPartition(),
                s -> s.complete(m.transactionalId(), m.producerId(), m.producerEpoch(), p.commit()));
    }

    // ------------------------------------------------------------------------------------------------ describe / list

    /** DescribeTransactions for one id: the error, else its metadata (null with TRANSACTIONAL_ID_NOT_FOUND). */
    public record Described(Errors error, TransactionMetadata metadata) {
    }

    public CompletableFuture<Described> describe(String id) {
        int p = id == null || id.isEmpty() ? -1 : partitionFor(id);
        if (p < 0) return CompletableFuture.completedFuture(new Described(Errors.NOT_COORDINATOR, null));
        return runtime.scheduleReadOperation("describe-txn", p, s -> {
            TransactionMetadata m = s.get(id);
            return m == null ? new Described(Errors.TRANSACTIONAL_ID_NOT_FOUND, null) : new Described(Errors.NONE, m);
        }).exceptionally(e -> new Described(errorOf(e), null));
    }

    public CompletableFuture<List<TransactionCoordinatorShard.Listing>> list(Set<TransactionState> states, Set<Long> pids,
                                                                             long minDurationMs, Pattern pattern) {
        return runtime.scheduleReadAllOperation("list-txns", s -> s.list(states, pids, minDurationMs, pattern)).thenApply(parts -> {
            List<TransactionCoordinatorShard.Listing> all = new ArrayList<>();
            parts.forEach(all::addAll);
            all.sort(java.util.Comparator.comparing(TransactionCoordinatorShard.Listing::transactionalId));
            return all;
        });
    }

    @Override
    public void close() {
        if (markers != null) markers.close();
        if (gate != null) gate.close();
        runtime.close();
        workers.shutdown();
    }
}
