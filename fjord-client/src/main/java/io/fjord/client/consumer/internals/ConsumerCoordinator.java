package io.fjord.client.consumer.internals;

import io.fjord.client.common.ClientConfig;
import io.fjord.client.common.Cluster;
import io.fjord.client.common.Node;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.CommitFailedException;
import io.fjord.client.consumer.ConsumerPartitionAssignor;
import io.fjord.client.consumer.ConsumerPartitionAssignor.RebalanceProtocol;
import io.fjord.client.consumer.ConsumerPartitionAssignor.Subscription;
import io.fjord.client.consumer.ConsumerRebalanceListener;
import io.fjord.client.consumer.CooperativeStickyAssignor;
import io.fjord.client.consumer.OffsetAndMetadata;
import io.fjord.client.consumer.RangeAssignor;
import io.fjord.client.consumer.RoundRobinAssignor;
import io.fjord.client.consumer.StickyAssignor;
import io.fjord.client.errors.ApiException;
import io.fjord.client.errors.ClientErrors;
import io.fjord.client.errors.FjordClientException;
import io.fjord.client.errors.RetriableException;
import io.fjord.client.errors.TimeoutException;
import io.fjord.client.network.ClientResponse;
import io.fjord.client.network.Metadata;
import io.fjord.client.network.NetworkClient;
import io.fjord.protocol.api.ConsumerProtocol;
import io.fjord.protocol.api.FindCoordinatorApi;
import io.fjord.protocol.api.HeartbeatApi;
import io.fjord.protocol.api.JoinGroupApi;
import io.fjord.protocol.api.LeaveGroupApi;
import io.fjord.protocol.api.OffsetCommitApi;
import io.fjord.protocol.api.OffsetFetchApi;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer's side of the classic group protocol. The polling thread drives joining ({@link #poll}): find the
 * coordinator, JoinGroup (a MEMBER_ID_REQUIRED answer carries the id to rejoin with), the leader runs the assignor
 * chosen by the group over all members' subscriptions, SyncGroup hands out assignments. A heartbeat thread keeps
 * the membership alive in {@link MemberState#STABLE} and leaves the group when poll is not called within
 * max.poll.interval.ms. Rebalance listeners run only on the polling thread. State lives in {@link MemberState} and
 * the fields below, changed only by the transition methods (synchronized: the heartbeat thread and the I/O
 * thread's callbacks change it too).
 */
public final class ConsumerCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConsumerCoordinator.class);
    static final short OFFSET_COMMIT_MAX = 9; // v10 names topics by id
    static final short OFFSET_FETCH_MAX = 7; // v8+ batches groups
    static final String NO_MEMBER = "";
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
    private final String clientId;
    private final int sessionTimeoutMs;
    private final int rebalanceTimeoutMs;
    private final long heartbeatIntervalMs;
    private final long maxPollIntervalMs;
    private final long retryBackoffMs;
    private final long requestTimeoutMs;
    private final boolean autoCommit;
    private final long autoCommitIntervalMs;
    private final List<ConsumerPartitionAssignor> assignors;
    private final RebalanceProtocol rebalanceProtocol;
    private final NetworkClient network;
    private final Metadata metadata;
    private final Host host;
    private final Thread heartbeatThread;

    // ---- membership state (guarded by this) ----
    private MemberState state = MemberState.UNJOINED;
    private String memberId = NO_MEMBER;
    private int generation = -1;
    private String protocolName;
    private boolean leader;
    private boolean rejoinNeeded;
    private boolean lost; // the generation was fenced: owned partitions are lost, not revoked
    private Integer coordinatorId; // the coordinator's own connection id
    private CompletableFuture<ClientResponse> coordinatorLookup;
    private CompletableFuture<ClientResponse> joinFuture;
    private CompletableFuture<ClientResponse> syncFuture;
    private long lastPollMs = System.currentTimeMillis();
    private long lastHeartbeatOkMs = System.currentTimeMillis();
    private long nextHeartbeatMs;
    private RuntimeException fatal;
    private volatile boolean closed;

    // ---- subscription (polling thread) ----
    private Set<String> topics = Set.of();
    private Pattern pattern;
    private ConsumerRebalanceListener listener = new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        }
    };
    private Map<String, Integer> assignedTopicPartitionCounts = Map.of(); // leader: what the assignment was based on
    private Set<String> groupTopics = Set.of(); // leader: all members' topics
    private long nextAutoCommitMs;

    public ConsumerCoordinator(ClientConfig config, String groupId, String clientId, NetworkClient network, Metadata metadata, Host host) {
        this.groupId = groupId;
        this.clientId = clientId;
        this.groupInstanceId = config.getString("group.instance.id", null);
        this.sessionTimeoutMs = config.getInt("session.timeout.ms", 45000);
        this.maxPollIntervalMs = config.getLong("max.poll.interval.ms", 300000);
        this.rebalanceTimeoutMs = (int) Math.min(Integer.MAX_VALUE, maxPollIntervalMs);
        this.heartbeatIntervalMs = config.getLong("heartbeat.interval.ms", 3000);
        if (heartbeatIntervalMs >= sessionTimeoutMs) throw new FjordClientException("heartbeat.interval.ms must be lower than session.timeout.ms");
        this.retryBackoffMs = config.getLong("retry.backoff.ms", 100);
        this.requestTimeoutMs = config.getLong("request.timeout.ms", 30000);
        this.autoCommit = config.getBoolean("enable.auto.commit", true);
        this.autoCommitIntervalMs = config.getLong("auto.commit.interval.ms", 5000);
        this.assignors = assignors(config);
        this.rebalanceProtocol = commonProtocol(assignors);
        this.network = network;
        this.metadata = metadata;
        this.host = host;
        this.nextAutoCommitMs = System.currentTimeMillis() + autoCommitIntervalMs;
        this.heartbeatThread = new Thread(this::heartbeatLoop, clientId + "-heartbeat");
        heartbeatThread.setDaemon(true);
        heartbeatThread.start();
    }

    // ---- configuration ----

    /** partition.assignment.strategy: Kafka's class names, Fjord's class names, or the protocol names. */
    static List<ConsumerPartitionAssignor> assignors(ClientConfig config) {
        Object v = config.asMap().get("partition.assignment.strategy");
        List<String> names = new ArrayList<>();
        if (v == null) {
            names.addAll(List.of("range", "cooperative-sticky"));
        } else if (v instanceof Collection<?> c) {
            for (Object o : c) names.add(o instanceof Class<?> k ? k.getName() : o.toString());
        } else {
            for (String s : v.toString().split(",")) if (!s.isBlank()) names.add(s.trim());
        }
        List<ConsumerPartitionAssignor> out = new ArrayList<>();
        for (String n : names) out.add(assignor(n));
        if (out.isEmpty()) throw new FjordClientException("partition.assignment.strategy must name at least one assignor");
        return out;
    }

    public static ConsumerPartitionAssignor assignor(String name) {
        String simple = name.substring(name.lastIndexOf('.') + 1);
        switch (simple) {
            case "range", "RangeAssignor" -> {
                return new RangeAssignor();
            }
            case "roundrobin", "RoundRobinAssignor" -> {
                return new RoundRobinAssignor();
            }
            case "sticky", "StickyAssignor" -> {
                return new StickyAssignor();
            }
            case "cooperative-sticky", "CooperativeStickyAssignor" -> {
                return new CooperativeStickyAssignor();
            }
            default -> {
            }
        }
        try {
            Object o = Class.forName(name).getDeclaredConstructor().newInstance();
            if (o instanceof ConsumerPartitionAssignor a) return a;
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new FjordClientException("Unknown partition.assignment.strategy " + name);
        }
        throw new FjordClientException(name + " is not a ConsumerPartitionAssignor");
    }

    /** COOPERATIVE if every configured assignor supports it (as Kafka decides), else EAGER. */
    static RebalanceProtocol commonProtocol(List<ConsumerPartitionAssignor> assignors) {
        for (ConsumerPartitionAssignor a : assignors) {
            if (!a.supportedProtocols().contains(RebalanceProtocol.COOPERATIVE)) return RebalanceProtocol.EAGER;
        }
        return RebalanceProtocol.COOPERATIVE;
    }

    public RebalanceProtocol rebalanceProtocol() {
        return rebalanceProtocol;
    }

    // ---- subscription (polling thread) ----

    public synchronized void subscribe(Set<String> newTopics, Pattern newPattern, ConsumerRebalanceListener l) {
        if (l != null) listener = l;
        pattern = newPattern;
        if (newPattern != null) {
            metadata.setAllTopics(true);
            metadata.requestUpdate();
            newTopics = matching(metadata.cluster());
        } else {
            metadata.setAllTopics(false);
            metadata.setTopics(newTopics);
        }
        if (!newTopics.equals(topics)) {
            topics = Set.copyOf(newTopics);
            requestRejoin("subscription changed");
        }
    }

    public synchronized Set<String> subscription() {
        return topics;
    }

    private Set<String> matching(Cluster c) {
        Set<String> out = new TreeSet<>();
        for (String t : c.topics()) if (pattern.matcher(t).matches()) out.add(t);
        return out;
    }

    // ---- the polling thread's driver ----

    /**
     * Called by every consumer poll: records the poll (max.poll.interval.ms), auto-commits when due, notices
     * subscription and metadata changes, and advances the join until the member is STABLE or the deadline passes.
     * Returns true when STABLE without a pending rejoin.
     */
    public boolean poll(long deadline) {
        synchronized (this) {
            lastPollMs = System.currentTimeMillis();
            throwFatal();
        }
        maybeAutoCommit();
        checkMetadataChanges();
        while (true) {
            MemberState s;
            synchronized (this) {
                throwFatal();
                s = state;
                if (s == MemberState.STABLE && !rejoinNeeded) return true;
            }
            if (System.currentTimeMillis() >= deadline && s != MemberState.UNJOINED && s != MemberState.STABLE) return false;
            if (!ensureCoordinator(deadline)) return false;
            switch (s) {
                case UNJOINED, STABLE -> startJoin();
                case JOINING -> {
                    ClientResponse r = await(joinFuture, deadline);
                    if (r == null && !joinFuture.isDone()) return false;
                    onJoined(joinFuture);
                }
                case SYNCING -> {
                    ClientResponse r = await(syncFuture, deadline);
                    if (r == null && !syncFuture.isDone()) return false;
                    onSynced(syncFuture);
                }
                default -> throw new IllegalStateException();
            }
            if (System.currentTimeMillis() >= deadline) {
                synchronized (this) {
                    return state == MemberState.STABLE && !rejoinNeeded;
                }
            }
        }
    }

    private void checkMetadataChanges() {
        Cluster c = metadata.cluster();
        if (pattern != null) {
            Set<String> now = matching(c);
            if (!now.equals(topics)) {
                synchronized (this) {
                    topics = Set.copyOf(now);
                    requestRejoin("topics matching " + pattern + " changed");
                }
            }
        }
        boolean isLeader;
        synchronized (this) {
            isLeader = leader && state == MemberState.STABLE;
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

    private static ClientResponse await(CompletableFuture<ClientResponse> f, long deadline) {
        try {
            return f.get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FjordClientException("interrupted");
        } catch (ExecutionException e) {
            return null; // the caller reads the failure from the future
        }
    }

    // ---- coordinator discovery ----

    /** Finds the coordinator (FindCoordinator to any broker), retrying until the deadline; true when known. */
    boolean ensureCoordinator(long deadline) {
        while (true) {
            CompletableFuture<ClientResponse> f;
            synchronized (this) {
                if (coordinatorId != null) return true;
                if (coordinatorLookup == null) {
                    Integer node = network.leastLoadedNode();
                    if (node == null) {
                        f = null;
                    } else {
                        coordinatorLookup = network.send(node, FindCoordinatorApi.SPEC, FindCoordinatorApi.SPEC.highest(), v -> {
                            Struct req = FindCoordinatorApi.SPEC.newRequest().set("KeyType", (byte) 0);
                            return v >= 4 ? req.set("CoordinatorKeys", List.of(groupId)) : req.set("Key", groupId);
                        }, true);
                        f = coordinatorLookup;
                    }
                } else {
                    f = coordinatorLookup;
                }
            }
            if (f == null) {
                if (!backoff(deadline, Math.max(1, network.timeToNextConnectAttempt()))) return false;
                continue;
            }
            ClientResponse r = await(f, deadline);
            if (r == null && !f.isDone()) return false;
            synchronized (this) {
                coordinatorLookup = null;
                if (r != null) {
                    Struct b = r.body();
                    short code;
                    int id;
                    String h;
                    int port;
                    if (r.version() >= 4) {
                        Struct c = b.getStructs("Coordinators").get(0);
                        code = c.getShort("ErrorCode");
                        id = c.getInt("NodeId");
                        h = c.getString("Host");
                        port = c.getInt("Port");
                    } else {
                        code = b.getShort("ErrorCode");
                        id = b.getInt("NodeId");
                        h = b.getString("Host");
                        port = b.getInt("Port");
                    }
                    if (code == 0) {
                        // Its own connection, as Kafka's consumer does: a JoinGroup parked at the broker must not
                        // hold up fetches answered in order on the same connection.
                        int connId = Integer.MAX_VALUE - id;
                        network.updateNodes(List.of(new Node(connId, h, port)));
                        coordinatorId = connId;
                        lastHeartbeatOkMs = System.currentTimeMillis();
                        return true;
                    }
                    if (!ClientErrors.isRetriable(code)) throw ClientErrors.exception(code, "finding the coordinator of group " + groupId);
                }
            }
            if (!backoff(deadline, retryBackoffMs)) return false;
        }
    }

    private static boolean backoff(long deadline, long ms) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) return false;
        try {
            Thread.sleep(Math.min(left, ms)); // retry backoff
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FjordClientException("interrupted");
        }
        return System.currentTimeMillis() < deadline;
    }

    private synchronized void markCoordinatorUnknown(String why) {
        if (coordinatorId != null) log.info("group {}: coordinator unknown ({})", groupId, why);
        coordinatorId = null;
    }

    private static boolean isCoordinatorError(short code) {
        return code == 14 || code == 15 || code == 16;
    }

    // ---- transitions ----

    /** Asks for a rejoin at the next poll (the member stays in its generation until then). */
    public synchronized void requestRejoin(String why) {
        if (!rejoinNeeded) log.debug("group {}: rejoin needed: {}", groupId, why);
        rejoinNeeded = true;
    }

    /** Forgets the generation (and with {@code forgetMemberId} the member id): owned partitions are lost. */
    private synchronized void resetGeneration(boolean forgetMemberId, String why) {
        log.info("group {}: member {} leaves generation {}: {}", groupId, memberId, generation, why);
        if (forgetMemberId) memberId = NO_MEMBER;
        generation = -1;
        leader = false;
        lost = true;
        rejoinNeeded = true;
        state = MemberState.UNJOINED;
    }

    /**
     * UNJOINED/STABLE → JOINING. First, on the polling thread: lost partitions go to onPartitionsLost; with the
     * eager protocol every owned partition is committed (auto-commit) and revoked.
     */
    private void startJoin() {
        boolean wasLost;
        synchronized (this) {
            wasLost = lost;
            lost = false;
        }
        Set<TopicPartition> owned = host.owned();
        if (!owned.isEmpty()) {
            if (wasLost) {
                invoke(() -> listener.onPartitionsLost(owned), "onPartitionsLost");
                host.removePartitions(owned);
            } else if (rebalanceProtocol == RebalanceProtocol.EAGER) {
                revoke(owned);
            }
        }
        synchronized (this) {
            rejoinNeeded = false;
            state = MemberState.JOINING;
            String id = memberId;
            List<byte[]> metas = new ArrayList<>();
            for (ConsumerPartitionAssignor a : assignors) metas.add(subscriptionFor(a));
            joinFuture = network.send(coordinatorId, JoinGroupApi.SPEC, JoinGroupApi.SPEC.highest(), v -> {
                Struct req = JoinGroupApi.SPEC.newRequest().set("GroupId", groupId).set("SessionTimeoutMs", sessionTimeoutMs)
                        .set("RebalanceTimeoutMs", rebalanceTimeoutMs).set("MemberId", id)
                        .set("GroupInstanceId", groupInstanceId).set("ProtocolType", "consumer");
                for (int i = 0; i < assignors.size(); i++) {
                    req.add("Protocols", req.child("Protocols").set("Name", assignors.get(i).name()).set("Metadata", metas.get(i)));
                }
                return req;
            }, true, joinGroupTimeoutMs());
        }
    }

    /**
     * The coordinator may hold a JoinGroup until every member rejoined, up to the rebalance timeout: the request
     * gets that long plus a margin (as Kafka's consumer does), never less than request.timeout.ms.
     */
    long joinGroupTimeoutMs() {
        return Math.max(requestTimeoutMs, (long) rebalanceTimeoutMs + JOIN_GROUP_TIMEOUT_MARGIN_MS);
    }

    /** This member's SUBSCRIPTION (v3, as Kafka 4.x sends): topics, userData, owned partitions, generation. */
    private byte[] subscriptionFor(ConsumerPartitionAssignor a) {
        Set<String> ts = new TreeSet<>(topics);
        Struct s = new Struct(ConsumerProtocol.SUBSCRIPTION);
        s.set("Topics", new ArrayList<>(ts));
        ByteBuffer ud = a.subscriptionUserData(ts);
        s.set("UserData", ud == null ? null : bytes(ud));
        Map<String, List<Integer>> owned = new LinkedHashMap<>();
        List<TopicPartition> sorted = new ArrayList<>(host.owned());
        sorted.sort(AssignorSupport.PARTITION_ORDER);
        for (TopicPartition tp : sorted) owned.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
        s.set("OwnedPartitions", new ArrayList<>());
        owned.forEach((t, ps) -> s.add("OwnedPartitions", s.child("OwnedPartitions").set("Topic", t).set("Partitions", ps)));
        s.set("GenerationId", generation);
        s.set("RackId", null);
        return ConsumerProtocol.serialize(s, (short) 3);
    }

    /** JOINING → SYNCING (the leader assigns), or → UNJOINED to rejoin. */
    private void onJoined(CompletableFuture<ClientResponse> f) {
        ClientResponse r = responseOrNull(f);
        if (r == null) {
            markCoordinatorUnknown("JoinGroup failed: " + failure(f));
            backoff(System.currentTimeMillis() + retryBackoffMs, retryBackoffMs);
            synchronized (this) {
                state = MemberState.UNJOINED;
            }
            return;
        }
        Struct b = r.body();
        short code = b.getShort("ErrorCode");
        synchronized (this) {
            switch (code) {
                case 0 -> {
                }
                case 79 -> { // MEMBER_ID_REQUIRED: rejoin at once with the id given
                    memberId = b.getString("MemberId");
                    state = MemberState.UNJOINED;
                    return;
                }
                case 25 -> {
                    memberId = NO_MEMBER;
                    generation = -1;
                    state = MemberState.UNJOINED;
                    return;
                }
                case 22, 27 -> {
                    state = MemberState.UNJOINED;
                    return;
                }
                default -> {
                    state = MemberState.UNJOINED;
                    if (isCoordinatorError(code)) {
                        coordinatorId = null;
                        return;
                    }
                    if (ClientErrors.isRetriable(code)) return;
                    throw ClientErrors.exception(code, "joining group " + groupId);
                }
            }
            memberId = b.getString("MemberId");
            generation = b.getInt("GenerationId");
            protocolName = b.getString("ProtocolName");
            leader = memberId.equals(b.getString("Leader"));
        }
        Map<String, byte[]> assignments = new LinkedHashMap<>();
        boolean skip = r.version() >= 9 && b.getBool("SkipAssignment");
        if (leader && !skip) assignments = leaderAssign(b.getStructs("Members"));
        Map<String, byte[]> out = assignments;
        synchronized (this) {
            int gen = generation;
            String id = memberId;
            String proto = protocolName;
            state = MemberState.SYNCING;
            syncFuture = network.send(coordinatorId, SyncGroupApi.SPEC, SyncGroupApi.SPEC.highest(), v -> {
                Struct req = SyncGroupApi.SPEC.newRequest().set("GroupId", groupId).set("GenerationId", gen).set("MemberId", id)
                        .set("GroupInstanceId", groupInstanceId).set("ProtocolType", "consumer").set("ProtocolName", proto);
                req.set("Assignments", new ArrayList<>());
                out.forEach((m, a) -> req.add("Assignments", req.child("Assignments").set("MemberId", m).set("Assignment", a)));
                return req;
            }, true);
        }
    }

    private ConsumerPartitionAssignor chosenAssignor() {
        for (ConsumerPartitionAssignor a : assignors) if (a.name().equals(protocolName)) return a;
        throw new FjordClientException("the group chose protocol " + protocolName + " which this consumer does not have");
    }

    /** The leader: decodes every member's subscription, refreshes metadata for all their topics, runs the assignor. */
    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    private Map<String, byte[]> leaderAssign(List<Struct> members) {
        ConsumerPartitionAssignor assignor = chosenAssignor();
        Map<String, Subscription> subs = new LinkedHashMap<>();
        Set<String> all = new TreeSet<>();
        for (Struct m : members) {
            Object meta = m.get("Metadata");
            ByteBuffer buf = meta instanceof ByteBuffer bb ? bb.duplicate() : ByteBuffer.wrap((byte[]) meta);
            ConsumerProtocol.Versioned v = ConsumerProtocol.deserialize(ConsumerProtocol.SUBSCRIPTION, buf);
            Struct s = v.value();
            List<String> ts = s.getList("Topics");
            List<TopicPartition> owned = new ArrayList<>();
            if (v.version() >= 1 && s.getStructs("OwnedPartitions") != null) {
                for (Struct o : s.getStructs("OwnedPartitions")) {
                    for (Object p : o.getList("Partitions")) owned.add(new TopicPartition(o.getString("Topic"), (Integer) p));
                }
            }
            Object ud = s.get("UserData");
            ByteBuffer userData = ud == null ? null : ud instanceof ByteBuffer bb ? bb.duplicate() : ByteBuffer.wrap((byte[]) ud);
            int gen = v.version() >= 2 ? s.getInt("GenerationId") : -1;
            subs.put(m.getString("MemberId"), new Subscription(List.copyOf(ts), userData, owned, gen, m.getString("GroupInstanceId")));
            all.addAll(ts);
        }
        if (metadata.addTopics(all) || !metadata.cluster().topics().containsAll(all)) {
            try {
                metadata.requestUpdate().get(requestTimeoutMs, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
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
        for (String m : subs.keySet()) out.put(m, (encodeAssignment(assigned.getOrDefault(m, List.of()))));
        log.info("group {}: leader {} assigned with {} in generation {}: {}", groupId, memberId, assignor.name(), generation, assigned);
        return out;
    }

    static byte[] encodeAssignment(List<TopicPartition> partitions) {
        Struct a = new Struct(ConsumerProtocol.ASSIGNMENT);
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        List<TopicPartition> sorted = new ArrayList<>(partitions);
        sorted.sort(AssignorSupport.PARTITION_ORDER);
        for (TopicPartition tp : sorted) byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
        a.set("AssignedPartitions", new ArrayList<>());
        byTopic.forEach((t, ps) -> a.add("AssignedPartitions", a.child("AssignedPartitions").set("Topic", t).set("Partitions", ps)));
        a.set("UserData", null);
        return ConsumerProtocol.serialize(a, (short) 3);
    }

    public static List<TopicPartition> decodeAssignment(ByteBuffer blob) {
        List<TopicPartition> out = new ArrayList<>();
        if (blob == null || !blob.hasRemaining()) return out;
        Struct a = ConsumerProtocol.deserialize(ConsumerProtocol.ASSIGNMENT, blob.duplicate()).value();
        for (Struct t : a.getStructs("AssignedPartitions")) {
            for (Object p : t.getList("Partitions")) out.add(new TopicPartition(t.getString("Topic"), (Integer) p));
        }
        return out;
    }

    /**
     * SYNCING → STABLE. Eager: the assignment is added. Cooperative: partitions no longer assigned are revoked (and
     * the member rejoins so they can go to their new owner), new ones added.
     */
    private void onSynced(CompletableFuture<ClientResponse> f) {
        ClientResponse r = responseOrNull(f);
        if (r == null) {
            markCoordinatorUnknown("SyncGroup failed: " + failure(f));
            backoff(System.currentTimeMillis() + retryBackoffMs, retryBackoffMs);
            synchronized (this) {
                state = MemberState.UNJOINED;
            }
            return;
        }
        short code = r.body().getShort("ErrorCode");
        if (code != 0) {
            synchronized (this) {
                state = MemberState.UNJOINED;
                if (code == 25) {
                    resetGeneration(true, "SyncGroup: UNKNOWN_MEMBER_ID");
                } else if (code == 22) {
                    resetGeneration(false, "SyncGroup: ILLEGAL_GENERATION");
                } else if (isCoordinatorError(code)) {
                    coordinatorId = null;
                } else if (code != 27 && !ClientErrors.isRetriable(code)) {
                    throw ClientErrors.exception(code, "syncing group " + groupId);
                }
            }
            return;
        }
        Object blob = r.body().get("Assignment");
        List<TopicPartition> assigned = decodeAssignment(blob instanceof ByteBuffer bb ? bb : blob == null ? null : ByteBuffer.wrap((byte[]) blob));
        int gen;
        synchronized (this) {
            gen = generation;
            state = MemberState.STABLE;
            lastHeartbeatOkMs = System.currentTimeMillis();
            nextHeartbeatMs = System.currentTimeMillis() + heartbeatIntervalMs;
            notifyAll();
        }
        log.info("group {}: member {} generation {} assigned {}", groupId, memberId, gen, assigned);
        chosenAssignor().onAssignment(assigned, gen);
        Set<TopicPartition> owned = host.owned();
        Set<TopicPartition> added = new LinkedHashSet<>(assigned);
        added.removeAll(owned);
        Set<TopicPartition> revoked = new LinkedHashSet<>(owned);
        revoked.removeAll(new HashSet<>(assigned));
        if (!revoked.isEmpty()) {
            revoke(revoked);
            if (rebalanceProtocol == RebalanceProtocol.COOPERATIVE) requestRejoin("revoked " + revoked);
        }
        host.addPartitions(added);
        invoke(() -> listener.onPartitionsAssigned(added), "onPartitionsAssigned");
    }

    /** Commits what was consumed of {@code partitions} (auto-commit), calls onPartitionsRevoked, drops them. */
    private void revoke(Set<TopicPartition> partitions) {
        if (autoCommit) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(host.consumed());
            offsets.keySet().retainAll(partitions);
            try {
                if (!offsets.isEmpty()) commitSync(offsets, System.currentTimeMillis() + requestTimeoutMs);
            } catch (RuntimeException e) {
                log.warn("group {}: committing before revocation failed: {}", groupId, e.toString());
            }
        }
        invoke(() -> listener.onPartitionsRevoked(Set.copyOf(partitions)), "onPartitionsRevoked");
        host.removePartitions(partitions);
    }

    private void invoke(Runnable callback, String what) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            log.error("group {}: rebalance listener {} failed", groupId, what, e);
        }
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
        if (fatal != null) {
            RuntimeException e = fatal;
            fatal = null;
            throw e;
        }
    }

    // ---- heartbeats (heartbeat thread) ----

    private void heartbeatLoop() {
        while (!closed) {
            try {
                synchronized (this) {
                    long now = System.currentTimeMillis();
                    long wait = state == MemberState.STABLE ? Math.max(1, nextHeartbeatMs - now) : heartbeatIntervalMs;
                    wait(Math.min(wait, 1000));
                    if (closed) return;
                    now = System.currentTimeMillis();
                    if (state != MemberState.STABLE || coordinatorId == null) continue;
                    if (now - lastPollMs > maxPollIntervalMs) {
                        onPollTimeout();
                        continue;
                    }
                    if (now - lastHeartbeatOkMs > sessionTimeoutMs) {
                        markCoordinatorUnknown("no heartbeat answer within session.timeout.ms");
                        continue;
                    }
                    if (now < nextHeartbeatMs) continue;
                    nextHeartbeatMs = now + heartbeatIntervalMs;
                    sendHeartbeat();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("group {}: heartbeat failed", groupId, e);
            }
        }
    }

    private void sendHeartbeat() {
        int gen = generation;
        String id = memberId;
        Integer node = coordinatorId;
        network.send(node, HeartbeatApi.SPEC, HeartbeatApi.SPEC.highest(), v -> HeartbeatApi.SPEC.newRequest().set("GroupId", groupId)
                .set("GenerationId", gen).set("MemberId", id).set("GroupInstanceId", groupInstanceId), true)
                .whenComplete((resp, err) -> onHeartbeat(gen, resp, err));
    }

    /** A heartbeat's answer: keeps the member, or asks it to rejoin / resets it, or loses the coordinator. */
    private synchronized void onHeartbeat(int gen, ClientResponse resp, Throwable err) {
        if (gen != generation || state != MemberState.STABLE) return;
        if (err != null) {
            markCoordinatorUnknown("heartbeat failed: " + err);
            return;
        }
        short code = resp.body().getShort("ErrorCode");
        switch (code) {
            case 0 -> lastHeartbeatOkMs = System.currentTimeMillis();
            case 27 -> {
                lastHeartbeatOkMs = System.currentTimeMillis();
                requestRejoin("heartbeat: REBALANCE_IN_PROGRESS");
            }
            case 22 -> resetGeneration(false, "heartbeat: ILLEGAL_GENERATION");
            case 25 -> resetGeneration(true, "heartbeat: UNKNOWN_MEMBER_ID");
            case 82 -> fatal = ClientErrors.exception(code, "group.instance.id " + groupInstanceId + " was fenced");
            default -> {
                if (isCoordinatorError(code)) markCoordinatorUnknown("heartbeat: " + ClientErrors.name(code));
            }
        }
    }

    /** STABLE → UNJOINED: poll was not called within max.poll.interval.ms; a dynamic member leaves the group. */
    private synchronized void onPollTimeout() {
        log.warn("group {}: poll not called within max.poll.interval.ms ({} ms): leaving the group", groupId, maxPollIntervalMs);
        sendLeaveGroup("consumer poll timeout has expired");
        resetGeneration(true, "poll timeout");
    }

    /** LeaveGroup for a dynamic member (a static one stays until its session expires). */
    private synchronized CompletableFuture<ClientResponse> sendLeaveGroup(String reason) {
        if (groupInstanceId != null || NO_MEMBER.equals(memberId) || coordinatorId == null) return CompletableFuture.completedFuture(null);
        String id = memberId;
        return network.send(coordinatorId, LeaveGroupApi.SPEC, LeaveGroupApi.SPEC.highest(), v -> {
            Struct req = LeaveGroupApi.SPEC.newRequest().set("GroupId", groupId);
            if (v >= 3) {
                req.add("Members", req.child("Members").set("MemberId", id).set("GroupInstanceId", null).set("Reason", reason));
            } else {
                req.set("MemberId", id);
            }
            return req;
        }, true);
    }

    // ---- offsets ----

    /** For manually assigned partitions with group.id: auto-commit only, no membership. */
    public void pollAssigned() {
        if (!autoCommit || System.currentTimeMillis() < nextAutoCommitMs) return;
        if (ensureCoordinator(System.currentTimeMillis())) maybeAutoCommit(true);
    }

    private void maybeAutoCommit() {
        maybeAutoCommit(false);
    }

    private void maybeAutoCommit(boolean assigned) {
        if (!autoCommit) return;
        long now = System.currentTimeMillis();
        if (now < nextAutoCommitMs) return;
        synchronized (this) {
            if ((!assigned && state != MemberState.STABLE) || coordinatorId == null) return;
        }
        nextAutoCommitMs = now + autoCommitIntervalMs;
        Map<TopicPartition, OffsetAndMetadata> offsets = host.consumed();
        if (!offsets.isEmpty()) sendCommit(offsets).whenComplete((r, e) -> {
            if (e != null) log.debug("group {}: auto-commit failed: {}", groupId, e.toString());
        });
    }

    public boolean autoCommitEnabled() {
        return autoCommit;
    }

    /** Commits, retrying retriable errors until the deadline. */
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, long deadline) {
        if (offsets.isEmpty()) return;
        synchronized (this) {
            if (state == MemberState.JOINING || state == MemberState.SYNCING) {
                throw new io.fjord.client.consumer.RebalanceInProgressException("Offset commit cannot be completed since the "
                        + "consumer is rejoining group " + groupId + ": call poll() to complete the rebalance, then commit again");
            }
        }
        RuntimeException last = null;
        while (true) {
            if (System.currentTimeMillis() >= deadline) {
                throw new TimeoutException("Timeout committing offsets " + offsets + (last == null ? "" : ": " + last.getMessage()));
            }
            if (!ensureCoordinator(deadline)) continue;
            try {
                sendCommit(offsets).get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
                return;
            } catch (java.util.concurrent.TimeoutException e) {
                last = new TimeoutException("no answer from the coordinator");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FjordClientException("interrupted");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RetriableException || e.getCause() instanceof ApiException a && a.retriable()) {
                    last = (RuntimeException) e.getCause();
                    backoff(deadline, retryBackoffMs);
                    continue;
                }
                throw e.getCause() instanceof RuntimeException re ? re : new FjordClientException("commit failed", e.getCause());
            }
        }
    }

    /**
     * One OffsetCommit with the member's generation (or none: -1 and no member id, for a consumer with assigned
     * partitions). Completes exceptionally with the first partition error.
     */
    public CompletableFuture<Void> sendCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        int gen;
        String id;
        Integer node;
        synchronized (this) {
            // The generation the member last had (kept while it rejoins: the coordinator accepts commits of the
            // current generation while it prepares a rebalance); -1 and no id when not a member.
            gen = generation;
            id = generation < 0 ? NO_MEMBER : memberId;
            node = coordinatorId;
        }
        CompletableFuture<Void> out = new CompletableFuture<>();
        if (node == null) {
            out.completeExceptionally(ClientErrors.exception((short) 15, "coordinator unknown"));
            return out;
        }
        Map<String, List<Map.Entry<TopicPartition, OffsetAndMetadata>>> byTopic = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
            byTopic.computeIfAbsent(e.getKey().topic(), k -> new ArrayList<>()).add(e);
        }
        network.send(node, OffsetCommitApi.SPEC, OFFSET_COMMIT_MAX, v -> {
            Struct req = OffsetCommitApi.SPEC.newRequest().set("GroupId", groupId).set("GenerationIdOrMemberEpoch", gen)
                    .set("MemberId", id).set("GroupInstanceId", groupInstanceId);
            byTopic.forEach((t, es) -> {
                Struct ts = req.child("Topics").set("Name", t);
                for (Map.Entry<TopicPartition, OffsetAndMetadata> e : es) {
                    ts.add("Partitions", ts.child("Partitions").set("PartitionIndex", e.getKey().partition())
                            .set("CommittedOffset", e.getValue().offset()).set("CommittedMetadata", e.getValue().metadata()));
                }
                req.add("Topics", ts);
            });
            return req;
        }, true).whenComplete((resp, err) -> {
            if (err != null) {
                markCoordinatorUnknown("OffsetCommit failed: " + err);
                out.completeExceptionally(err);
                return;
            }
            for (Struct t : resp.body().getStructs("Topics")) {
                for (Struct p : t.getStructs("Partitions")) {
                    short code = p.getShort("ErrorCode");
                    if (code == 0) continue;
                    if (isCoordinatorError(code)) markCoordinatorUnknown("OffsetCommit: " + ClientErrors.name(code));
                    if (code == 22 || code == 25 || code == 27) {
                        synchronized (this) {
                            if (gen >= 0 && gen == generation && state == MemberState.STABLE) { // only a commit of the current generation says it was fenced
                                if (code == 25) resetGeneration(true, "OffsetCommit: UNKNOWN_MEMBER_ID");
                                else if (code == 22) resetGeneration(false, "OffsetCommit: ILLEGAL_GENERATION");
                                else requestRejoin("OffsetCommit: REBALANCE_IN_PROGRESS");
                            }
                        }
                        out.completeExceptionally(new CommitFailedException("Commit cannot be completed since the group has "
                                + "rebalanced (" + ClientErrors.name(code) + "); the partitions may now belong to another member"));
                    } else {
                        out.completeExceptionally(ClientErrors.exception(code, "committing " + t.getString("Name") + "-" + p.getInt("PartitionIndex")));
                    }
                    return;
                }
            }
            out.complete(null);
        });
        return out;
    }

    /** The group's committed offsets for the partitions (absent where none), retried until the deadline. */
    public Map<TopicPartition, OffsetAndMetadata> fetchCommitted(Set<TopicPartition> partitions, long deadline) {
        RuntimeException last = null;
        while (true) {
            if (System.currentTimeMillis() >= deadline) {
                throw new TimeoutException("Timeout fetching committed offsets for " + partitions + (last == null ? "" : ": " + last.getMessage()));
            }
            if (!ensureCoordinator(deadline)) continue;
            Integer node;
            synchronized (this) {
                node = coordinatorId;
            }
            if (node == null) continue;
            Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
            for (TopicPartition tp : partitions) byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
            ClientResponse r;
            try {
                r = network.send(node, OffsetFetchApi.SPEC, OFFSET_FETCH_MAX, v -> {
                    Struct req = OffsetFetchApi.SPEC.newRequest().set("GroupId", groupId).set("RequireStable", false);
                    req.set("Topics", new ArrayList<>());
                    byTopic.forEach((t, ps) -> req.add("Topics", req.child("Topics").set("Name", t).set("PartitionIndexes", ps)));
                    return req;
                }, true).get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FjordClientException("interrupted");
            } catch (ExecutionException e) {
                last = e.getCause() instanceof RuntimeException re ? re : new FjordClientException("OffsetFetch failed", e.getCause());
                markCoordinatorUnknown("OffsetFetch failed");
                backoff(deadline, retryBackoffMs);
                continue;
            }
            short top = r.body().getShort("ErrorCode");
            if (top != 0) {
                last = ClientErrors.exception(top, "fetching committed offsets");
                if (isCoordinatorError(top)) markCoordinatorUnknown("OffsetFetch: " + ClientErrors.name(top));
                if (!ClientErrors.isRetriable(top)) throw last;
                backoff(deadline, retryBackoffMs);
                continue;
            }
            Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
            boolean retry = false;
            for (Struct t : r.body().getStructs("Topics")) {
                for (Struct p : t.getStructs("Partitions")) {
                    short code = p.getShort("ErrorCode");
                    TopicPartition tp = new TopicPartition(t.getString("Name"), p.getInt("PartitionIndex"));
                    if (code != 0) {
                        if (ClientErrors.isRetriable(code) && code != ClientErrors.UNKNOWN_TOPIC_OR_PARTITION) {
                            retry = true;
                            last = ClientErrors.exception(code, "committed offset of " + tp);
                            continue;
                        }
                        if (code == ClientErrors.UNKNOWN_TOPIC_OR_PARTITION) continue;
                        throw ClientErrors.exception(code, "committed offset of " + tp);
                    }
                    long off = p.getLong("CommittedOffset");
                    if (off >= 0) out.put(tp, new OffsetAndMetadata(off, p.getString("Metadata")));
                }
            }
            if (!retry) return out;
            backoff(deadline, retryBackoffMs);
        }
    }

    // ---- state for callers ----

    public synchronized MemberState state() {
        return state;
    }

    public synchronized String memberId() {
        return memberId;
    }

    public synchronized int generation() {
        return generation;
    }

    public String groupId() {
        return groupId;
    }

    /**
     * Leaves the group: commits (auto-commit) and revokes owned partitions, then LeaveGroup (dynamic members) and
     * stops the heartbeat thread.
     */
    public void leave(long deadline, boolean revokeAndCommit) {
        Set<TopicPartition> owned = host.owned();
        boolean wasLost;
        synchronized (this) {
            wasLost = lost || state != MemberState.STABLE;
        }
        if (revokeAndCommit && !owned.isEmpty()) {
            if (wasLost) {
                invoke(() -> listener.onPartitionsLost(owned), "onPartitionsLost");
                host.removePartitions(owned);
            } else {
                revoke(owned);
            }
        }
        CompletableFuture<ClientResponse> f;
        synchronized (this) {
            f = sendLeaveGroup("the consumer is being closed");
            if (groupInstanceId == null) memberId = NO_MEMBER;
            generation = -1;
            state = MemberState.UNJOINED;
            rejoinNeeded = true;
        }
        try {
            f.get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.debug("group {}: LeaveGroup: {}", groupId, e.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            notifyAll();
        }
        heartbeatThread.interrupt();
        try {
            heartbeatThread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
