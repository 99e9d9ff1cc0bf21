package io.fjord.client.consumer.internals;

import io.fjord.client.common.ClientConfig;
import io.fjord.client.common.Cluster;
import io.fjord.client.common.ExponentialBackoff;
import io.fjord.client.common.Time;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.ConsumerPartitionAssignor;
import io.fjord.client.consumer.ConsumerPartitionAssignor.RebalanceProtocol;
import io.fjord.client.consumer.ConsumerPartitionAssignor.Subscription;
import io.fjord.client.consumer.ConsumerRebalanceListener;
import io.fjord.client.consumer.OffsetAndMetadata;
import io.fjord.client.errors.ClientErrors;
import io.fjord.client.errors.FjordClientException;
import io.fjord.client.network.ClientResponse;
import io.fjord.client.network.Metadata;
import io.fjord.client.network.NetworkClient;
import io.fjord.protocol.api.ConsumerProtocol;
import io.fjord.protocol.api.JoinGroupApi;
import io.fjord.protocol.api.LeaveGroupApi;
import io.fjord.protocol.api.SyncGroupApi;
import io.fjord.protocol.types.Struct;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer's side of the classic group protocol, driven by the polling thread ({@link #poll}): find the
 * coordinator ({@link CoordinatorLookup}), JoinGroup (a MEMBER_ID_REQUIRED answer carries the id to rejoin with),
 * the leader runs the assignor the group chose over all members' subscriptions, SyncGroup hands out assignments.
 * The membership's states and checked transitions are {@link GroupMembership}'s; heartbeats run in
 * {@link HeartbeatThread} on the {@link Heartbeat} timers; commits are {@link OffsetCommitter}'s. Rebalance listeners
 * run only on the polling thread, through {@link RebalanceCallbacks} (shared with {@link ConsumerGroupMember}). Compound changes synchronize on the {@link GroupMembership}.
 */
public final class ConsumerCoordinator implements GroupMember {
    private static final Logger log = LoggerFactory.getLogger(ConsumerCoordinator.class);
    static final long JOIN_GROUP_TIMEOUT_MARGIN_MS = 5000;

    /** What the group coordinator needs from the consumer: its assignment and positions. */
    public interface Host {
        Set<TopicPartition> owned();

        void addPartitions(Collection<TopicPartition> partitions);

        void removePartitions(Collection<TopicPartition> partitions);

        /** Positions of owned partitions that have one, as offsets to commit. */
        Map<TopicPartition, OffsetAndMetadata> consumed();
    }

    private final String groupId;
    private final String groupInstanceId;
    private final int sessionTimeoutMs;
    private final int rebalanceTimeoutMs;
    private final long requestTimeoutMs;
    private final List<ConsumerPartitionAssignor> assignors;
    private final RebalanceProtocol rebalanceProtocol;
    private final NetworkClient network;
    private final Metadata metadata;
    private final Host host;
    private final Time time;
    private final ExponentialBackoff retryBackoff;
    private final WakeupTrigger wakeup;
    private final GroupMembership membership = new GroupMembership();
    private final Heartbeat heartbeat;
    private final CoordinatorLookup lookup;
    private final OffsetCommitter committer;
    private final HeartbeatThread heartbeatThread;
    private final RebalanceCallbacks callbacks;
    private final TopicSubscription subscription;
    private CompletableFuture<ClientResponse> joinFuture;
    private CompletableFuture<ClientResponse> syncFuture;
    private volatile RuntimeException fatal;

    // ---- subscription (polling thread) ----
    private Set<String> topics = Set.of();
    private Map<String, Integer> assignedTopicPartitionCounts = Map.of(); // leader: what the assignment was based on
    private Set<String> groupTopics = Set.of(); // leader: all members' topics

