package io.fjord.client.consumer.internals;

import io.fjord.client.common.ClientConfig;
import io.fjord.client.common.Cluster;
import io.fjord.client.common.ExponentialBackoff;
import io.fjord.client.common.Time;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.ConsumerRebalanceListener;
import io.fjord.client.consumer.OffsetAndMetadata;
import io.fjord.client.errors.ClientErrors;
import io.fjord.client.errors.FjordClientException;
import io.fjord.client.network.ClientResponse;
import io.fjord.client.network.Metadata;
import io.fjord.client.network.NetworkClient;
import io.fjord.protocol.api.ConsumerGroupHeartbeatApi;
import io.fjord.protocol.types.Struct;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer's side of the consumer group protocol (KIP-848, {@code group.protocol=consumer}): one
 * ConsumerGroupHeartbeat carries joining, the subscription, the owned partitions and leaving; the coordinator
 * assigns (server-side assignor, {@code group.remote.assignor}) and answers with the member epoch, the heartbeat
 * interval to use and, when it changed, the target assignment. The state and its checked moves are
 * {@link ConsumerGroupMembership}'s. Reconciliation runs on the polling thread: partitions no longer targeted are
 * revoked first (committed with auto-commit, onPartitionsRevoked), then the new ones are added
 * (onPartitionsAssigned, starting at the committed offsets), then a heartbeat acknowledges the new ownership.
 * Heartbeats go out from a background thread at the interval the coordinator gave (and from poll), so a member
 * whose application is slow between polls keeps its session; max.poll.interval.ms still bounds the time between
 * polls (the member then leaves and rejoins on its next poll, its partitions lost). Coordinator errors
 * (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE) send it to look the coordinator up again; commits carry the member
 * epoch (OffsetCommit v9).
 */
public final class ConsumerGroupMember implements GroupMember {
    private static final Logger log = LoggerFactory.getLogger(ConsumerGroupMember.class);
    /** Until the first answer gives the coordinator's interval. */
    static final long INITIAL_HEARTBEAT_INTERVAL_MS = 5000;
    private static final long TICK_MS = 100;

    private final String groupId;
    private final String groupInstanceId;
    private final String rackId;
    private final String serverAssignor;
    private final int rebalanceTimeoutMs;
    private final long maxPollIntervalMs;
    private final long requestTimeoutMs;
    private final NetworkClient network;
    private final Metadata metadata;
    private final ConsumerCoordinator.Host host;
    private final Time time;
    private final ExponentialBackoff retryBackoff;
    private final PollThreadQueue pollThread;
    private final ConsumerGroupMembership membership;
    private final CoordinatorLookup lookup;
    private final OffsetCommitter committer;
    private final Thread heartbeatThread;
    private final RebalanceCallbacks callbacks;
    private final TopicSubscription subscription;
    private volatile boolean closed;
    private volatile RuntimeException fatal;
    private volatile long lastPollMs;
    private int heartbeatFailures;

    // ---- subscription (polling thread; read by the heartbeat thread) ----
    private volatile Set<String> topics = Set.of();

    public ConsumerGroupMember(ClientConfig config, String groupId, String clientId, NetworkClient network, Metadata metadata,
                               ConsumerCoordinator.Host host, Time time, Random random, ExponentialBackoff retryBackoff,
                               WakeupTrigger wakeup, PollThreadQueue pollThread,
                               Consumer<Map<TopicPartition, OffsetAndMetadata>> onCommitted) {
        for (String classicOnly : List.of("partition.assignment.strategy", "session.timeout.ms", "heartbeat.interval.ms")) {
            if (config.asMap().containsKey(classicOnly)) {
                throw new FjordClientException(classicOnly + " cannot be set with group.protocol=consumer (the coordinator decides)");
            }
        }
        this.groupId = groupId;
        this.groupInstanceId = config.getString("group.instance.id", null);
        this.rackId = config.getString("client.rack", null);
        this.serverAssignor = config.getString("group.remote.assignor", null);
        this.maxPollIntervalMs = config.getLong("max.poll.interval.ms", 300000);
        this.rebalanceTimeoutMs = (int) Math.min(Integer.MAX_VALUE, maxPollIntervalMs);
        this.requestTimeoutMs = config.getLong("request.timeout.ms", 30000);
        this.network = network;
        this.metadata = metadata;
        this.host = host;
        this.time = time;
        this.retryBackoff = retryBackoff;
        this.pollThread = pollThread;
        this.membership = new ConsumerGroupMembership(newMemberId(random), groupInstanceId != null, INITIAL_HEARTBEAT_INTERVAL_MS);
        // CoordinatorLookup records "heard from the coordinator" on a classic Heartbeat; here only its lookup is used.
        Heartbeat unusedTimers = new Heartbeat(Long.MAX_VALUE / 4, 1, Long.MAX_VALUE / 4, time.milliseconds());
        this.lookup = new CoordinatorLookup(groupId, network, time, retryBackoff, wakeup, unusedTimers);
        this.committer = OffsetCommitter.forGroupMember(config, groupId, network, lookup, new Identity(), time, retryBackoff,
                wakeup, pollThread, onCommitted);
        this.callbacks = new RebalanceCallbacks(groupId, host, committer, time, requestTimeoutMs, log);
        this.subscription = new TopicSubscription(metadata);
        this.lastPollMs = time.milliseconds();
        this.heartbeatThread = new Thread(this::heartbeatLoop, clientId + "-heartbeat");
        heartbeatThread.setDaemon(true);
        heartbeatThread.start();
    }

