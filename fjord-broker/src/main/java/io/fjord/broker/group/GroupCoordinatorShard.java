package io.fjord.broker.group;

import io.fjord.broker.coordinator.CoordinatorRecord;
import io.fjord.broker.coordinator.CoordinatorResult;
import io.fjord.broker.coordinator.CoordinatorShard;
import io.fjord.broker.coordinator.CoordinatorTimer;
import io.fjord.broker.group.consumer.ClassicMembers;
import io.fjord.broker.group.consumer.ClassicUpgrade;
import io.fjord.broker.group.consumer.ConsumerGroup;
import io.fjord.broker.group.consumer.ConsumerGroupProtocol;
import io.fjord.protocol.api.Errors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiPredicate;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The groups of one {@code __consumer_offsets} partition. JoinGroup, SyncGroup, Heartbeat and LeaveGroup go to
 * the classic protocol ({@link ClassicGroupProtocol}) or, for a group that speaks the consumer protocol of KIP-848
 * (and classic members inside one), to {@link ConsumerGroupProtocol}; the shard itself keeps committed offsets,
 * their expiry, transactional offsets, and group deletion. Run by the coordinator runtime: its handlers return the
 * records to write with the response, and committed offsets and group deletions change only in {@link #replay}, so
 * loading the partition rebuilds them. Classic membership lives in memory and is rebuilt by members rejoining after
 * the coordinator moves. Timers (join phase, initial delay, sessions, pending members, offsets retention) are the
 * runtime's, on its injected clock.
 *
 * <p>Not thread-safe: the runtime runs each shard's events one at a time.
 */
public final class GroupCoordinatorShard implements CoordinatorShard {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinatorShard.class);
    private static final String EXPIRE_OFFSETS = "expire-offsets";

    /** The shard's settings: Kafka's group and offsets broker configs. */
    public record Settings(int initialRebalanceDelayMs, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                           int maxGroupSize, int maxMetadataBytes, long offsetsRetentionMs, long retentionCheckIntervalMs) {
        public static Settings from(io.fjord.broker.config.BrokerConfig config) {
            return new Settings(config.getInt("group.initial.rebalance.delay.ms"),
                    config.getInt("group.min.session.timeout.ms"), config.getInt("group.max.session.timeout.ms"),
                    config.getInt("group.max.size"), config.getInt("offset.metadata.max.bytes"),
                    config.getLong("offsets.retention.minutes") * 60_000L, config.getLong("offsets.retention.check.interval.ms"));
        }
    }

    private final int partition;
    private final Map<String, ClassicGroup> groups = new HashMap<>();
    private final CoordinatorTimer timer;
    private final LongSupplier clock;
    private final Settings settings;
    private final BiPredicate<String, Integer> partitionExists;
    /** The groups of this partition that speak the consumer protocol (KIP-848); their offsets stay in {@link #groups}. */
    private final ConsumerGroupProtocol consumer;
    /** Offsets of open transactions (TxnOffsetCommit), kept apart from the group state. */
    private final TransactionalOffsets txnOffsets = new TransactionalOffsets();
    /** Classic members inside consumer groups (online migration). */
    private final ClassicMembers classicInConsumer;
    /** JoinGroup, SyncGroup, Heartbeat and LeaveGroup of the classic groups in {@link #groups}. */
    private final ClassicGroupProtocol classic;

    public GroupCoordinatorShard(int partition, CoordinatorTimer timer, LongSupplier clock, Settings settings,
                                 BiPredicate<String, Integer> partitionExists) {
        this(partition, timer, clock, settings, partitionExists, ConsumerGroupProtocol.Settings.defaults(), Map::of);
    }

    public GroupCoordinatorShard(int partition, CoordinatorTimer timer, LongSupplier clock, Settings settings,
                                 BiPredicate<String, Integer> partitionExists, ConsumerGroupProtocol.Settings consumerSettings,
                                 ConsumerGroupProtocol.Topics topics) {
        this.partition = partition;
        this.timer = timer;
        this.clock = clock;
        this.settings = settings;
        this.partitionExists = partitionExists;
        this.classic = new ClassicGroupProtocol(groups, timer, clock, settings);
        this.consumer = new ConsumerGroupProtocol(timer, consumerSettings, topics, this::classicGroupInUse);
        this.classicInConsumer = new ClassicMembers(consumer);
        String policy = consumerSettings.migrationPolicy();
        if ("bidirectional".equalsIgnoreCase(policy) || "upgrade".equalsIgnoreCase(policy)) consumer.allowUpgrades(this::upgrade);
    }

    private ClassicUpgrade.Outcome upgrade(String groupId, ConsumerGroupProtocol protocol) {
        return ClassicGroupUpgrade.upgrade(groups.get(groupId), classicInConsumer, classic::removeFromGroup, clock.getAsLong());
    }

    private boolean classicGroupInUse(String groupId) {
        ClassicGroup g = groups.get(groupId);
        return g != null && !g.is(GroupState.EMPTY) && !g.is(GroupState.DEAD);
    }

    /** The consumer group protocol of this shard (ConsumerGroupHeartbeat, ConsumerGroupDescribe). */
    public ConsumerGroupProtocol consumerGroups() {
        return consumer;
    }

    public CoordinatorResult<ConsumerGroupProtocol.HeartbeatResponse> consumerGroupHeartbeat(ConsumerGroupProtocol.HeartbeatRequest req) {
        return consumer.heartbeat(req);
    }

    // ------------------------------------------------------------------------------------------------ replay

    @Override
    public void replay(CoordinatorRecord record) {
        if (consumer.replay(record)) return;
        if (txnOffsets.replay(record)) return;
        OffsetRecords.Decoded d = OffsetRecords.decode(record);
        if (d == null) return;
        if (d.tp() == null) { // the group was deleted (DeleteGroups, or its offsets all expired)
            ClassicGroup g = groups.remove(d.group());
            if (g != null && !g.is(GroupState.DEAD)) g.transitionTo(GroupState.DEAD);
            return;
        }
        if (d.offsetOrNull() == null) {
            ClassicGroup g = groups.get(d.group());
            if (g != null) g.offsets.remove(d.tp());
            return;
        }
        ClassicGroup g = groups.computeIfAbsent(d.group(), ClassicGroup::new);
        if (g.protocolType == null) g.protocolType = "consumer";
        g.offsets.put(d.tp(), d.offsetOrNull());
    }

    @Override
    public void onLoaded() {
        timer.schedule(EXPIRE_OFFSETS, settings.retentionCheckIntervalMs(), this::expireOffsets);
        consumer.onLoaded();
        log.info("__consumer_offsets-{}: {} groups loaded", partition, groups.size());
    }

    @Override
    public void onUnloaded() {
        // The group moves to the new leader of this partition: whoever waits looks the coordinator up again.
        classic.failWaitingMembers();
        groups.clear();
        consumer.onUnloaded();
        txnOffsets.clear();
    }

    /**
     * Told each time a classic join phase ends in a new generation with members (Kafka's completed rebalances);
     * never on replay.
     */
    public void onRebalanceCompleted(Runnable listener) {
        classic.onRebalanceCompleted(listener);
    }

    // ------------------------------------------------------------------------------------------------ join

    public record JoinRequest(String groupId, String memberId, String groupInstanceId, String protocolType,
                              Map<String, byte[]> protocols, int sessionTimeoutMs, int rebalanceTimeoutMs,
                              boolean requireKnownMemberId, String clientId, String clientHost) {
    }

    /** The answer completes when the join phase ends (at once for errors). Writes nothing. */
    public CoordinatorResult<CompletableFuture<JoinResult>> join(JoinRequest req) {
        ConsumerGroup cg = req.groupId() == null ? null : consumer.group(req.groupId());
        if (cg != null) {
            if (!cg.members().isEmpty()) {
                // A classic member in a live consumer group: answered from the consumer group at once.
                CoordinatorResult<JoinResult> r = classicInConsumer.join(req.groupId(), req.memberId(), req.groupInstanceId(),
                        req.protocolType(), req.protocols(), req.sessionTimeoutMs(), req.rebalanceTimeoutMs(), req.clientId(),
                        req.clientHost());
                return new CoordinatorResult<>(r.records(), done(r.response()));
            }
            if (!downgradeAllowed()) return CoordinatorResult.of(done(JoinResult.error(Errors.INCONSISTENT_GROUP_PROTOCOL, req.memberId())));
            // Online downgrade: an empty consumer group becomes a classic group again; its offsets stay.
            log.info("group {}: empty consumer group converted to a classic group", req.groupId());
            return new CoordinatorResult<>(consumer.deletionRecords(req.groupId()), classic.join(req));
        }
        return CoordinatorResult.of(classic.join(req));
    }

    private boolean downgradeAllowed() {
        String policy = consumerSettings().migrationPolicy();
        return "bidirectional".equalsIgnoreCase(policy) || "downgrade".equalsIgnoreCase(policy);
    }

    private ConsumerGroupProtocol.Settings consumerSettings() {
        return consumer.settings();
    }

    // ------------------------------------------------------------------------------------------------ sync

    public CoordinatorResult<CompletableFuture<SyncResult>> sync(String groupId, int generationId, String memberId,
            String groupInstanceId, String protocolType, String protocolName, Map<String, byte[]> assignments) {
        if (classicInConsumer.isClassicMember(groupId, memberId)) {
            return CoordinatorResult.of(done(classicInConsumer.sync(groupId, generationId, memberId)));
        }
        return CoordinatorResult.of(classic.sync(groupId, generationId, memberId, groupInstanceId, protocolType, protocolName, assignments));
    }

    // ------------------------------------------------------------------------------------------------ heartbeat, leave

    public CoordinatorResult<Errors> heartbeat(String groupId, int generationId, String memberId, String groupInstanceId) {
        if (classicInConsumer.isClassicMember(groupId, memberId)) {
            return CoordinatorResult.of(classicInConsumer.heartbeat(groupId, generationId, memberId));
        }
        return CoordinatorResult.of(classic.heartbeat(groupId, generationId, memberId, groupInstanceId));
    }

    public record LeavingMember(String memberId, String groupInstanceId) {
    }

    /** Removes members; one error per member. */
    public CoordinatorResult<Map<LeavingMember, Errors>> leave(String groupId, List<LeavingMember> leaving) {
        Map<LeavingMember, Errors> out = new LinkedHashMap<>();
        if (consumer.group(groupId) != null) {
            List<CoordinatorRecord> records = new ArrayList<>();
            for (LeavingMember l : leaving) {
                if (records.isEmpty() && classicInConsumer.isClassicMember(groupId, l.memberId())) {
                    // One removal per write: the next one must see this one replayed (group epoch, target).
                    CoordinatorResult<Errors> r = classicInConsumer.leave(groupId, l.memberId());
                    records.addAll(r.records());
                    out.put(l, r.response());
                } else {
                    out.put(l, Errors.UNKNOWN_MEMBER_ID);
                }
            }
            return new CoordinatorResult<>(records, out);
        }
        return CoordinatorResult.of(classic.leave(groupId, leaving, out));
    }

    // ------------------------------------------------------------------------------------------------ offsets

    public record OffsetCommit(String topic, int partition, long offset, int leaderEpoch, String metadata) {
    }

    /** A group-level error (NONE if fine) and, when there is none, one error per partition. */
    public record CommitResult(Errors groupError, Map<OffsetCommit, Errors> partitions) {
    }

    public CoordinatorResult<CommitResult> commit(String groupId, int generationId, String memberId,
                                                  String groupInstanceId, List<OffsetCommit> commits) {
        if (groupId == null || groupId.isEmpty()) return CoordinatorResult.of(new CommitResult(Errors.INVALID_GROUP_ID, Map.of()));
        ClassicGroup group = groups.get(groupId);
        if (consumer.group(groupId) != null) {
            // A consumer group: the member epoch stands in for the generation (STALE_MEMBER_EPOCH, UNKNOWN_MEMBER_ID).
            Errors e = consumer.validateCommit(groupId, memberId, generationId);
            if (e != Errors.NONE) return CoordinatorResult.of(new CommitResult(e, Map.of()));
        } else if (generationId < 0) {
            // A member-less commit (admin tools, manual assignment) is only for a group without members.
            if (group != null && !group.is(GroupState.EMPTY)) {
                return CoordinatorResult.of(new CommitResult(group.is(GroupState.DEAD) ? Errors.COORDINATOR_NOT_AVAILABLE
                        : Errors.UNKNOWN_MEMBER_ID, Map.of()));
            }
        } else {
            Errors e = checkMember(group, generationId, memberId, groupInstanceId);
            if (e != Errors.NONE) return CoordinatorResult.of(new CommitResult(e, Map.of()));
            classic.scheduleSession(group, group.members.get(memberId));
        }
        Map<OffsetCommit, Errors> out = new LinkedHashMap<>();
        List<CoordinatorRecord> records = new ArrayList<>();
        long now = clock.getAsLong();
        for (OffsetCommit c : commits) {
            if (!partitionExists.test(c.topic(), c.partition())) {
                out.put(c, Errors.UNKNOWN_TOPIC_OR_PARTITION);
            } else if (c.metadata() != null && c.metadata().length() > settings.maxMetadataBytes()) {
                out.put(c, Errors.OFFSET_METADATA_TOO_LARGE);
            } else {
                records.add(OffsetRecords.offsetCommit(groupId, new OffsetKey(c.topic(), c.partition()),
                        new ClassicGroup.CommittedOffset(c.offset(), c.leaderEpoch(), c.metadata(), now)));
                out.put(c, Errors.NONE);
            }
        }
        return new CoordinatorResult<>(records, new CommitResult(Errors.NONE, out));
    }

    private static Errors checkMember(ClassicGroup group, int generationId, String memberId, String groupInstanceId) {
        if (group == null) return Errors.ILLEGAL_GENERATION;
        if (group.is(GroupState.DEAD)) return Errors.COORDINATOR_NOT_AVAILABLE;
        GroupMember m = group.members.get(memberId);
        if (m == null) return Errors.UNKNOWN_MEMBER_ID;
        if (!Objects.equals(m.groupInstanceId, groupInstanceId)) return Errors.FENCED_INSTANCE_ID;
        if (generationId != group.generationId) return Errors.ILLEGAL_GENERATION;
        if (group.is(GroupState.COMPLETING_REBALANCE)) return Errors.REBALANCE_IN_PROGRESS;
        return Errors.NONE;
    }

    /** TxnOffsetCommit: the offsets wait for the producer's transaction marker ({@link TransactionalOffsets}). */
    public CoordinatorResult<CommitResult> txnCommit(String groupId, long producerId, short producerEpoch, int generationId,
                                                     String memberId, String groupInstanceId, List<OffsetCommit> commits) {
        if (groupId == null || groupId.isEmpty()) return CoordinatorResult.of(new CommitResult(Errors.INVALID_GROUP_ID, Map.of()));
        // A consumer group (KIP-848): the member epoch stands in for the generation.
        Errors e = consumer.group(groupId) != null ? consumer.validateTxnCommit(groupId, memberId, groupInstanceId, generationId)
                : TransactionalOffsets.checkMember(groups.get(groupId), generationId, memberId, groupInstanceId);
        if (e != Errors.NONE) return CoordinatorResult.of(new CommitResult(e, Map.of()));
        Map<OffsetCommit, Errors> out = new LinkedHashMap<>();
        List<CoordinatorRecord> records = txnOffsets.commit(groupId, producerId, producerEpoch, commits, clock.getAsLong(),
                settings.maxMetadataBytes(), partitionExists, out);
        return new CoordinatorResult<>(records, new CommitResult(Errors.NONE, out));
    }

    /** The transaction marker of {@code producerId} reached this partition: its pending offsets commit or vanish. */
    public CoordinatorResult<Void> completeTransaction(long producerId, short producerEpoch, boolean commit) {
        return new CoordinatorResult<>(txnOffsets.complete(producerId, producerEpoch, commit), null);
    }

    /** Partitions of the group whose offsets wait for a transaction marker. */
    public java.util.Set<OffsetKey> pendingTransactionalOffsets(String groupId) {
        return txnOffsets.pendingFor(groupId);
    }

    public record FetchedOffset(long offset, int leaderEpoch, String metadata) {
    }

    /** Committed offsets of a group: all of them when {@code wanted} is null. Unknown group: -1 for each wanted. */
    public Map<String, Map<Integer, FetchedOffset>> fetchOffsets(String groupId, Map<String, List<Integer>> wanted) {
        Map<String, Map<Integer, FetchedOffset>> out = new LinkedHashMap<>();
        ClassicGroup group = groups.get(groupId);
        if (wanted == null) {
            if (group != null) {
                group.offsets.forEach((tp, o) -> out.computeIfAbsent(tp.topic(), k -> new LinkedHashMap<>())
                        .put(tp.partition(), new FetchedOffset(o.offset(), o.leaderEpoch(), o.metadata())));
            }
            return out;
        }
        wanted.forEach((t, ps) -> {
            for (int p : ps) {
                ClassicGroup.CommittedOffset o = group == null ? null : group.offsets.get(new OffsetKey(t, p));
                out.computeIfAbsent(t, k -> new LinkedHashMap<>()).put(p,
                        o == null ? new FetchedOffset(-1, -1, "") : new FetchedOffset(o.offset(), o.leaderEpoch(), o.metadata()));
            }
        });
        return out;
    }

    /** A group-level error, and when there is none one error per partition. */
    public record DeleteOffsetsResult(Errors groupError, Map<OffsetKey, Errors> partitions) {
    }

    /** Deletes committed offsets of an empty group, or of topics the group's members do not subscribe to. */
    public CoordinatorResult<DeleteOffsetsResult> deleteOffsets(String groupId, List<OffsetKey> partitions,
            java.util.function.Function<byte[], java.util.Set<String>> subscribedTopics) {
        ClassicGroup group = groups.get(groupId);
        if (group == null || group.is(GroupState.DEAD)) {
            return CoordinatorResult.of(new DeleteOffsetsResult(Errors.GROUP_ID_NOT_FOUND, Map.of()));
        }
        Map<OffsetKey, Errors> perPartition = new LinkedHashMap<>();
        java.util.Set<String> subscribed = new java.util.HashSet<>();
        if (!group.is(GroupState.EMPTY) && "consumer".equals(group.protocolType) && group.protocolName != null) {
            for (GroupMember m : group.members.values()) {
                byte[] md = m.protocols.get(group.protocolName);
                if (md != null) subscribed.addAll(subscribedTopics.apply(md));
            }
        } else if (!group.is(GroupState.EMPTY)) {
            for (OffsetKey tp : partitions) perPartition.put(tp, Errors.GROUP_SUBSCRIBED_TO_TOPIC);
            return CoordinatorResult.of(new DeleteOffsetsResult(Errors.NONE, perPartition));
        }
        List<CoordinatorRecord> tombstones = new ArrayList<>();
        for (OffsetKey tp : partitions) {
            if (subscribed.contains(tp.topic())) {
                perPartition.put(tp, Errors.GROUP_SUBSCRIBED_TO_TOPIC);
            } else {
                perPartition.put(tp, Errors.NONE);
                if (group.offsets.containsKey(tp)) tombstones.add(OffsetRecords.offsetCommit(groupId, tp, null));
            }
        }
        return new CoordinatorResult<>(tombstones, new DeleteOffsetsResult(Errors.NONE, perPartition));
    }

    /**
     * Offsets retention ({@code offsets.retention.minutes}, KIP-211): an Empty group's offsets expire once the
     * retention has passed since it became Empty (since the commit for a group that never had members here); a
     * group left with no offsets is deleted. Runs every {@code offsets.retention.check.interval.ms}.
     */
    List<CoordinatorRecord> expireOffsets() {
        timer.schedule(EXPIRE_OFFSETS, settings.retentionCheckIntervalMs(), this::expireOffsets);
        long now = clock.getAsLong();
        List<CoordinatorRecord> records = new ArrayList<>();
        for (ClassicGroup g : groups.values()) {
            if (!g.is(GroupState.EMPTY) || consumer.hasMembers(g.groupId)) continue;
            int expired = 0;
            for (Map.Entry<OffsetKey, ClassicGroup.CommittedOffset> e : g.offsets.entrySet()) {
                long base = Math.max(g.emptySinceMs, e.getValue().commitTimestamp());
                if (now - base >= settings.offsetsRetentionMs()) {
                    records.add(OffsetRecords.offsetCommit(g.groupId, e.getKey(), null));
                    expired++;
                }
            }
            if (expired > 0) log.info("group {}: {} committed offsets expired", g.groupId, expired);
            if (expired == g.offsets.size() && g.pendingMembers.isEmpty()) {
                records.addAll(consumer.deletionRecords(g.groupId));
                records.add(OffsetRecords.groupTombstone(g.groupId));
            }
        }
        return records;
    }

    // ------------------------------------------------------------------------------------------------ admin

    public record MemberDescription(String memberId, String groupInstanceId, String clientId, String clientHost,
                                    byte[] metadata, byte[] assignment) {
    }

    public record GroupDescription(String groupId, String state, String protocolType, String protocolName,
                                   List<MemberDescription> members) {
    }

    /** Null if the group does not exist. */
    public GroupDescription describe(String groupId) {
        return GroupViews.describe(groups, consumer, groupId);
    }

    /** {@code type} is "classic" or "consumer" (ListGroups v5 GroupType). */
    public record GroupListing(String groupId, String protocolType, String state, String type) {
        public GroupListing(String groupId, String protocolType, String state) {
            this(groupId, protocolType, state, "classic");
        }
    }

    public List<GroupListing> list() {
        return GroupViews.list(groups, consumer);
    }

    /** Deletes an Empty group with its committed offsets (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP otherwise). */
    public CoordinatorResult<Errors> deleteGroup(String groupId) {
        ConsumerGroup cg = consumer.group(groupId);
        if (cg != null) {
            if (!cg.members().isEmpty()) return CoordinatorResult.of(Errors.NON_EMPTY_GROUP);
            List<CoordinatorRecord> records = new ArrayList<>(consumer.deletionRecords(groupId));
            ClassicGroup offsets = groups.get(groupId);
            if (offsets != null) for (OffsetKey tp : offsets.offsets.keySet()) records.add(OffsetRecords.offsetCommit(groupId, tp, null));
            records.add(OffsetRecords.groupTombstone(groupId));
            return new CoordinatorResult<>(records, Errors.NONE);
        }
        ClassicGroup group = groups.get(groupId);
        if (group == null || group.is(GroupState.DEAD)) return CoordinatorResult.of(Errors.GROUP_ID_NOT_FOUND);
        if (!group.is(GroupState.EMPTY)) return CoordinatorResult.of(Errors.NON_EMPTY_GROUP);
        List<CoordinatorRecord> records = new ArrayList<>();
        for (OffsetKey tp : group.offsets.keySet()) records.add(OffsetRecords.offsetCommit(groupId, tp, null));
        records.add(OffsetRecords.groupTombstone(groupId));
        for (String pending : group.pendingMembers) timer.cancel(ClassicGroupProtocol.pendingKey(groupId, pending));
        return new CoordinatorResult<>(records, Errors.NONE);
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