    public ConsumerCoordinator(ClientConfig config, String groupId, String clientId, NetworkClient network, Metadata metadata,
                               Host host, Time time, ExponentialBackoff retryBackoff, WakeupTrigger wakeup,
                               PollThreadQueue pollThread, Consumer<Map<TopicPartition, OffsetAndMetadata>> onCommitted) {
        this.groupId = groupId;
        this.groupInstanceId = config.getString("group.instance.id", null);
        this.sessionTimeoutMs = config.getInt("session.timeout.ms", 45000);
        long maxPollIntervalMs = config.getLong("max.poll.interval.ms", 300000);
        this.rebalanceTimeoutMs = (int) Math.min(Integer.MAX_VALUE, maxPollIntervalMs);
        long heartbeatIntervalMs = config.getLong("heartbeat.interval.ms", 3000);
        if (heartbeatIntervalMs >= sessionTimeoutMs) throw new FjordClientException("heartbeat.interval.ms must be lower than session.timeout.ms");
        this.requestTimeoutMs = config.getLong("request.timeout.ms", 30000);
        this.assignors = Assignors.fromConfig(config);
        this.rebalanceProtocol = Assignors.commonProtocol(assignors);
        this.network = network;
        this.metadata = metadata;
        this.host = host;
        this.time = time;
        this.retryBackoff = retryBackoff;
        this.wakeup = wakeup;
        this.heartbeat = new Heartbeat(sessionTimeoutMs, heartbeatIntervalMs, maxPollIntervalMs, time.milliseconds());
        this.lookup = new CoordinatorLookup(groupId, network, time, retryBackoff, wakeup, heartbeat);
        this.committer = OffsetCommitter.forGroupMember(config, groupId, network, lookup, CommitIdentity.classic(membership), time,
                retryBackoff, wakeup, pollThread, onCommitted);
        this.callbacks = new RebalanceCallbacks(groupId, host, committer, time, requestTimeoutMs, log);
        this.subscription = new TopicSubscription(metadata);
        this.heartbeatThread = new HeartbeatThread(this, membership, heartbeat, lookup, network, time, groupId,
                groupInstanceId, clientId + "-heartbeat");
        heartbeatThread.start();
    }

    /** Kept for callers of the old name; see {@link Assignors#byName}. */
    public static ConsumerPartitionAssignor assignor(String name) {
        return Assignors.byName(name);
    }

    public RebalanceProtocol rebalanceProtocol() {
        return rebalanceProtocol;
    }

    @Override
    public OffsetCommitter offsets() {
        return committer;
    }

    // ---- subscription (polling thread) ----

    @Override
    public void subscribe(Set<String> newTopics, Pattern newPattern, ConsumerRebalanceListener l) {
        callbacks.setListener(l);
        newTopics = subscription.subscribe(newTopics, newPattern);
        if (!newTopics.equals(topics)) {
            topics = Set.copyOf(newTopics);
            requestRejoin("subscription changed");
        }
    }

    @Override
    public Set<String> subscription() {
        return topics;
    }

    // ---- the polling thread's driver ----

    /**
     * Called by every consumer poll: records the poll (max.poll.interval.ms), auto-commits when due, notices
     * subscription and metadata changes, and advances the join until the member is STABLE or the deadline passes.
     * Returns true when STABLE without a pending rejoin.
     */
    @Override
    public boolean poll(long deadline) {
        heartbeat.poll(time.milliseconds());
        throwFatal();
        committer.maybeAutoCommit(host::consumed, true);
        checkMetadataChanges();
        while (true) {
            throwFatal();
            wakeup.maybeTrigger();
            MemberState s = membership.state();
            if (membership.isStable()) return true;
            if (time.milliseconds() >= deadline && s != MemberState.UNJOINED && s != MemberState.STABLE) return false;
            if (!lookup.ensureKnown(deadline)) return false;
            switch (s) {
                case UNJOINED, STABLE -> startJoin();
                case JOINING -> {
                    if (!await(joinFuture, deadline)) return false;
                    onJoined(joinFuture);
                }
                case SYNCING -> {
                    if (!await(syncFuture, deadline)) return false;
                    onSynced(syncFuture);
                }
                default -> throw new IllegalStateException("unknown member state " + s);
            }
            if (time.milliseconds() >= deadline) return membership.isStable();
        }
    }

    /** For manually assigned partitions with group.id: auto-commit only, no membership. */
    @Override
    public void pollAssigned() {
        committer.maybeAutoCommit(host::consumed, false);
    }