    /** A member id of the client's own, in the form Kafka's clients use (a random UUID, URL-safe base64). */
    private static String newMemberId(Random random) {
        ByteBuffer b = ByteBuffer.allocate(16).putLong(random.nextLong()).putLong(random.nextLong());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /** Commits speak for the member epoch; a refusal that says the member is gone fences it. */
    private final class Identity implements CommitIdentity {
        @Override
        public Snapshot snapshot() {
            synchronized (membership) {
                return membership.isMember() ? new Snapshot(membership.memberEpoch(), membership.memberId())
                        : new Snapshot(-1, GroupMembership.NO_MEMBER);
            }
        }

        @Override
        public boolean stable() {
            return membership.state() == ConsumerGroupMembership.State.STABLE;
        }

        @Override
        public boolean rebalancing() {
            return false; // commits are accepted in every epoch the member holds; there is no join barrier
        }

        @Override
        public void commitRefused(Snapshot sent, short code) {
            if ((code == ConsumerGroupMembership.UNKNOWN_MEMBER_ID || code == ConsumerGroupMembership.FENCED_MEMBER_EPOCH)
                    && sent.generationOrEpoch() == membership.memberEpoch()) {
                membership.onHeartbeatError(time.milliseconds(), code, false, 0);
            }
        }
    }

    public ConsumerGroupMembership.State state() {
        return membership.state();
    }

    @Override
    public OffsetCommitter offsets() {
        return committer;
    }

    @Override
    public String memberId() {
        return membership.memberId();
    }

    @Override
    public int generation() {
        return membership.memberEpoch();
    }

    // ---- subscription (polling thread) ----

    @Override
    public void subscribe(Set<String> newTopics, Pattern newPattern, ConsumerRebalanceListener l) {
        callbacks.setListener(l);
        topics = Set.copyOf(subscription.subscribe(newTopics, newPattern));
    }

    @Override
    public Set<String> subscription() {
        return topics;
    }

    // ---- the polling thread's driver ----

    @Override
    public boolean poll(long deadline) {
        long now = time.milliseconds();
        lastPollMs = now;
        throwFatal();
        if (subscription.pattern() != null) topics = Set.copyOf(subscription.matching(metadata.cluster()));
        committer.maybeAutoCommit(host::consumed, true);
        switch (membership.state()) {
            case UNSUBSCRIBED -> {
                if (topics.isEmpty()) return false;
                membership.join(now);
            }
            case STALE -> {
                releaseLost("poll timeout");
                membership.join(now);
            }
            case FENCED -> {
                releaseLost("fenced");
                membership.rejoinAfterFenced(now);
            }
            default -> {
            }
        }
        if (!lookup.ensureKnown(Math.min(deadline, now + requestTimeoutMs))) return false;
        maybeHeartbeat();
        reconcile();
        throwFatal();
        return membership.state() == ConsumerGroupMembership.State.STABLE;
    }

    @Override
    public void pollAssigned() {
        committer.maybeAutoCommit(host::consumed, false);
    }

    private void throwFatal() {
        RuntimeException e = fatal;
        if (e != null) throw e;
    }

    /** The partitions are no longer this member's (fenced, or left after a poll timeout): onPartitionsLost. */
    private void releaseLost(String why) {
        Set<TopicPartition> owned = host.owned();
        if (owned.isEmpty()) return;
        log.info("group {}: member {} lost {} ({})", groupId, membership.memberId(), owned, why);
        callbacks.lose(Set.copyOf(owned));
    }

    /**
     * Revoke, then assign: what the coordinator's target leaves out is committed and revoked; what it adds is
     * assigned; then the new ownership is acknowledged. A target naming a topic id the metadata does not know yet
     * waits for a metadata refresh.
     */
    private void reconcile() {
        Map<UUID, Set<Integer>> target = membership.pendingTarget();
        if (target == null) return;
        Cluster cluster = metadata.cluster();
        Map<UUID, String> names = new HashMap<>();
        for (String t : cluster.topics()) {
            UUID id = cluster.topicId(t);
            if (id != null) names.put(id, t);
        }
        Set<TopicPartition> wanted = new LinkedHashSet<>();
        for (Map.Entry<UUID, Set<Integer>> e : target.entrySet()) {
            String name = names.get(e.getKey());
            if (name == null) {
                log.debug("group {}: assigned topic id {} not in metadata yet", groupId, e.getKey());
                metadata.requestUpdate();
                return;
            }
            for (int p : e.getValue()) wanted.add(new TopicPartition(name, p));
        }
        Set<TopicPartition> owned = host.owned();
        Set<TopicPartition> revoked = new LinkedHashSet<>(owned);
        revoked.removeAll(wanted);
        Set<TopicPartition> added = new LinkedHashSet<>(wanted);
        added.removeAll(owned);
        if (!revoked.isEmpty()) callbacks.revoke(revoked);
        if (!added.isEmpty()) {
            host.addPartitions(added);
            callbacks.assigned(Set.copyOf(added));
        } else if (revoked.isEmpty() && owned.isEmpty()) {
            callbacks.assigned(Set.of());
        }
        log.info("group {}: member {} epoch {} reconciled: revoked {}, assigned {}", groupId, membership.memberId(),
                membership.memberEpoch(), revoked, added);
        membership.reconciled(time.milliseconds(), target);
        maybeHeartbeat(); // acknowledge at once
    }

    // ---- heartbeats (any thread) ----

    private void heartbeatLoop() {
        while (!closed) {
            try {
                long now = time.milliseconds();
                ConsumerGroupMembership.State s = membership.state();
                boolean active = s == ConsumerGroupMembership.State.STABLE || s == ConsumerGroupMembership.State.RECONCILING
                        || s == ConsumerGroupMembership.State.ACKNOWLEDGING || s == ConsumerGroupMembership.State.JOINING;
                if (active && now - lastPollMs > maxPollIntervalMs) {
                    log.warn("group {}: poll not called within max.poll.interval.ms ({} ms): leaving the group", groupId, maxPollIntervalMs);
                    membership.pollTimedOut(now);
                }
                if (lookup.coordinator() != null) maybeHeartbeat();
            } catch (RuntimeException e) {
                if (!closed) log.debug("group {}: heartbeat thread: {}", groupId, e.toString());
            }
            try {
                time.sleep(Math.max(1, Math.min(TICK_MS, membership.timeToNextHeartbeat(time.milliseconds()))));
            } catch (RuntimeException e) {
                return; // interrupted: closing
            }
        }
    }

    /** Sends a heartbeat if one is due; its answer moves the membership on the I/O thread. */
    private CompletableFuture<ClientResponse> maybeHeartbeat() {
        Integer node = lookup.coordinator();
        Struct body;
        synchronized (membership) {
            if (node == null || !membership.heartbeatDue(time.milliseconds())) return null;
            body = heartbeatRequest();
            membership.heartbeatSent();
        }
        int sentEpoch = body.getInt("MemberEpoch");
        CompletableFuture<ClientResponse> f = network.send(node, ConsumerGroupHeartbeatApi.SPEC,
                ConsumerGroupHeartbeatApi.SPEC.highest(), v -> body, true);
        f.whenComplete((resp, err) -> onHeartbeatAnswer(sentEpoch, resp, err));
        return f;
    }

    /** Every field, every time: the coordinator takes a repeated value as unchanged. */
    private Struct heartbeatRequest() {
        int epoch = membership.heartbeatEpoch();
        Struct req = ConsumerGroupHeartbeatApi.SPEC.newRequest().set("GroupId", groupId)
                .set("MemberId", membership.memberId()).set("MemberEpoch", epoch)
                .set("InstanceId", groupInstanceId).set("RackId", rackId)
                .set("RebalanceTimeoutMs", rebalanceTimeoutMs)
                .set("SubscribedTopicNames", new ArrayList<>(new TreeSet<>(topics)))
                .set("ServerAssignor", serverAssignor);
        List<Struct> owned = new ArrayList<>();
        membership.owned().forEach((id, ps) -> owned.add(req.child("TopicPartitions").set("TopicId", id)
                .set("Partitions", new ArrayList<>(new TreeSet<>(ps)))));
        return req.set("TopicPartitions", owned);
    }

    private void onHeartbeatAnswer(int sentEpoch, ClientResponse resp, Throwable err) {
        long now = time.milliseconds();
        if (err != null) {
            Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
            if (cause instanceof io.fjord.client.errors.UnsupportedVersionException) {
                // As Kafka's consumer: a broker without ConsumerGroupHeartbeat cannot host this member, retrying will not help.
                fatal = new io.fjord.client.errors.UnsupportedVersionException("The cluster does not support the consumer group "
                        + "protocol (ConsumerGroupHeartbeat): set group.protocol=classic (" + cause.getMessage() + ")");
                membership.onHeartbeatError(now, (short) 35, true, 0);
                pollThread.wake();
                return;
            }
            lookup.markUnknown("heartbeat failed: " + err);
            membership.onHeartbeatFailure(now, retryBackoff.backoffMs(++heartbeatFailures));
            return;
        }
        Struct b = resp.body();
        short code = b.getShort("ErrorCode");
        if (code != 0) {
            String message = b.getString("ErrorMessage");
            boolean coordinatorMoved = CoordinatorLookup.isCoordinatorError(code);
            if (coordinatorMoved) lookup.markUnknown("heartbeat: " + ClientErrors.name(code));
            boolean fatalError = !coordinatorMoved && code != ConsumerGroupMembership.UNKNOWN_MEMBER_ID
                    && code != ConsumerGroupMembership.FENCED_MEMBER_EPOCH && !ClientErrors.isRetriable(code);
            log.info("group {}: heartbeat (epoch {}) answered {}{}", groupId, sentEpoch, ClientErrors.name(code),
                    message == null ? "" : ": " + message);
            if (fatalError) fatal = ClientErrors.exception(code, "heartbeat of group " + groupId + (message == null ? "" : ": " + message));
            membership.onHeartbeatError(now, code, fatalError, retryBackoff.backoffMs(++heartbeatFailures));
            pollThread.wake();
            return;
        }
        heartbeatFailures = 0;
        Struct a = b.getStruct("Assignment");
        Map<UUID, Set<Integer>> assignment = null;
        if (a != null) {
            assignment = new HashMap<>();
            for (Struct tp : a.getStructs("TopicPartitions")) {
                List<Integer> ps = tp.getList("Partitions");
                assignment.put(tp.getUuid("TopicId"), Set.copyOf(ps));
            }
        }
        membership.onHeartbeat(now, b.getInt("MemberEpoch"), b.getInt("HeartbeatIntervalMs"), assignment);
        if (assignment != null) pollThread.wake(); // the polling thread reconciles
    }

    // ---- leaving ----

    @Override
    public void leave(long deadline, boolean revokeAndCommit) {
        membership.leave();
        if (membership.state() == ConsumerGroupMembership.State.PREPARE_LEAVING) {
            Set<TopicPartition> owned = host.owned();
            if (revokeAndCommit && !owned.isEmpty()) callbacks.revoke(owned);
            membership.readyToLeave(time.milliseconds());
        }
        if (membership.state() != ConsumerGroupMembership.State.LEAVING) return;
        if (!lookup.ensureKnown(deadline)) return;
        CompletableFuture<ClientResponse> f = maybeHeartbeat();
        if (f == null) return;
        try {
            f.get(Math.max(1, deadline - time.milliseconds()), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
            log.debug("group {}: leave heartbeat: {}", groupId, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        heartbeatThread.interrupt();
        try {
            heartbeatThread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
