package io.fjord.metadata.raft;

import io.fjord.metadata.AlterPartitionRequest;
import io.fjord.metadata.AlterPartitionResult;
import io.fjord.metadata.BrokerNode;
import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.Controller;
import io.fjord.metadata.ControllerPolicy;
import io.fjord.metadata.ElectionResult;
import io.fjord.metadata.ElectionType;
import io.fjord.metadata.ReassignmentRequest;
import io.fjord.metadata.ReassignmentResult;
import io.fjord.metadata.ReplicationControl;
import io.fjord.metadata.TopicPartitionRef;
import io.fjord.metadata.MetadataLog;
import io.fjord.metadata.MetadataRecord;
import io.fjord.metadata.PartitionState;
import io.fjord.metadata.TopicImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller quorum on Apache Ratis: every voter runs a Raft server whose log is the metadata log and whose
 * state machine ({@link MetadataStateMachine}) keeps the {@link ClusterImage}. The active controller is the Raft
 * leader and its term is the controller epoch. Changes from any node go through a Raft client, which sends them to
 * the leader; the call returns once the change is committed and applied on this node.
 *
 * <p>This node also acts as a broker towards the quorum: it registers (a {@code BrokerRegistered} record with a
 * fresh incarnation id) and heartbeats (read-only requests the leader answers from memory). The leader fences a
 * broker whose heartbeats stop for {@code sessionTimeoutMs}, moving its leaderships ({@link ReplicationControl#fence}),
 * and unfences it when it heartbeats again (unless it is in controlled shutdown: only a new registration brings
 * it back). Every tick it also restores the replication invariants ({@link ReplicationControl#reconcile}:
 * ineligible brokers out of ISRs, leaderless partitions led, unclean elections where allowed, reassignments
 * completed) and, every {@code leader.imbalance.check.interval}, moves leaders back to preferred replicas.
 * Requests whose outcome depends on the state (AlterPartition, controlled shutdown, elections, reassignments)
 * travel as {@link ControllerCommand}s judged at apply time.
 */
public final class RaftController implements Controller {
    private static final Logger log = LoggerFactory.getLogger(RaftController.class);
    private static final long WRITE_TIMEOUT_MS = 30_000;

    /** A voter of the quorum: node id and the host and port of its Raft server. */
    public record Voter(int id, String host, int port) {
    }

    /**
     * Settings; see the {@code controller.*} and {@code broker.*} keys in BrokerConfig. {@code listenerAddress} is
     * the host:port this node's Raft server binds: for a voter, its controller listener (null or blank: its
     * {@code voters} entry; the port must be the entry's, since the other voters dial the entry); for a
     * broker-only node, its Raft listener, which is also the address the leader sends the log to. {@code policy}
     * holds the settings of the decisions this node takes while it is the active controller; {@code tls} the mutual
     * TLS of every Raft connection (null: plaintext gRPC).
     */
    public record Settings(int nodeId, List<Voter> voters, Path dir, String clusterId, BrokerNode self,
                           long sessionTimeoutMs, long heartbeatIntervalMs, long snapshotEntries,
                           long electionTimeoutMinMs, long electionTimeoutMaxMs,
                           boolean broker, boolean controller, String listenerAddress, ControllerPolicy policy, RaftTls tls) {
        public Settings {
            if (policy == null) policy = ControllerPolicy.DEFAULT;
        }

        /** Plaintext Raft connections. */
        public Settings(int nodeId, List<Voter> voters, Path dir, String clusterId, BrokerNode self,
                        long sessionTimeoutMs, long heartbeatIntervalMs, long snapshotEntries,
                        long electionTimeoutMinMs, long electionTimeoutMaxMs,
                        boolean broker, boolean controller, String listenerAddress, ControllerPolicy policy) {
            this(nodeId, voters, dir, clusterId, self, sessionTimeoutMs, heartbeatIntervalMs, snapshotEntries,
                    electionTimeoutMinMs, electionTimeoutMaxMs, broker, controller, listenerAddress, policy, null);
        }

        /** With Kafka's default controller policy. */
        public Settings(int nodeId, List<Voter> voters, Path dir, String clusterId, BrokerNode self,
                        long sessionTimeoutMs, long heartbeatIntervalMs, long snapshotEntries,
                        long electionTimeoutMinMs, long electionTimeoutMaxMs,
                        boolean broker, boolean controller, String listenerAddress) {
            this(nodeId, voters, dir, clusterId, self, sessionTimeoutMs, heartbeatIntervalMs, snapshotEntries,
                    electionTimeoutMinMs, electionTimeoutMaxMs, broker, controller, listenerAddress, ControllerPolicy.DEFAULT);
        }

        /** A combined node (broker and controller). */
        public Settings(int nodeId, List<Voter> voters, Path dir, String clusterId, BrokerNode self,
                        long sessionTimeoutMs, long heartbeatIntervalMs, long snapshotEntries,
                        long electionTimeoutMinMs, long electionTimeoutMaxMs) {
            this(nodeId, voters, dir, clusterId, self, sessionTimeoutMs, heartbeatIntervalMs, snapshotEntries,
                    electionTimeoutMinMs, electionTimeoutMaxMs, true, true, null);
        }
    }

    private final Settings settings;
    private final RaftGroup group;
    private final MetadataStateMachine stateMachine;
    private final RaftServer server;
    private final RaftClient client;
    private final ScheduledExecutorService timer;
    private final String incarnation = UUID.randomUUID().toString();
    private volatile long leaderSinceNanos = -1;
    private volatile long leaderTerm = -1;
    private volatile boolean closed;

    private RaftController(Settings settings, RaftGroup group, MetadataStateMachine sm, RaftServer server, RaftClient client) {
        this.settings = settings;
        this.group = group;
        this.stateMachine = sm;
        this.lastRebalanceNanos = sm.nanoClock.getAsLong();
        this.server = server;
        this.client = client;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fjord-controller-" + settings.nodeId());
            t.setDaemon(true);
            return t;
        });
    }

    /** Parses {@code controller.quorum.voters}: {@code 1@host:port,2@host:port,...}. */
    public static List<Voter> parseVoters(String s) {
        List<Voter> out = new ArrayList<>();
        for (String v : s.split(",")) {
            v = v.trim();
            if (v.isEmpty()) continue;
            int at = v.indexOf('@');
            int colon = v.lastIndexOf(':');
            if (at <= 0 || colon < at) throw new IllegalArgumentException("controller.quorum.voters entry '" + v + "' is not id@host:port");
            out.add(new Voter(Integer.parseInt(v.substring(0, at)), v.substring(at + 1, colon), Integer.parseInt(v.substring(colon + 1))));
        }
        return out;
    }

    /**
     * Starts this node's Raft server and client; a broker then registers (waits for a quorum). A controller is a
     * voter; a broker-only node runs a Raft listener at {@code listenerAddress} (it receives every committed entry,
     * never votes) and adds itself to the quorum's listeners first.
     */
    public static RaftController start(Settings s) throws IOException, InterruptedException {
        if (!s.broker() && !s.controller()) throw new IllegalArgumentException("a node must be a broker, a controller or both");
        List<RaftPeer> peers = new ArrayList<>();
        Voter me = null;
        StringBuilder ids = new StringBuilder();
        for (Voter v : s.voters()) {
            peers.add(RaftPeer.newBuilder().setId(peerId(v.id())).setAddress(v.host() + ":" + v.port()).build());
            ids.append(v.id()).append(',');
            if (v.id() == s.nodeId()) me = v;
        }
        RaftGroupId groupId = RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("fjord-metadata:" + ids).getBytes(StandardCharsets.UTF_8)));
        RaftGroup group = RaftGroup.valueOf(groupId, peers);
        RaftGroup serverGroup = group;
        RaftPeer listener = null;
        String bindHost;
        int port;
        if (s.controller()) {
            if (me == null) throw new IllegalArgumentException("node.id " + s.nodeId() + " is not in controller.quorum.voters");
            boolean own = s.listenerAddress() != null && !s.listenerAddress().isBlank();
            bindHost = own ? RaftAddresses.hostOf(s.listenerAddress()) : me.host();
            port = own ? RaftAddresses.portOf(s.listenerAddress()) : me.port();
            if (port != me.port()) {
                throw new IllegalArgumentException("Raft listener " + s.listenerAddress() + " and controller.quorum.voters entry "
                        + me.id() + "@" + me.host() + ":" + me.port() + " name different ports");
            }
        } else {
            if (me != null) throw new IllegalArgumentException("broker-only node.id " + s.nodeId() + " is one of controller.quorum.voters");
            if (s.listenerAddress() == null || s.listenerAddress().isBlank()) {
                throw new IllegalArgumentException("a broker-only node needs fjord.metadata.listener (host:port)");
            }
            bindHost = RaftAddresses.hostOf(s.listenerAddress());
            port = RaftAddresses.portOf(s.listenerAddress());
            listener = RaftPeer.newBuilder().setId(peerId(s.nodeId())).setAddress(s.listenerAddress())
                    .setStartupRole(org.apache.ratis.proto.RaftProtos.RaftPeerRole.LISTENER).build();
            List<RaftPeer> all = new ArrayList<>(peers);
            all.add(listener);
            serverGroup = RaftGroup.valueOf(groupId, all);
        }

        RaftProperties p = new RaftProperties();
        Path dir = s.dir();
        boolean exists = Files.isDirectory(dir) && hasFiles(dir);
        Files.createDirectories(dir);
        RaftServerConfigKeys.setStorageDir(p, List.of(dir.toFile()));
        // The configured host, not every interface (Ratis' default); admin and client services share this server.
        GrpcConfigKeys.Server.setHost(p, bindHost);
        GrpcConfigKeys.Server.setPort(p, port);
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(s.electionTimeoutMinMs(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(s.electionTimeoutMaxMs(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, TimeDuration.valueOf(s.voters().size() == 1 ? 1 : s.electionTimeoutMinMs(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, TimeDuration.valueOf(s.voters().size() == 1 ? 10 : s.electionTimeoutMaxMs(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(p, TimeDuration.valueOf(1, TimeUnit.SECONDS));
        RaftServerConfigKeys.Log.Appender.setRetryPolicy(p, "1ms,10, 100ms,1000000");
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf("8MB"));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, s.snapshotEntries());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.max(1, Math.min(1024, s.snapshotEntries())));
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("1MB"));
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(3, TimeUnit.SECONDS));

        ClusterImage empty = new ClusterImage(s.clusterId(), -1, Map.of(), List.of());
        MetadataStateMachine sm = new MetadataStateMachine(empty);
        org.apache.ratis.conf.Parameters transport = RaftTls.parameters(s.tls());
        RaftServer server = RaftServer.newBuilder().setServerId(peerId(s.nodeId())).setStateMachine(sm)
                .setProperties(p).setParameters(transport).setGroup(serverGroup)
                .setOption(exists ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT).build();
        RaftClient client = null;
        try {
            // Ratis answers a failed bind with System.exit from inside start() (ExitUtils.terminate), after logging
            // it; a caller holding a lock its shutdown hook needs then hangs for ever. So the port is tried first.
            // A process taking the port between this probe and start() still ends the JVM (exit 1), not a hang.
            RaftAddresses.checkBindable(bindHost, port);
            server.start();
            if (server.getLifeCycleState() != org.apache.ratis.util.LifeCycle.State.RUNNING) {
                throw new IOException("the Raft server on " + bindHost + ":" + port + " did not start: " + server.getLifeCycleState());
            }
            client = RaftClient.newBuilder().setProperties(p).setParameters(transport).setRaftGroup(group)
                    .setRetryPolicy(RetryPolicies.retryForeverWithSleep(TimeDuration.valueOf(10, TimeUnit.MILLISECONDS)))
                    .build();
            RaftController c = new RaftController(s, group, sm, server, client);
            if (listener != null) c.joinAsListener(peers, listener);
            if (s.broker()) c.register();
            c.timer.scheduleWithFixedDelay(c::tick, s.heartbeatIntervalMs(), Math.min(s.heartbeatIntervalMs(), 100), TimeUnit.MILLISECONDS);
            return c;
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (client != null) client.close();
            server.close();
            throw e;
        }
    }

    private static boolean hasFiles(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }

    static RaftPeerId peerId(int id) {
        return RaftPeerId.valueOf("n" + id);
    }

    /** The node id a peer id names (the inverse of {@link #peerId}). */
    static int nodeIdOf(RaftPeerId peer) {
        return Integer.parseInt(peer.toString().substring(1));
    }

    /** The voters this node was configured with ({@code controller.quorum.voters}). */
    public List<Voter> voters() {
        return settings.voters();
    }

    /**
     * Answered by the leader from its Raft bookkeeping; another node asks the leader with a read-only query
     * ({@code quorum}), which the Raft client routes to it.
     */
    @Override
    public io.fjord.metadata.QuorumInfo describeQuorum() throws IOException {
        io.fjord.metadata.QuorumInfo local = QuorumDescriber.describe(server.getDivision(group.getGroupId()), System.currentTimeMillis());
        if (local != null) return local;
        try {
            RaftClientReply r = client.async().sendReadOnly(Message.valueOf("quorum")).get(10, TimeUnit.SECONDS);
            String text = r.isSuccess() ? r.getMessage().getContent().toStringUtf8() : "";
            if (!text.startsWith("leader ")) throw new IOException("the metadata quorum's leader did not describe the quorum: " + text);
            return io.fjord.metadata.QuorumInfo.decode(text);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking the metadata quorum's leader", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("the metadata quorum's leader did not answer: " + e, e);
        }
    }

    /**
     * Adds this broker-only node to the quorum's listeners, retrying within 30 s. Ratis' ADD mode replaces the
     * listener list, so this reads the current configuration from a voter and compares-and-sets it.
     */
    private void joinAsListener(List<RaftPeer> voters, RaftPeer me) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + WRITE_TIMEOUT_MS;
        int attempt = 0;
        while (true) {
            Object failure;
            try {
                RaftPeer asked = voters.get(attempt++ % voters.size());
                var conf = client.getGroupManagementApi(asked.getId()).info(group.getGroupId()).getConf().orElse(null);
                if (conf == null || !conf.getOldPeersList().isEmpty()) {
                    failure = "no stable configuration at " + asked.getId();
                } else {
                    List<RaftPeer> servers = org.apache.ratis.util.ProtoUtils.toRaftPeers(conf.getPeersList());
                    List<RaftPeer> listeners = org.apache.ratis.util.ProtoUtils.toRaftPeers(conf.getListenersList());
                    if (servers.stream().anyMatch(v -> v.getId().equals(me.getId()))) {
                        // Made a voter at run time (AddRaftVoter): the configuration in the log says so, keep it.
                        log.info("node {} is a voter of the metadata quorum (added by AddRaftVoter)", settings.nodeId());
                        return;
                    }
                    if (listeners.stream().anyMatch(l -> l.getId().equals(me.getId()) && l.getAddress().equals(me.getAddress()))) {
                        log.info("node {} follows the metadata quorum as a Raft listener", settings.nodeId());
                        return;
                    }
                    List<RaftPeer> next = new ArrayList<>();
                    for (RaftPeer l : listeners) if (!l.getId().equals(me.getId())) next.add(l);
                    next.add(me);
                    RaftClientReply r = client.admin().setConfiguration(org.apache.ratis.protocol.SetConfigurationRequest.Arguments
                            .newBuilder().setServersInCurrentConf(servers).setListenersInCurrentConf(listeners)
                            .setServersInNewConf(servers).setListenersInNewConf(next)
                            .setMode(org.apache.ratis.protocol.SetConfigurationRequest.Mode.COMPARE_AND_SET).build());
                    failure = r.isSuccess() ? "added; checking" : r.getException();
                }
            } catch (IOException | RuntimeException e) {
                failure = e;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IOException("could not join the metadata quorum as a listener: " + failure);
            }
            log.debug("joining as listener: {}", failure);
            Thread.sleep(50);
        }
    }

    private void register() throws IOException, InterruptedException {
        BrokerNode b = settings.self();
        submit(List.of(new MetadataRecord.BrokerRegistered(b.id(), incarnation, b.host(), b.port(), b.rack(), b.endpoints())));
    }

    private long lastHeartbeatSent;

    /** Every ~100 ms: heartbeat when due, and if this node is the active controller, fence/unfence brokers. */
    private void tick() {
        if (closed) return;
        try {
            long now = stateMachine.nanoClock.getAsLong();
            if (settings.broker() && now - lastHeartbeatSent >= TimeUnit.MILLISECONDS.toNanos(settings.heartbeatIntervalMs())) {
                lastHeartbeatSent = now;
                heartbeat();
            }
            // Any node may become a voter (AddRaftVoter), so the duties follow Raft leadership, not the configured role.
            controllerDuties();
        } catch (Exception e) {
            if (!closed) log.debug("controller tick: {}", e.toString());
        }
    }

    private void heartbeat() throws Exception {
        RaftClientReply r = client.async().sendReadOnly(Message.valueOf("hb " + settings.nodeId() + " " + incarnation))
                .get(settings.sessionTimeoutMs(), TimeUnit.MILLISECONDS);
        if (r.isSuccess() && r.getMessage().getContent().toStringUtf8().equals("register")) register();
    }

    private void controllerDuties() throws Exception {
        var division = server.getDivision(group.getGroupId());
        var info = division.getInfo();
        if (!info.isLeader() || !info.isLeaderReady()) {
            leaderSinceNanos = -1;
            return;
        }
        long term = info.getCurrentTerm();
        long now = stateMachine.nanoClock.getAsLong();
        if (leaderSinceNanos == -1 || leaderTerm != term) {
            String r = submitRaw("active-controller " + settings.nodeId() + " " + term); // retried next tick if it fails
            if (r.equals("stale")) return; // this node no longer leads that term; the next tick looks again
            leaderSinceNanos = stateMachine.nanoClock.getAsLong();
            leaderTerm = term;
            log.info("node {} is the active controller, epoch {}", settings.nodeId(), term);
        }
        long session = TimeUnit.MILLISECONDS.toNanos(settings.sessionTimeoutMs());
        ControllerPolicy policy = settings.policy();
        ClusterImage img = stateMachine.image();
        for (int id : img.brokers().keySet()) {
            boolean alive = sessionAlive(stateMachine.heartbeats.get(id), leaderSinceNanos, now, session);
            long last = Math.max(stateMachine.heartbeats.getOrDefault(id, leaderSinceNanos), leaderSinceNanos);
            boolean seen = stateMachine.heartbeats.containsKey(id)
                    && img.incarnation(id) != null && img.incarnation(id).equals(stateMachine.heartbeatIncarnations.get(id));
            if (!img.isFenced(id) && !alive) {
                log.info("fencing broker {}: no heartbeat for {} ms", id, TimeUnit.NANOSECONDS.toMillis(now - last));
                submit(ReplicationControl.fence(img, id, t -> policy.uncleanAllowed(stateMachine.image(), t)));
                img = stateMachine.image();
            } else if (img.isFenced(id) && !img.isShuttingDown(id) && alive && seen) {
                // A broker in controlled shutdown still heartbeats until it stops; only a new registration brings it back.
                log.info("unfencing broker {}", id);
                submit(ReplicationControl.unfence(img, id, t -> policy.uncleanAllowed(stateMachine.image(), t)));
                img = stateMachine.image();
            }
        }
        // Level-triggered: whatever a lost race, a failover or a changed setting left undone is done now.
        ClusterImage current = img;
        List<MetadataRecord> fixes = ReplicationControl.reconcile(current, t -> policy.uncleanAllowed(current, t));
        if (!fixes.isEmpty()) {
            log.info("controller: {} partition change(s) to restore leaders and ISRs", fixes.size());
            submit(fixes);
        }
        if (policy.autoLeaderRebalanceEnable()
                && now - lastRebalanceNanos >= TimeUnit.MILLISECONDS.toNanos(policy.leaderImbalanceCheckIntervalMs())) {
            lastRebalanceNanos = now;
            List<MetadataRecord> moves = ReplicationControl.rebalanceLeaders(stateMachine.image(),
                    policy.leaderImbalancePerBrokerPercentage());
            if (!moves.isEmpty()) {
                log.info("controller: {} preferred leader election(s) to rebalance leaders", moves.size());
                submit(moves);
            }
        }
    }

    private long lastRebalanceNanos;

    /**
     * Kafka's broker session rule as the active controller applies it: a broker is alive while its last heartbeat
     * ({@code lastHeartbeatNanos}, null if none reached this controller) is within the session timeout; the
     * controller's own start of leadership counts as a heartbeat, so a new active controller gives every broker a
     * full session before fencing it (it could not have heard them before).
     */
    static boolean sessionAlive(Long lastHeartbeatNanos, long leaderSinceNanos, long nowNanos, long sessionNanos) {
        long last = lastHeartbeatNanos == null ? leaderSinceNanos : Math.max(lastHeartbeatNanos, leaderSinceNanos);
        return nowNanos - last <= sessionNanos;
    }

    @Override
    public ClusterImage image() {
        return stateMachine.image();
    }

    /** Node id of the active controller as this node knows it, or -1. */
    public int activeControllerId() {
        try {
            var info = server.getDivision(group.getGroupId()).getInfo();
            RaftPeerId leader = info.getLeaderId();
            return leader == null ? -1 : Integer.parseInt(leader.toString().substring(1));
        } catch (IOException e) {
            return -1;
        }
    }

    /** True if this node is the active controller (the Raft leader, ready). */
    public boolean isActive() {
        try {
            var info = server.getDivision(group.getGroupId()).getInfo();
            return info.isLeader() && info.isLeaderReady();
        } catch (IOException e) {
            return false;
        }
    }

    /** Clock time (ns) of the last heartbeat from {@code brokerId} this node received as leader, or -1. */
    long lastHeartbeatNanos(int brokerId) {
        return stateMachine.heartbeats.getOrDefault(brokerId, -1L);
    }

    /** Raft term of this node (the controller epoch it knows). */
    public long epoch() throws IOException {
        return server.getDivision(group.getGroupId()).getInfo().getCurrentTerm();
    }

    /** Controller epoch to the node active in it, from the applied log (for checks: one controller per epoch). */
    public Map<Long, Integer> activeControllersByEpoch() {
        return Map.copyOf(stateMachine.activeControllers);
    }

    public List<String> epochViolations() {
        return List.copyOf(stateMachine.epochViolations);
    }

    /** Raft log index of the snapshot loaded at start (-1: none), and entries applied since start. */
    public long snapshotLoadedIndex() {
        return stateMachine.snapshotLoadedIndex;
    }

    public int entriesAppliedSinceStart() {
        return stateMachine.entriesAppliedSinceStart;
    }

    /** Takes a snapshot now (and lets the log be purged up to it). */
    public long takeSnapshot() throws IOException {
        return stateMachine.takeSnapshot();
    }

    public String incarnation() {
        return incarnation;
    }

    @Override
    public void addListener(Consumer<MetadataRecord> listener) {
        stateMachine.addListener(listener);
    }

    /** Called after a snapshot from the leader replaced the image. */
    public void addResetListener(Runnable r) {
        stateMachine.addResetListener(r);
    }

    @Override
    public TopicImage createTopic(String name, List<List<Integer>> replicaAssignment, Map<String, String> configs) throws IOException {
        List<PartitionState> parts = new ArrayList<>();
        ClusterImage img = image();
        for (int i = 0; i < replicaAssignment.size(); i++) {
            parts.add(ReplicationControl.newPartition(img, i, replicaAssignment.get(i)));
        }
        String r = submit(List.of(new MetadataRecord.TopicCreated(name, UUID.randomUUID(), parts, new LinkedHashMap<>(configs))));
        if (r.equals("exists")) throw new IllegalStateException("Topic '" + name + "' already exists.");
        return image().topic(name);
    }

    @Override
    public void setTopicConfigs(String name, Map<String, String> configs) throws IOException {
        if (image().topic(name) == null) throw new IllegalArgumentException("unknown topic " + name);
        submit(List.of(new MetadataRecord.TopicConfigsSet(name, configs)));
    }

    @Override
    public TopicImage addPartitions(String name, List<List<Integer>> newReplicaAssignment) throws IOException {
        TopicImage t = image().topic(name);
        if (t == null) throw new IllegalArgumentException("unknown topic " + name);
        List<PartitionState> parts = new ArrayList<>();
        ClusterImage img = image();
        for (int i = 0; i < newReplicaAssignment.size(); i++) {
            parts.add(ReplicationControl.newPartition(img, t.partitionCount() + i, newReplicaAssignment.get(i)));
        }
        String r = submit(List.of(new MetadataRecord.PartitionsAdded(name, t.id(), parts)));
        if (!r.equals("ok")) throw new IllegalStateException("topic " + name + " changed meanwhile");
        return image().topic(name);
    }

    @Override
    public void alterAcls(List<MetadataRecord> changes) throws IOException {
        for (MetadataRecord r : changes) {
            if (!(r instanceof MetadataRecord.AclCreated || r instanceof MetadataRecord.AclDeleted)) {
                throw new IllegalArgumentException("not an ACL change: " + r);
            }
        }
        if (!changes.isEmpty()) submit(List.copyOf(changes));
    }

    @Override
    public void alterClientQuotas(List<MetadataRecord.ClientQuotaChanged> changes) throws IOException {
        if (!changes.isEmpty()) submit(new java.util.ArrayList<MetadataRecord>(changes));
    }

    @Override
    public void alterScramCredentials(List<MetadataRecord> changes) throws IOException {
        for (MetadataRecord r : changes) {
            if (!(r instanceof MetadataRecord.ScramCredentialUpserted || r instanceof MetadataRecord.ScramCredentialDeleted)) {
                throw new IllegalArgumentException("not a SCRAM credential change: " + r);
            }
        }
        if (!changes.isEmpty()) submit(List.copyOf(changes));
    }

    @Override
    public void updateFeatures(List<MetadataRecord.FeatureLevel> changes) throws IOException {
        if (!changes.isEmpty()) submit(List.<MetadataRecord>copyOf(changes));
    }

    @Override
    public void setBrokerConfigs(String resource, Map<String, String> configs) throws IOException {
        submit(List.of(new MetadataRecord.BrokerConfigsSet(resource, Map.copyOf(configs))));
    }

    @Override
    public void setGroupConfigs(String group, Map<String, String> configs) throws IOException {
        submit(List.of(new MetadataRecord.GroupConfigsSet(group, Map.copyOf(configs))));
    }

    @Override
    public boolean deleteTopic(String name) throws IOException {
        TopicImage t = image().topic(name);
        if (t == null) return false;
        return submit(List.of(new MetadataRecord.TopicDeleted(name, t.id()))).equals("ok");
    }

    @Override
    public MetadataRecord.ProducerIdsBlockAllocated allocateProducerIds(int brokerId, int blockSize) throws IOException {
        if (blockSize <= 0) throw new IllegalArgumentException("block size " + blockSize);
        String r = submit(List.of(new MetadataRecord.ProducerIdsBlockAllocated(brokerId, -1, blockSize)));
        if (!r.startsWith("pid ")) throw new IOException("producer id allocation failed: " + r);
        return new MetadataRecord.ProducerIdsBlockAllocated(brokerId, Long.parseLong(r.substring(4)), blockSize);
    }

    @Override
    public AlterPartitionResult alterPartition(AlterPartitionRequest request) throws IOException {
        return submit(new ControllerCommand.AlterPartition(request), WRITE_TIMEOUT_MS);
    }

    /**
     * Skipped (false) when the shutdown would move nothing (see
     * {@link ReplicationControl#controlledShutdownMovesAnything}), when this node knows no active controller (no
     * quorum to ask: waiting would only delay the stop), or when it is closed.
     */
    @Override
    public boolean controlledShutdown(int brokerId, long timeoutMs) throws IOException {
        if (closed) return false;
        ClusterImage img = image();
        String inc = brokerId == settings.nodeId() && settings.broker() ? incarnation : img.incarnation(brokerId);
        if (inc == null || !ReplicationControl.controlledShutdownMovesAnything(img, brokerId)) return false;
        if (activeControllerId() == -1) return false;
        boolean done = submit(new ControllerCommand.ControlledShutdown(brokerId, inc), timeoutMs);
        if (done) log.info("controlled shutdown of broker {}: leaderships and ISR memberships moved", brokerId);
        return done;
    }

    @Override
    public io.fjord.metadata.VoterChangeResult addRaftVoter(int voterId, String host, int port, long timeoutMs) {
        return voterChange(() -> voterChanges().add(voterId, host, port, timeoutMs));
    }

    @Override
    public io.fjord.metadata.VoterChangeResult removeRaftVoter(int voterId, long timeoutMs) {
        return voterChange(() -> {
            // Removing the leader itself left a Ratis leader serving the old configuration for a minute in a test
            // run: hand leadership to another voter first, as a removed Kafka leader resigns.
            if (voterId == activeControllerId()) {
                for (int other : currentVoterIds()) {
                    if (other != voterId && client.admin().transferLeadership(peerId(other), 3000).isSuccess()) break;
                }
            }
            return voterChanges().remove(voterId, timeoutMs);
        });
    }

    private interface VoterChangeCall {
        io.fjord.metadata.VoterChangeResult call() throws IOException, InterruptedException;
    }

    private io.fjord.metadata.VoterChangeResult voterChange(VoterChangeCall call) {
        try {
            return call.call();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new io.fjord.metadata.VoterChangeResult(io.fjord.protocol.api.Errors.REQUEST_TIMED_OUT, "interrupted");
        } catch (IOException | RuntimeException e) {
            return new io.fjord.metadata.VoterChangeResult(io.fjord.protocol.api.Errors.REQUEST_TIMED_OUT, e.toString());
        }
    }

    private VoterChanges voterChanges() {
        return new VoterChanges(client, () -> server.getDivision(group.getGroupId()).getRaftConf());
    }

    /** Node ids of the current voters (the Raft configuration's peers), as this node knows them. */
    public List<Integer> currentVoterIds() throws IOException {
        List<Integer> out = new ArrayList<>();
        for (RaftPeer p : server.getDivision(group.getGroupId()).getRaftConf().getCurrentPeers()) out.add(nodeIdOf(p.getId()));
        java.util.Collections.sort(out);
        return out;
    }

    @Override
    public io.fjord.protocol.api.Errors unregisterBroker(int brokerId) throws IOException {
        io.fjord.protocol.api.Errors result = submit(new ControllerCommand.UnregisterBroker(brokerId), WRITE_TIMEOUT_MS);
        if (result == io.fjord.protocol.api.Errors.NONE) log.info("broker {} unregistered", brokerId);
        return result;
    }

    @Override
    public List<ElectionResult> electLeaders(ElectionType type, List<TopicPartitionRef> partitions) throws IOException {
        return submit(new ControllerCommand.ElectLeaders(type, partitions == null ? null : List.copyOf(partitions)),
                WRITE_TIMEOUT_MS);
    }

    @Override
    public List<ReassignmentResult> alterPartitionReassignments(List<ReassignmentRequest> requests) throws IOException {
        return submit(new ControllerCommand.Reassign(List.copyOf(requests)), WRITE_TIMEOUT_MS);
    }

    /** Commits a command, judged when applied; returns its answer. */
    private <R> R submit(ControllerCommand<R> command, long timeoutMs) throws IOException {
        return command.decodeResult(submitRaw(command.line() + "\n", timeoutMs));
    }

    /** Commits one entry (a batch of records) through the leader and waits until it is applied here. */
    private String submit(List<MetadataRecord> records) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (MetadataRecord r : records) sb.append(MetadataLog.formatRecord(r)).append('\n');
        return submitRaw(sb.toString());
    }

    private String submitRaw(String data) throws IOException {
        return submitRaw(data, WRITE_TIMEOUT_MS);
    }

    private String submitRaw(String data, long timeoutMs) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            RaftClientReply reply = client.async().send(Message.valueOf(data)).get(timeoutMs, TimeUnit.MILLISECONDS);
            if (!reply.isSuccess()) throw new IOException("metadata write failed: " + reply.getException());
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            if (!stateMachine.awaitApplied(reply.getLogIndex(), left)) {
                throw new IOException("metadata write " + reply.getLogIndex() + " not applied locally in time");
            }
            return reply.getMessage().getContent().toStringUtf8();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("metadata write failed: " + e, e);
        }
    }

    /**
     * Hands leadership to another voter if this node leads (a quicker failover than an election timeout). Bounded:
     * the client retries forever, and when the other voters are already down nobody can take over, so the attempt
     * runs aside and is abandoned after {@link #STEP_DOWN_BUDGET_MS}; closing the client then ends it.
     */
    private void stepDown() {
        List<Integer> voters;
        try {
            voters = currentVoterIds(); // the voters now, which AddRaftVoter/RemoveRaftVoter may have changed
        } catch (IOException e) {
            voters = settings.voters().stream().map(Voter::id).toList();
        }
        if (voters.size() < 2 || !isActive()) return;
        List<Integer> others = voters;
        java.util.concurrent.CompletableFuture<Void> attempt = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
            for (int v : others) {
                if (v == settings.nodeId() || attempt.isDone()) continue;
                try {
                    var r = client.admin().transferLeadership(peerId(v), 1000);
                    if (r.isSuccess()) break;
                } catch (IOException | RuntimeException e) {
                    log.debug("leadership transfer to {} failed: {}", v, e.toString());
                }
            }
            attempt.complete(null);
        }, "fjord-controller-step-down");
        t.setDaemon(true);
        t.start();
        try {
            attempt.get(STEP_DOWN_BUDGET_MS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            attempt.complete(null);
            log.info("no other controller took over within {} ms; stopping anyway", STEP_DOWN_BUDGET_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            log.debug("leadership transfer failed", e);
        }
    }

    private static final long STEP_DOWN_BUDGET_MS = 3000;

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stepDown();
        try {
            client.close();
        } finally {
            server.close();
        }
    }

    /** For tests: stop without handing over leadership (as a crash would, minus the process exit). */
    public void closeAbruptly() throws IOException {
        if (closed) return;
        closed = true;
        timer.shutdownNow();
        try {
            client.close();
        } finally {
            server.close();
        }
    }
}