    private void checkMetadataChanges() {
        Cluster c = metadata.cluster();
        if (subscription.pattern() != null) {
            Set<String> now = subscription.matching(c);
            if (!now.equals(topics)) {
                topics = Set.copyOf(now);
                requestRejoin("topics matching " + subscription.pattern() + " changed");
            }
        }
        boolean isLeader;
        synchronized (membership) {
            isLeader = membership.isLeader() && membership.state() == MemberState.STABLE;
        }
        if (isLeader) {
            for (String t : groupTopics) {
                Integer n = c.partitionCount(t);
                if (n != null && !n.equals(assignedTopicPartitionCounts.get(t))) {
                    requestRejoin("partitions of " + t + " changed");
                    break;
                }
            }
        }
    }

    /** True once the future is done (either way); false if the deadline came first. */
    private boolean await(CompletableFuture<ClientResponse> f, long deadline) {
        try {
            wakeup.await(f, deadline - time.milliseconds());
        } catch (ExecutionException e) {
            // the caller reads the failure from the future
        }
        return f.isDone();
    }

    // ---- transitions (each also moves the GroupMembership) ----

    public void requestRejoin(String why) {
        if (membership.requestRejoin()) log.debug("group {}: rejoin needed: {}", groupId, why);
    }

    void resetGeneration(boolean forgetMemberId, String why) {
        synchronized (membership) {
            log.info("group {}: member {} leaves generation {}: {}", groupId, membership.memberId(), membership.generation(), why);
            membership.resetGeneration(forgetMemberId);
        }
    }

    void fail(RuntimeException e) {
        fatal = e;
    }

    /** STABLE → UNJOINED: poll was not called within max.poll.interval.ms; a dynamic member leaves the group. */
    void onPollTimeout() {
        synchronized (membership) {
            log.warn("group {}: poll not called within max.poll.interval.ms ({} ms): leaving the group", groupId,
                    heartbeat.maxPollIntervalMs());
            sendLeaveGroup("consumer poll timeout has expired");
            resetGeneration(true, "poll timeout");
        }
    }

    /**
     * UNJOINED/STABLE → JOINING. First, on the polling thread: lost partitions go to onPartitionsLost; with the
     * eager protocol every owned partition is committed (auto-commit) and revoked.
     */
    private void startJoin() {
        boolean wasLost = membership.takeLost();
        Set<TopicPartition> owned = host.owned();
        if (!owned.isEmpty()) {
            if (wasLost) {
                callbacks.lose(owned);
            } else if (rebalanceProtocol == RebalanceProtocol.EAGER) {
                callbacks.revoke(owned);
            }
        }
        List<byte[]> metas = new ArrayList<>();
        int generation = membership.generation();
        for (ConsumerPartitionAssignor a : assignors) metas.add(GroupProtocolCodec.subscription(a, topics, host.owned(), generation));
        String id = membership.startJoin();
        joinFuture = network.send(lookup.coordinator(), JoinGroupApi.SPEC, JoinGroupApi.SPEC.highest(), v -> {
            Struct req = JoinGroupApi.SPEC.newRequest().set("GroupId", groupId).set("SessionTimeoutMs", sessionTimeoutMs)
                    .set("RebalanceTimeoutMs", rebalanceTimeoutMs).set("MemberId", id)
                    .set("GroupInstanceId", groupInstanceId).set("ProtocolType", "consumer");
            for (int i = 0; i < assignors.size(); i++) {
                req.add("Protocols", req.child("Protocols").set("Name", assignors.get(i).name()).set("Metadata", metas.get(i)));
            }
            return req;
        }, true, joinGroupTimeoutMs());
    }

    /**
     * The coordinator may hold a JoinGroup until every member rejoined, up to the rebalance timeout: the request
     * gets that long plus a margin (as Kafka's consumer does), never less than request.timeout.ms.
     */
    long joinGroupTimeoutMs() {
        return Math.max(requestTimeoutMs, (long) rebalanceTimeoutMs + JOIN_GROUP_TIMEOUT_MARGIN_MS);
    }

