package io.fjord.broker.group;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.config.BrokerConfig;
import io.fjord.broker.coordinator.CoordinatorException;
import io.fjord.broker.coordinator.CoordinatorLog;
import io.fjord.broker.coordinator.CoordinatorResult;
import io.fjord.broker.coordinator.CoordinatorRuntime;
import io.fjord.broker.coordinator.ReplicatedCoordinatorLog;
import io.fjord.broker.group.consumer.ConsumerGroupDescription;
import io.fjord.broker.group.consumer.ConsumerGroupProtocol;
import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.ReplicaManager;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.metadata.BrokerNode;
import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.PartitionState;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group coordinator of this broker: routes each group to the shard of its {@code __consumer_offsets}
 * partition ({@code abs(hash(group)) % partitions}) on the {@link CoordinatorRuntime}, which loads a shard while
 * this broker leads the partition; requests for other groups get NOT_COORDINATOR. Answers FindCoordinator with the
 * partition's leader, creating the topic on first use ({@code offsets.topic.num.partitions},
 * {@code offsets.topic.replication.factor}; refused while fewer brokers are live, as Kafka does). Thread-safe.
 */
public final class GroupCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);
    public static final String TOPIC = OffsetRecords.TOPIC;

    private final CoordinatorRuntime<GroupCoordinatorShard> runtime;
    private final Supplier<ClusterImage> image;
    private final TopicAdmin admin;
    private final BrokerConfig config;
    private final ExecutorService workers;

    GroupCoordinator(CoordinatorRuntime<GroupCoordinatorShard> runtime, Supplier<ClusterImage> image, TopicAdmin admin,
                     BrokerConfig config, ExecutorService workers) {
        this.runtime = runtime;
        this.image = image;
        this.admin = admin;
        this.config = config;
        this.workers = workers;
    }

    /** Starts the runtime and follows this broker's leaderships of {@code __consumer_offsets}. */
    public static GroupCoordinator start(TopicAdmin admin, ReplicaManager replicas, BrokerConfig config) {
        return start(admin, replicas, config, () -> { });
    }

    /** As above; {@code rebalanceCompleted} runs each time a classic group's join phase ends in a new generation. */
    public static GroupCoordinator start(TopicAdmin admin, ReplicaManager replicas, BrokerConfig config, Runnable rebalanceCompleted) {
        LongSupplier clock = System::currentTimeMillis;
        GroupCoordinatorShard.Settings settings = GroupCoordinatorShard.Settings.from(config);
        // A group's own session timeout and heartbeat interval (GROUP configs) are read from the metadata at each use.
        ConsumerGroupProtocol.Settings consumerSettings = ConsumerGroupProtocol.Settings.from(config)
                .withGroupConfigs(group -> admin.image().groupConfigs(group));
        ConsumerGroupProtocol.Topics topics = () -> {
            Map<String, ConsumerGroupProtocol.TopicMeta> out = new java.util.HashMap<>();
            for (TopicImage t : admin.image().topics()) {
                if (t.name().startsWith("__")) continue; // internal topics: never subscribed by regex or name
                out.put(t.name(), new ConsumerGroupProtocol.TopicMeta(t.name(), t.id(), t.partitionCount()));
            }
            return out;
        };
        CoordinatorLog logIo = new ReplicatedCoordinatorLog(replicas, TOPIC, config.getLong("offsets.commit.timeout.ms"), clock);
        ExecutorService workers = Executors.newFixedThreadPool(Math.max(1, config.getInt("group.coordinator.threads")), r -> {
            Thread t = new Thread(r, "fjord-group-coordinator");
            t.setDaemon(true);
            return t;
        });
        CoordinatorRuntime<GroupCoordinatorShard> runtime = new CoordinatorRuntime<>("group-coordinator",
                (partition, timer) -> {
                    GroupCoordinatorShard shard = new GroupCoordinatorShard(partition, timer, clock, settings, (topic, p) -> {
                        TopicImage t = admin.image().topic(topic);
                        return t != null && t.partition(p) != null;
                    }, consumerSettings, topics);
                    shard.onRebalanceCompleted(rebalanceCompleted);
                    return shard;
                }, logIo, workers, clock, true);
        GroupCoordinator c = new GroupCoordinator(runtime, admin::image, admin, config, workers);
        replicas.addLeadershipListener(new ReplicaManager.LeadershipListener() {
            @Override
            public void onBecomeLeader(TopicPartition tp, int leaderEpoch) {
                if (tp.topic().equals(TOPIC)) runtime.scheduleLoad(tp.partition(), leaderEpoch);
            }

            @Override
            public void onResign(TopicPartition tp, int leaderEpoch) {
                if (tp.topic().equals(TOPIC)) runtime.scheduleUnload(tp.partition(), leaderEpoch);
            }
        });
        // Partitions this broker already led before the listener was there (loaded at start-up).
        for (Partition p : replicas.partitions()) {
            if (p.topicPartition().topic().equals(TOPIC) && p.isLeader()) runtime.scheduleLoad(p.topicPartition().partition(), p.leaderEpoch());
        }
        return c;
    }

    /** The runtime (tests look at shard states). */
    public CoordinatorRuntime<GroupCoordinatorShard> runtime() {
        return runtime;
    }

    /** The partition of {@code __consumer_offsets} holding the group, or -1 while the topic does not exist. */
    public int offsetsPartitionFor(String groupId) {
        TopicImage t = image.get().topic(TOPIC);
        return t == null ? -1 : OffsetRecords.partitionFor(groupId, t.partitionCount());
    }

    /**
     * The offsets partition a group maps to, also before the topic exists (then by
     * {@code offsets.topic.num.partitions}, the count it will be created with): AddOffsetsToTxn may come first.
     */
    public int offsetsPartitionOrPlanned(String groupId) {
        int p = offsetsPartitionFor(groupId);
        return p >= 0 ? p : OffsetRecords.partitionFor(groupId, config.getInt("offsets.topic.num.partitions"));
    }

    // ------------------------------------------------------------------------------------------------ FindCoordinator

    public record Coordinator(Errors error, String message, BrokerNode node) {
    }

    /** The leader of the group's offsets partition, creating the offsets topic on first use. */
    public Coordinator findCoordinator(String groupId) {
        if (groupId == null) return new Coordinator(Errors.INVALID_REQUEST, "null group id", null);
        ClusterImage img = image.get();
        TopicImage t = img.topic(TOPIC);
        if (t == null) {
            Errors e = createOffsetsTopic(img);
            if (e != Errors.NONE) return new Coordinator(e, "The coordinator is not available.", null);
            img = image.get();
            t = img.topic(TOPIC);
            if (t == null) return new Coordinator(Errors.COORDINATOR_NOT_AVAILABLE, "The coordinator is not available.", null);
        }
        PartitionState s = t.partition(OffsetRecords.partitionFor(groupId, t.partitionCount()));
        BrokerNode leader = s == null || s.leader() < 0 || img.isFenced(s.leader()) ? null : img.broker(s.leader());
        if (leader == null) return new Coordinator(Errors.COORDINATOR_NOT_AVAILABLE, "The coordinator is not available.", null);
        return new Coordinator(Errors.NONE, null, leader);
    }

    private synchronized Errors createOffsetsTopic(ClusterImage img) {
        if (img.topic(TOPIC) != null) return Errors.NONE;
        int rf = config.getInt("offsets.topic.replication.factor");
        int live = img.liveBrokers().size();
        if (live < rf) {
            // Kafka refuses to create the offsets topic with fewer replicas than configured.
            log.warn("cannot create {} yet: {} live brokers, offsets.topic.replication.factor is {}", TOPIC, live, rf);
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        TopicAdmin.Result r = admin.createInternal(TOPIC, config.getInt("offsets.topic.num.partitions"), (short) rf,
                Map.of("cleanup.policy", "compact", "segment.bytes", "104857600"));
        if (r.error() != Errors.NONE && r.error() != Errors.TOPIC_ALREADY_EXISTS) {
            log.warn("cannot create {}: {} {}", TOPIC, r.error(), r.message());
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        return Errors.NONE;
    }

    // ------------------------------------------------------------------------------------------------ routing

    private <T> CompletableFuture<T> write(String op, String groupId, Function<GroupCoordinatorShard, CoordinatorResult<T>> f) {
        int p = groupId == null ? -1 : offsetsPartitionFor(groupId);
        if (p < 0) return CompletableFuture.failedFuture(new CoordinatorException(Errors.NOT_COORDINATOR, "no " + TOPIC + " yet"));
        return runtime.scheduleWriteOperation(op, p, f);
    }

    private <T> CompletableFuture<T> read(String op, String groupId, Function<GroupCoordinatorShard, T> f) {
        int p = groupId == null ? -1 : offsetsPartitionFor(groupId);
        if (p < 0) return CompletableFuture.failedFuture(new CoordinatorException(Errors.NOT_COORDINATOR, "no " + TOPIC + " yet"));
        return runtime.scheduleReadOperation(op, p, f);
    }

    private static <T> CompletableFuture<T> recover(CompletableFuture<T> f, Function<Errors, T> onError) {
        return f.exceptionally(e -> onError.apply(CoordinatorException.errorOf(e)));
    }

    // ------------------------------------------------------------------------------------------------ group APIs

    public CompletableFuture<JoinResult> join(GroupCoordinatorShard.JoinRequest req) {
        if (req.groupId() == null || req.groupId().isEmpty()) {
            return CompletableFuture.completedFuture(JoinResult.error(Errors.INVALID_GROUP_ID, req.memberId()));
        }
        return recover(write("join-group", req.groupId(), s -> s.join(req)).thenCompose(f -> f),
                e -> JoinResult.error(e, req.memberId()));
    }

    public CompletableFuture<SyncResult> sync(String groupId, int generationId, String memberId, String groupInstanceId,
                                              String protocolType, String protocolName, Map<String, byte[]> assignments) {
        return recover(write("sync-group", groupId, s -> s.sync(groupId, generationId, memberId, groupInstanceId,
                protocolType, protocolName, assignments)).thenCompose(f -> f), SyncResult::error);
    }

    public CompletableFuture<Errors> heartbeat(String groupId, int generationId, String memberId, String groupInstanceId) {
        return recover(write("heartbeat", groupId, s -> s.heartbeat(groupId, generationId, memberId, groupInstanceId)), e -> e);
    }

    /** A group-level error (the coordinator's), else one error per member. */
    public record LeaveResult(Errors groupError, Map<GroupCoordinatorShard.LeavingMember, Errors> members) {
    }

    public CompletableFuture<LeaveResult> leave(String groupId, List<GroupCoordinatorShard.LeavingMember> leaving) {
        return recover(write("leave-group", groupId, s -> s.leave(groupId, leaving))
                .thenApply(m -> new LeaveResult(Errors.NONE, m)), e -> new LeaveResult(e, Map.of()));
    }

    public CompletableFuture<GroupCoordinatorShard.CommitResult> commit(String groupId, int generationId, String memberId,
            String groupInstanceId, List<GroupCoordinatorShard.OffsetCommit> commits) {
        if (groupId == null || groupId.isEmpty()) {
            return CompletableFuture.completedFuture(new GroupCoordinatorShard.CommitResult(Errors.INVALID_GROUP_ID, Map.of()));
        }
        return recover(write("offset-commit", groupId, s -> s.commit(groupId, generationId, memberId, groupInstanceId, commits)),
                e -> new GroupCoordinatorShard.CommitResult(e, Map.of()));
    }

    /** A group-level error, else the offsets. */
    public record FetchResult(Errors error, Map<String, Map<Integer, GroupCoordinatorShard.FetchedOffset>> offsets) {
    }

    public CompletableFuture<FetchResult> fetchOffsets(String groupId, Map<String, List<Integer>> wanted) {
        return recover(read("offset-fetch", groupId, s -> new FetchResult(Errors.NONE, s.fetchOffsets(groupId, wanted))),
                e -> new FetchResult(e, Map.of()));
    }

    public CompletableFuture<GroupCoordinatorShard.DeleteOffsetsResult> deleteOffsets(String groupId, List<OffsetKey> partitions,
            Function<byte[], java.util.Set<String>> subscribedTopics) {
        return recover(write("offset-delete", groupId, s -> s.deleteOffsets(groupId, partitions, subscribedTopics)),
                e -> new GroupCoordinatorShard.DeleteOffsetsResult(e, Map.of()));
    }

    /** A group-level error, else the description (null: no such group). */
    public record DescribeResult(Errors error, GroupCoordinatorShard.GroupDescription group) {
    }

    public CompletableFuture<DescribeResult> describe(String groupId) {
        return recover(read("describe-group", groupId, s -> new DescribeResult(Errors.NONE, s.describe(groupId))),
                e -> new DescribeResult(e, null));
    }

    /** The groups of every shard this broker runs, by group id. */
    public CompletableFuture<List<GroupCoordinatorShard.GroupListing>> list() {
        return runtime.scheduleReadAllOperation("list-groups", GroupCoordinatorShard::list).thenApply(parts -> {
            List<GroupCoordinatorShard.GroupListing> all = new ArrayList<>();
            parts.forEach(all::addAll);
            all.sort(Comparator.comparing(GroupCoordinatorShard.GroupListing::groupId));
            return all;
        });
    }

    // ------------------------------------------------------------------------------------------------ consumer groups

    public CompletableFuture<ConsumerGroupProtocol.HeartbeatResponse> consumerGroupHeartbeat(ConsumerGroupProtocol.HeartbeatRequest req) {
        if (req.groupId() == null || req.groupId().isEmpty()) {
            return CompletableFuture.completedFuture(new ConsumerGroupProtocol.HeartbeatResponse(Errors.INVALID_REQUEST,
                    "GroupId can't be empty.", null, 0, 0, null));
        }
        return recover(write("consumer-group-heartbeat", req.groupId(), s -> s.consumerGroupHeartbeat(req)),
                e -> new ConsumerGroupProtocol.HeartbeatResponse(e, null, null, 0, 0, null));
    }

    /** A group-level error, else the description (null: no consumer group of that id). */
    public record ConsumerDescribeResult(Errors error, ConsumerGroupDescription group) {
    }

    public CompletableFuture<ConsumerDescribeResult> consumerGroupDescribe(String groupId) {
        return recover(read("consumer-group-describe", groupId, s -> new ConsumerDescribeResult(Errors.NONE,
                ConsumerGroupDescription.of(s.consumerGroups(), groupId))), e -> new ConsumerDescribeResult(e, null));
    }

    // ------------------------------------------------------------------------------------------------ transactions

    /** TxnOffsetCommit: the offsets become visible when the producer's transaction commits. */
    public CompletableFuture<GroupCoordinatorShard.CommitResult> txnCommit(String groupId, long producerId, short producerEpoch,
            int generationId, String memberId, String groupInstanceId, List<GroupCoordinatorShard.OffsetCommit> commits) {
        if (groupId == null || groupId.isEmpty()) {
            return CompletableFuture.completedFuture(new GroupCoordinatorShard.CommitResult(Errors.INVALID_GROUP_ID, Map.of()));
        }
        return recover(write("txn-offset-commit", groupId, s -> s.txnCommit(groupId, producerId, producerEpoch, generationId,
                memberId, groupInstanceId, commits)), e -> new GroupCoordinatorShard.CommitResult(e, Map.of()));
    }

    /**
     * The COMMIT/ABORT marker of {@code producerId} was written to {@code __consumer_offsets-offsetsPartition}
     * (called by the WriteTxnMarkers handler): the producer's pending transactional offsets there are materialised
     * or discarded. Completes when that is committed; fails with NOT_COORDINATOR if this broker does not run the
     * partition's shard (the marker is then retried by the transaction coordinator).
     */
    public CompletableFuture<Void> completeTransaction(int offsetsPartition, long producerId, short producerEpoch, boolean commit) {
        return runtime.scheduleWriteOperation("complete-txn-offsets", offsetsPartition,
                s -> s.completeTransaction(producerId, producerEpoch, commit));
    }

    /** Partitions of the group with transactional offsets not yet committed or aborted (OffsetFetch RequireStable). */
    public CompletableFuture<java.util.Set<OffsetKey>> pendingTransactionalOffsets(String groupId) {
        return read("pending-txn-offsets", groupId, s -> s.pendingTransactionalOffsets(groupId))
                .exceptionally(e -> java.util.Set.of());
    }

    public CompletableFuture<Errors> deleteGroup(String groupId) {
        return recover(write("delete-group", groupId, s -> s.deleteGroup(groupId)), e -> e);
    }

    @Override
    public void close() {
        runtime.close();
        workers.shutdown();
    }
}