    /** JOINING → SYNCING (the leader assigns), or → UNJOINED to rejoin. */
    private void onJoined(CompletableFuture<ClientResponse> f) {
        ClientResponse r = responseOrNull(f);
        if (r == null) {
            lookup.markUnknown("JoinGroup failed: " + failure(f));
            membership.joinFailed(false);
            pause();
            return;
        }
        Struct b = r.body();
        short code = b.getShort("ErrorCode");
        switch (code) {
            case 0 -> {
            }
            case 79 -> { // MEMBER_ID_REQUIRED: rejoin at once with the id given
                membership.memberIdRequired(b.getString("MemberId"));
                return;
            }
            case 25 -> { // UNKNOWN_MEMBER_ID
                membership.joinFailed(true);
                return;
            }
            case 22, 27 -> { // ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS
                membership.joinFailed(false);
                return;
            }
            default -> {
                membership.joinFailed(false);
                if (CoordinatorLookup.isCoordinatorError(code)) {
                    lookup.markUnknown("JoinGroup: " + ClientErrors.name(code));
                    return;
                }
                if (ClientErrors.isRetriable(code)) return;
                throw ClientErrors.exception(code, "joining group " + groupId);
            }
        }
        String memberId = b.getString("MemberId");
        boolean leader = memberId.equals(b.getString("Leader"));
        membership.joined(memberId, b.getInt("GenerationId"), b.getString("ProtocolName"), leader);
        Map<String, byte[]> assignments = new LinkedHashMap<>();
        boolean skip = r.version() >= 9 && b.getBool("SkipAssignment");
        if (leader && !skip) assignments = leaderAssign(b.getStructs("Members"));
        Map<String, byte[]> out = assignments;
        int gen = membership.generation();
        String proto = membership.protocolName();
        syncFuture = network.send(lookup.coordinator(), SyncGroupApi.SPEC, SyncGroupApi.SPEC.highest(), v -> {
            Struct req = SyncGroupApi.SPEC.newRequest().set("GroupId", groupId).set("GenerationId", gen).set("MemberId", memberId)
                    .set("GroupInstanceId", groupInstanceId).set("ProtocolType", "consumer").set("ProtocolName", proto);
            req.set("Assignments", new ArrayList<>());
            out.forEach((m, a) -> req.add("Assignments", req.child("Assignments").set("MemberId", m).set("Assignment", a)));
            return req;
        }, true);
    }

    private void pause() {
        time.sleep(retryBackoff.initialMs()); // before retrying the join after a lost answer
    }

    private ConsumerPartitionAssignor chosenAssignor() {
        String protocolName = membership.protocolName();
        for (ConsumerPartitionAssignor a : assignors) if (a.name().equals(protocolName)) return a;
        throw new FjordClientException("the group chose protocol " + protocolName + " which this consumer does not have");
    }

    /** The leader: decodes every member's subscription, refreshes metadata for all their topics, runs the assignor. */
    private Map<String, byte[]> leaderAssign(List<Struct> members) {
        ConsumerPartitionAssignor assignor = chosenAssignor();
        Map<String, Subscription> subs = GroupProtocolCodec.memberSubscriptions(members);
        Set<String> all = new TreeSet<>();
        for (Subscription s : subs.values()) all.addAll(s.topics());
        if (metadata.addTopics(all) || !metadata.cluster().topics().containsAll(all)) {
            try {
                wakeup.await(metadata.requestUpdate(), requestTimeoutMs);
            } catch (ExecutionException e) {
                log.debug("metadata refresh before assigning failed: {}", e.toString());
            }
        }
        Cluster c = metadata.cluster();
        Map<String, Integer> counts = new HashMap<>();
        for (String t : all) {
            Integer n = c.partitionCount(t);
            if (n != null) counts.put(t, n);
        }
        Map<String, List<TopicPartition>> assigned = assignor.assign(counts, subs);
        groupTopics = all;
        assignedTopicPartitionCounts = counts;
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String m : subs.keySet()) out.put(m, GroupProtocolCodec.encodeAssignment(assigned.getOrDefault(m, List.of())));
        log.info("group {}: leader {} assigned with {} in generation {}: {}", groupId, membership.memberId(), assignor.name(),
                membership.generation(), assigned);
        return out;
    }

    /**
     * SYNCING → STABLE. Eager: the assignment is added. Cooperative: partitions no longer assigned are revoked (and
     * the member rejoins so they can go to their new owner), new ones added.
     */
    private void onSynced(CompletableFuture<ClientResponse> f) {
        ClientResponse r = responseOrNull(f);
        if (r == null) {
            lookup.markUnknown("SyncGroup failed: " + failure(f));
            membership.syncFailed();
            pause();
            return;
        }
        short code = r.body().getShort("ErrorCode");
        if (code != 0) {
            synchronized (membership) {
                membership.syncFailed();
                if (code == 25) {
                    resetGeneration(true, "SyncGroup: UNKNOWN_MEMBER_ID");
                } else if (code == 22) {
                    resetGeneration(false, "SyncGroup: ILLEGAL_GENERATION");
                } else if (CoordinatorLookup.isCoordinatorError(code)) {
                    lookup.markUnknown("SyncGroup: " + ClientErrors.name(code));
                } else if (code != 27 && !ClientErrors.isRetriable(code)) {
                    throw ClientErrors.exception(code, "syncing group " + groupId);
                }
            }
            return;
        }
        Object blob = r.body().get("Assignment");
        List<TopicPartition> assigned = GroupProtocolCodec.decodeAssignment(
                blob instanceof ByteBuffer bb ? bb : blob == null ? null : ByteBuffer.wrap((byte[]) blob));
        int gen;
        synchronized (membership) {
            gen = membership.generation();
            heartbeat.resetTimers(time.milliseconds());
            membership.synced();
        }
        log.info("group {}: member {} generation {} assigned {}", groupId, membership.memberId(), gen, assigned);
        chosenAssignor().onAssignment(assigned, gen);
        Set<TopicPartition> owned = host.owned();
        Set<TopicPartition> added = new LinkedHashSet<>(assigned);
        added.removeAll(owned);
        Set<TopicPartition> revoked = new LinkedHashSet<>(owned);
        revoked.removeAll(new HashSet<>(assigned));
        if (!revoked.isEmpty()) {
            callbacks.revoke(revoked);
            if (rebalanceProtocol == RebalanceProtocol.COOPERATIVE) requestRejoin("revoked " + revoked);
        }
        host.addPartitions(added);
        callbacks.assigned(added);
    }

    private static String failure(CompletableFuture<?> f) {
        try {
            f.getNow(null);
            return "no response";
        } catch (java.util.concurrent.CompletionException e) {
            return String.valueOf(e.getCause());
        } catch (RuntimeException e) {
            return e.toString();
        }
    }

    private static ClientResponse responseOrNull(CompletableFuture<ClientResponse> f) {
        try {
            return f.getNow(null);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private void throwFatal() {
        RuntimeException e = fatal;
        if (e != null) {
            fatal = null;
            throw e;
        }
    }

    /** LeaveGroup for a dynamic member (a static one stays until its session expires). */
    private CompletableFuture<ClientResponse> sendLeaveGroup(String reason) {
        String id = membership.memberId();
        Integer node = lookup.coordinator();
        if (groupInstanceId != null || GroupMembership.NO_MEMBER.equals(id) || node == null) {
            return CompletableFuture.completedFuture(null);
        }
        return network.send(node, LeaveGroupApi.SPEC, LeaveGroupApi.SPEC.highest(), v -> {
            Struct req = LeaveGroupApi.SPEC.newRequest().set("GroupId", groupId);
            if (v >= 3) {
                req.add("Members", req.child("Members").set("MemberId", id).set("GroupInstanceId", null).set("Reason", reason));
            } else {
                req.set("MemberId", id);
            }
            return req;
        }, true);
    }

    // ---- state for callers ----

    public MemberState state() {
        return membership.state();
    }

    @Override
    public String memberId() {
        return membership.memberId();
    }

    @Override
    public int generation() {
        return membership.generation();
    }

    public String groupId() {
        return groupId;
    }

    /**
     * Leaves the group: commits (auto-commit) and revokes owned partitions, then LeaveGroup (dynamic members).
     */
    @Override
    public void leave(long deadline, boolean revokeAndCommit) {
        Set<TopicPartition> owned = host.owned();
        boolean wasLost = membership.isLost() || membership.state() != MemberState.STABLE;
        if (revokeAndCommit && !owned.isEmpty()) {
            if (wasLost) {
                callbacks.lose(owned);
            } else {
                callbacks.revoke(owned);
            }
        }
        CompletableFuture<ClientResponse> f;
        synchronized (membership) {
            f = sendLeaveGroup("the consumer is being closed");
            membership.left(groupInstanceId != null);
        }
        try {
            wakeup.await(f, deadline - time.milliseconds());
        } catch (ExecutionException | RuntimeException e) {
            log.debug("group {}: LeaveGroup: {}", groupId, e.toString());
        }
    }

    /** Stops the heartbeat thread. */
    @Override
    public void close() {
        heartbeatThread.close();
    }
}
