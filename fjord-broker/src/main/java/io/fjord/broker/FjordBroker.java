package io.fjord.broker;

import io.fjord.broker.config.BrokerConfig;
import io.fjord.broker.handlers.AlterConfigsHandler;
import io.fjord.broker.handlers.ApiVersionsHandler;
import io.fjord.broker.handlers.CreatePartitionsHandler;
import io.fjord.broker.handlers.DeleteRecordsHandler;
import io.fjord.broker.handlers.CreateTopicsHandler;
import io.fjord.broker.handlers.DeleteTopicsHandler;
import io.fjord.broker.handlers.DescribeClusterHandler;
import io.fjord.broker.handlers.DescribeConfigsHandler;
import io.fjord.broker.handlers.DescribeTopicPartitionsHandler;
import io.fjord.broker.handlers.FetchHandler;
import io.fjord.broker.handlers.ListOffsetsHandler;
import io.fjord.broker.handlers.MetadataHandler;
import io.fjord.broker.handlers.ProduceHandler;
import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.handlers.group.DeleteGroupsHandler;
import io.fjord.broker.handlers.group.DescribeGroupsHandler;
import io.fjord.broker.handlers.group.FindCoordinatorHandler;
import io.fjord.broker.handlers.group.HeartbeatHandler;
import io.fjord.broker.handlers.group.JoinGroupHandler;
import io.fjord.broker.handlers.group.LeaveGroupHandler;
import io.fjord.broker.handlers.group.ListGroupsHandler;
import io.fjord.broker.handlers.group.OffsetCommitHandler;
import io.fjord.broker.handlers.group.OffsetDeleteHandler;
import io.fjord.broker.handlers.group.OffsetFetchHandler;
import io.fjord.broker.handlers.group.SyncGroupHandler;
import io.fjord.broker.network.RequestDispatcher;
import io.fjord.broker.network.SocketServer;
import io.fjord.broker.replica.ReplicaManager;
import io.fjord.metadata.BrokerNode;
import io.fjord.metadata.LocalController;
import io.fjord.protocol.api.ApiVersionsApi;
import io.fjord.protocol.api.Apis;
import io.fjord.storage.LogManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single Fjord node, broker and controller in one process: wires the controller (metadata), the logs, the
 * replica manager, the request handlers and the network, and takes them down in the reverse order.
 *
 * <p>Life cycle: {@code start()} once, then {@code close()} once (idempotent). Thread-safe.
 */
public final class FjordBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FjordBroker.class);

    private final BrokerConfig config;
    private io.fjord.metadata.Controller controller;
    private LogManager logs;
    private ReplicaManager replicas;
    private volatile io.fjord.broker.handlers.FetchSessionCache fetchSessions;
    private GroupCoordinator groups;
    private io.fjord.broker.txn.TransactionCoordinator transactions;
    private io.fjord.storage.cleaner.LogCleaner cleaner;
    private ExecutorService requestPool;
    private SocketServer server;
    private io.fjord.broker.metrics.BrokerMetrics metrics;
    private io.fjord.broker.console.ConsoleServer console;
    private boolean closed;

    public FjordBroker(BrokerConfig config) {
        this.config = config;
    }

    /** Wraps the handler of one API (given this broker and the handler, or null if none): fault injection in tests. */
    @FunctionalInterface
    public interface HandlerWrapper {
        io.fjord.broker.network.ApiHandler wrap(FjordBroker broker, io.fjord.broker.network.ApiHandler handler);
    }

    private final java.util.Map<Short, HandlerWrapper> wrappers = new java.util.LinkedHashMap<>();

    /**
     * At start, replaces the handler of {@code key} by {@code wrapper}'s result (tests: record or refuse requests
     * around the real handler, as a faulty network would). Call before {@link #start()}.
     */
    public synchronized FjordBroker withHandlerWrapper(short key, HandlerWrapper wrapper) {
        wrappers.put(key, wrapper);
        return this;
    }

    public synchronized FjordBroker start() throws IOException, InterruptedException {
        List<Path> dirs = config.logDirs();
        for (Path d : dirs) Files.createDirectories(d);
        String clusterId = clusterId(dirs.get(0));
        int nodeId = config.nodeId();
        // Roles, voters and listeners were checked when the config was loaded (ListenerLayout).
        io.fjord.broker.config.ListenerLayout layout = config.listenerLayout();
        String quorum = config.get("controller.quorum.voters");
        boolean combined = layout.isBroker() && layout.isController();
        if (!layout.isBroker()) {
            // A controller-only node: a voter of the quorum and nothing else (no Kafka listener, no data).
            controller = startRaft(raftSettings(nodeId, quorum, dirs, clusterId, null, false, true));
            log.info("Fjord controller node {} started: cluster {}, metadata in {}", nodeId, clusterId, dirs.get(0));
            return this;
        }

        requestPool = Executors.newFixedThreadPool(config.getInt("num.io.threads"), named("fjord-request-"));
        metrics = new io.fjord.broker.metrics.BrokerMetrics(config.getInt("num.io.threads"));
        metrics.bindNetwork(config.getInt("num.network.threads"), (java.util.concurrent.ThreadPoolExecutor) requestPool);
        startConsole();
        RequestDispatcher dispatcher = new RequestDispatcher().runInline(config.inlineApis());
        server = new SocketServer(config, dispatcher, requestPool, this::scramCredential, metrics);
        // Bind first: the advertised address of a listener on port 0 is only known after binding. Connections
        // are accepted from here on but not read until every handler is registered (startServing below).
        server.start();
        BrokerNode self = selfNode(nodeId);
        String voters = config.get("controller.quorum.voters");
        if (voters == null || voters.isBlank()) {
            controller = LocalController.open(dirs.get(0).resolve("__cluster_metadata"), clusterId, self);
        } else {
            controller = startRaft(raftSettings(nodeId, voters, dirs, clusterId, self, true, combined));
        }
        logs = LogManager.open(dirs, io.fjord.storage.LogConfig.DEFAULT, java.time.Clock.systemUTC());
        logs.setFlushObserver(metrics::logFlushed);
        replicas = new ReplicaManager(nodeId, config, logs, controller::image);
        replicas.setMetrics(metrics);
        metrics.bindReplicaState(nodeId, replicas, controller::image);
        // ISR changes the leaders propose go to the controller, judged there against the partition's epochs.
        replicas.setIsrChannel((topic, topicId, partition, leaderId, leaderEpoch, partitionEpoch, newIsr, epochs) -> {
            io.fjord.metadata.AlterPartitionResult r = controller.alterPartition(new io.fjord.metadata.AlterPartitionRequest(
                    topic, topicId, partition, leaderId, leaderEpoch, partitionEpoch, newIsr, epochs));
            return r.error() == io.fjord.protocol.api.Errors.NONE ? null : r.error().name();
        });
        // Listen before loading: a change committed meanwhile is then seen twice (harmless), never missed.
        controller.addListener(replicas::onMetadata);
        replicas.loadFromImage();
        if (controller instanceof io.fjord.metadata.raft.RaftController rc) rc.addResetListener(replicas::onImageReset);
        if (config.getBoolean("log.cleaner.enable")) {
            cleaner = new io.fjord.storage.cleaner.LogCleaner(logs, config.getInt("log.cleaner.threads"),
                    config.getLong("log.cleaner.backoff.ms"),
                    Double.parseDouble(config.get("log.cleaner.io.max.bytes.per.second")), java.time.Clock.systemUTC());
            cleaner.start();
        }
        replicas.startMaintenance();

        TopicAdmin admin = new TopicAdmin(controller, config);
        // A request that created a topic answers once this node's replicas exist (metadata is applied async).
        admin.setMetadataBarrier(() -> replicas.awaitMetadataApplied(10_000));
        fetchSessions = new io.fjord.broker.handlers.FetchSessionCache(config.getInt("max.incremental.fetch.session.cache.slots"),
                io.fjord.broker.handlers.FetchSessionCache.DEFAULT_EVICTION_MS, replicas.clock(), new java.security.SecureRandom());
        Set<Short> served = new TreeSet<>();
        register(dispatcher, served, ApiVersionsApi.KEY, new ApiVersionsHandler(served, () -> controller.image().features()));
        register(dispatcher, served, (short) 3, new MetadataHandler(admin));
        ProduceHandler produce = new ProduceHandler(admin, replicas);
        register(dispatcher, served, (short) 0, produce);
        register(dispatcher, served, (short) 1, new FetchHandler(admin, replicas, fetchSessions));
        register(dispatcher, served, (short) 2, new ListOffsetsHandler(admin, replicas));
        register(dispatcher, served, io.fjord.protocol.api.OffsetForLeaderEpochApi.KEY,
                new io.fjord.broker.handlers.OffsetForLeaderEpochHandler(admin, replicas));
        register(dispatcher, served, (short) 19, new CreateTopicsHandler(admin));
        register(dispatcher, served, (short) 20, new DeleteTopicsHandler(admin));
        register(dispatcher, served, (short) 32, new DescribeConfigsHandler(admin));
        register(dispatcher, served, (short) 60, new DescribeClusterHandler(admin));
        register(dispatcher, served, (short) 75, new DescribeTopicPartitionsHandler(admin));
        groups = GroupCoordinator.start(admin, replicas, config, metrics::classicRebalanceCompleted);
        metrics.bindConsumerLag(groups, replicas);
        io.fjord.broker.producer.ProducerIdManager producerIds = new io.fjord.broker.producer.ProducerIdManager(
                size -> controller.allocateProducerIds(nodeId, size).blockStart());
        transactions = io.fjord.broker.txn.TransactionCoordinator.start(admin, replicas, config, () -> {
            try {
                return producerIds.nextId();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, groups::offsetsPartitionOrPlanned, self.host() + ":" + self.port());
        io.fjord.broker.txn.TransactionPartitionGate txnGate = transactions.partitionGate();
        produce.setTransactionVerifier(txnGate::admit, requestPool); // KIP-890 on the produce path
        registerGroupApis(dispatcher, served, admin);
        registerTransactionApis(dispatcher, served, admin);
        if (console != null) {
            new io.fjord.broker.console.ConsolePages(nodeId, controller::image, replicas, groups, metrics,
                    config.getBoolean("fjord.console.read.only")).withTopicAdmin(admin).register(console);
        }
        register(dispatcher, served, io.fjord.protocol.api.InitProducerIdApi.KEY,
                new io.fjord.broker.handlers.TransactionalIdAclGate(new io.fjord.broker.handlers.InitProducerIdHandler(producerIds, transactions)));
        ConfigAdmin configAdmin = new ConfigAdmin(admin);
        register(dispatcher, served, (short) 21, new DeleteRecordsHandler(admin, replicas));
        register(dispatcher, served, (short) 33, new AlterConfigsHandler(configAdmin, false));
        register(dispatcher, served, (short) 37, new CreatePartitionsHandler(configAdmin));
        register(dispatcher, served, (short) 44, new AlterConfigsHandler(configAdmin, true));
        register(dispatcher, served, (short) 35, new io.fjord.broker.handlers.ClusterAclGate(new io.fjord.broker.handlers.DescribeLogDirsHandler(logs, replicas), io.fjord.broker.security.acl.AclOperation.DESCRIBE));
        register(dispatcher, served, io.fjord.protocol.api.AlterPartitionApi.KEY,
                new io.fjord.broker.handlers.ClusterAclGate(new io.fjord.broker.handlers.AlterPartitionHandler(controller), io.fjord.broker.security.acl.AclOperation.CLUSTER_ACTION));
        register(dispatcher, served, io.fjord.protocol.api.ElectLeadersApi.KEY,
                new io.fjord.broker.handlers.ClusterAclGate(new io.fjord.broker.handlers.ElectLeadersHandler(controller), io.fjord.broker.security.acl.AclOperation.ALTER));
        register(dispatcher, served, io.fjord.protocol.api.AlterPartitionReassignmentsApi.KEY,
                new io.fjord.broker.handlers.ClusterAclGate(new io.fjord.broker.handlers.AlterPartitionReassignmentsHandler(controller), io.fjord.broker.security.acl.AclOperation.ALTER));
        register(dispatcher, served, io.fjord.protocol.api.ListPartitionReassignmentsApi.KEY,
                new io.fjord.broker.handlers.ClusterAclGate(new io.fjord.broker.handlers.ListPartitionReassignmentsHandler(controller), io.fjord.broker.security.acl.AclOperation.DESCRIBE));
        register(dispatcher, served, io.fjord.protocol.api.DescribeQuorumApi.KEY,
                new io.fjord.broker.handlers.ClusterAclGate(new io.fjord.broker.handlers.DescribeQuorumHandler(controller, this::voterEndpoints), io.fjord.broker.security.acl.AclOperation.DESCRIBE));
        register(dispatcher, served, io.fjord.protocol.api.UpdateFeaturesApi.KEY,
                new io.fjord.broker.handlers.ClusterAclGate(new io.fjord.broker.handlers.UpdateFeaturesHandler(controller), io.fjord.broker.security.acl.AclOperation.ALTER));
        register(dispatcher, served, io.fjord.protocol.api.UnregisterBrokerApi.KEY,
                new io.fjord.broker.handlers.ClusterAclGate(new io.fjord.broker.handlers.UnregisterBrokerHandler(controller), io.fjord.broker.security.acl.AclOperation.ALTER));
        register(dispatcher, served, io.fjord.protocol.api.AddRaftVoterApi.KEY,
                new io.fjord.broker.handlers.ClusterAclGate(io.fjord.broker.handlers.RaftVoterHandlers.add(controller), io.fjord.broker.security.acl.AclOperation.ALTER));
        register(dispatcher, served, io.fjord.protocol.api.RemoveRaftVoterApi.KEY,
                new io.fjord.broker.handlers.ClusterAclGate(io.fjord.broker.handlers.RaftVoterHandlers.remove(controller), io.fjord.broker.security.acl.AclOperation.ALTER));
        register(dispatcher, served, io.fjord.protocol.api.WriteTxnMarkersApi.KEY,
                new io.fjord.broker.handlers.ClusterAclGate(new io.fjord.broker.handlers.WriteTxnMarkersHandler(admin, replicas, groups), io.fjord.broker.security.acl.AclOperation.CLUSTER_ACTION));
        register(dispatcher, served, io.fjord.protocol.api.DescribeProducersApi.KEY,
                new io.fjord.broker.handlers.DescribeProducersHandler(admin, replicas));
        // Security: the SASL exchange itself is the connection's; these answer it out of turn (ILLEGAL_SASL_STATE).
        register(dispatcher, served, io.fjord.protocol.api.SaslHandshakeApi.KEY, new io.fjord.broker.handlers.SaslOutOfTurnHandler());
        register(dispatcher, served, io.fjord.protocol.api.SaslAuthenticateApi.KEY, new io.fjord.broker.handlers.SaslOutOfTurnHandler());
        // ACLs: bindings in the metadata log; authorizer.class.name (Kafka's StandardAuthorizer) turns checking on.
        dispatcher.setAuthorizer(io.fjord.broker.security.acl.AclAuthorizer.fromConfig(config, () -> controller.image().acls()));
        register(dispatcher, served, io.fjord.protocol.api.DescribeAclsApi.KEY, io.fjord.broker.handlers.AclHandlers.describe(controller));
        register(dispatcher, served, io.fjord.protocol.api.CreateAclsApi.KEY, io.fjord.broker.handlers.AclHandlers.create(controller));
        register(dispatcher, served, io.fjord.protocol.api.DeleteAclsApi.KEY, io.fjord.broker.handlers.AclHandlers.delete(controller));
        register(dispatcher, served, io.fjord.protocol.api.DescribeUserScramCredentialsApi.KEY,
                io.fjord.broker.handlers.ScramCredentialsHandlers.describe(controller));
        register(dispatcher, served, io.fjord.protocol.api.AlterUserScramCredentialsApi.KEY,
                io.fjord.broker.handlers.ScramCredentialsHandlers.alter(controller));
        register(dispatcher, served, io.fjord.protocol.api.DescribeClientQuotasApi.KEY,
                io.fjord.broker.quota.ClientQuotasHandlers.describe(server.clientQuotas()));
        register(dispatcher, served, io.fjord.protocol.api.AlterClientQuotasApi.KEY,
                io.fjord.broker.quota.ClientQuotasHandlers.alter(controller));
        server.clientQuotas().followImage(() -> controller.image().clientQuotas()); // quotas from the metadata log
        wrappers.forEach((key, w) -> register(dispatcher, served, key, w.wrap(this, dispatcher.handler(key))));
        server.startServing();
        log.info("Fjord node {} started: cluster {}, listening on {}, data in {}", nodeId, clusterId, self.endpoints(), dirs);
        return this;
    }

    /**
     * Binds the console listener first, so a port in use stops the start before anything else runs (the
     * metrics route is there from the start; the pages read state that exists only once the broker is up).
     */
    private void startConsole() throws InterruptedException, java.net.BindException {
        java.net.InetSocketAddress at = io.fjord.broker.console.ConsoleServer.parseListener(config.get("fjord.console.listener"));
        if (at == null) return;
        io.fjord.broker.console.ConsoleServer c = new io.fjord.broker.console.ConsoleServer(at);
        c.route("/metrics", r -> new io.fjord.broker.console.ConsoleServer.Reply(200,
                "text/plain; version=0.0.4; charset=utf-8", metrics.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try {
            c.start();
        } catch (java.net.BindException e) {
            requestPool.shutdownNow();
            throw e;
        }
        console = c;
    }

    /** The console listener's port, or -1 when it is off. */
    public int consolePort() {
        return console == null ? -1 : console.port();
    }

    /** This broker's meters (what /metrics shows); null before start. */
    public io.fjord.broker.metrics.BrokerMetrics metrics() {
        return metrics;
    }

    private void registerGroupApis(RequestDispatcher d, Set<Short> served, TopicAdmin admin) {
        register(d, served, (short) 10, new FindCoordinatorHandler(groups, transactions));
        register(d, served, (short) 11, new io.fjord.broker.handlers.GroupAclGate(new JoinGroupHandler(groups)));
        register(d, served, (short) 12, new io.fjord.broker.handlers.GroupAclGate(new HeartbeatHandler(groups)));
        register(d, served, (short) 13, new io.fjord.broker.handlers.GroupAclGate(new LeaveGroupHandler(groups)));
        register(d, served, (short) 14, new io.fjord.broker.handlers.GroupAclGate(new SyncGroupHandler(groups)));
        register(d, served, (short) 8, new io.fjord.broker.handlers.GroupAclGate(new OffsetCommitHandler(groups, admin)));
        register(d, served, (short) 9, new io.fjord.broker.handlers.GroupAclGate(new OffsetFetchHandler(groups, admin)));
        register(d, served, (short) 15, new DescribeGroupsHandler(groups));
        register(d, served, (short) 16, new ListGroupsHandler(groups));
        register(d, served, (short) 42, new DeleteGroupsHandler(groups));
        register(d, served, (short) 47, new OffsetDeleteHandler(groups));
        register(d, served, io.fjord.protocol.api.ConsumerGroupHeartbeatApi.KEY,
                new io.fjord.broker.handlers.GroupAclGate(new io.fjord.broker.handlers.group.ConsumerGroupHeartbeatHandler(groups)));
        register(d, served, io.fjord.protocol.api.ConsumerGroupDescribeApi.KEY,
                new io.fjord.broker.handlers.group.ConsumerGroupDescribeHandler(groups));
    }

    private void registerTransactionApis(RequestDispatcher d, Set<Short> served, TopicAdmin admin) {
        register(d, served, io.fjord.protocol.api.AddPartitionsToTxnApi.KEY, new io.fjord.broker.handlers.txn.AddPartitionsToTxnHandler(transactions));
        register(d, served, io.fjord.protocol.api.AddOffsetsToTxnApi.KEY, new io.fjord.broker.handlers.TransactionalIdAclGate(new io.fjord.broker.handlers.txn.AddOffsetsToTxnHandler(transactions)));
        register(d, served, io.fjord.protocol.api.EndTxnApi.KEY, new io.fjord.broker.handlers.TransactionalIdAclGate(new io.fjord.broker.handlers.txn.EndTxnHandler(transactions)));
        register(d, served, io.fjord.protocol.api.TxnOffsetCommitApi.KEY, new io.fjord.broker.handlers.txn.TxnOffsetCommitHandler(groups, admin,
                transactions.partitionGate()::admit));
        register(d, served, io.fjord.protocol.api.DescribeTransactionsApi.KEY, new io.fjord.broker.handlers.txn.DescribeTransactionsHandler(transactions));
        register(d, served, io.fjord.protocol.api.ListTransactionsApi.KEY, new io.fjord.broker.handlers.txn.ListTransactionsHandler(transactions));
    }

    private static void register(RequestDispatcher d, Set<Short> served, short key, io.fjord.broker.network.ApiHandler h) {
        if (Apis.byKey(key) == null) throw new IllegalStateException("no description for API key " + key);
        d.register(key, h);
        served.add(key);
    }

    /** The voters' CONTROLLER endpoints (DescribeQuorum v2); a node without a quorum is its own controller. */
    private List<io.fjord.broker.handlers.DescribeQuorumHandler.VoterEndpoint> voterEndpoints() {
        List<String> names = config.listenerLayout().controllerListenerNames();
        String listener = names.isEmpty() ? "CONTROLLER" : names.get(0);
        List<io.fjord.broker.handlers.DescribeQuorumHandler.VoterEndpoint> out = new java.util.ArrayList<>();
        if (controller instanceof io.fjord.metadata.raft.RaftController rc) {
            for (io.fjord.metadata.raft.RaftController.Voter v : rc.voters()) {
                out.add(new io.fjord.broker.handlers.DescribeQuorumHandler.VoterEndpoint(v.id(), listener, v.host(), v.port()));
            }
        } else {
            BrokerNode self = controller.image().broker(config.nodeId());
            if (self != null) {
                out.add(new io.fjord.broker.handlers.DescribeQuorumHandler.VoterEndpoint(self.id(), listener, self.host(), self.port()));
            }
        }
        return out;
    }

    /**
     * This broker as it registers: one endpoint per advertised listener (a port 0 replaced by the bound one, a
     * 0.0.0.0 host by localhost); its main address is the inter-broker listener's, which replica fetchers dial.
     */
    private BrokerNode selfNode(int nodeId) {
        List<BrokerConfig.Listener> bound = config.listeners();
        List<BrokerNode.Endpoint> endpoints = new java.util.ArrayList<>();
        for (BrokerConfig.Listener adv : config.advertisedListeners()) {
            int port = adv.port();
            if (port == 0) {
                for (int i = 0; i < bound.size(); i++) {
                    if (bound.get(i).name().equals(adv.name())) port = server.boundPorts().get(i);
                }
            }
            endpoints.add(new BrokerNode.Endpoint(adv.name(), adv.host().equals("0.0.0.0") ? "localhost" : adv.host(), port));
        }
        String interBroker = config.listenerLayout().interBrokerListenerName();
        BrokerNode.Endpoint main = endpoints.stream().filter(e -> e.listener().equals(interBroker)).findFirst()
                .orElse(endpoints.get(0));
        return new BrokerNode(nodeId, main.host(), main.port(), emptyToNull(config.get("broker.rack")), endpoints);
    }

    /** A user's SCRAM credential from the metadata image (SASL connections look them up when a client logs in). */
    private io.fjord.broker.security.ScramCredential scramCredential(String user, io.fjord.broker.security.ScramMechanism m) {
        io.fjord.metadata.Controller c = controller;
        io.fjord.metadata.MetadataRecord.ScramCredentialUpserted r = c == null ? null : c.image().scramCredential(user, m.mechanismName());
        if (r == null) return null;
        java.util.Base64.Decoder b64 = java.util.Base64.getDecoder();
        return new io.fjord.broker.security.ScramCredential(m, b64.decode(r.salt()), b64.decode(r.storedKey()),
                b64.decode(r.serverKey()), r.iterations());
    }

    /** The port each Kafka listener is bound to, by listener name (the real one when it was configured as 0). */
    public java.util.Map<String, Integer> ports() {
        java.util.Map<String, Integer> out = new java.util.LinkedHashMap<>();
        List<BrokerConfig.Listener> ls = config.listeners();
        for (int i = 0; i < ls.size(); i++) out.put(ls.get(i).name(), server.boundPorts().get(i));
        return out;
    }

    /** The port of the first listener (the real one when it was configured as 0). */
    public int port() {
        return server.boundPorts().get(0);
    }

    /** The client quotas enforced on every connection (producer/consumer byte rates, request percentage). */
    public io.fjord.broker.quota.ClientQuotaManager clientQuotas() {
        return server.clientQuotas();
    }

    /** The connection bounds in force and their counts (max.connections, per IP, creation rate). */
    public io.fjord.broker.network.ConnectionLimits connectionLimits() {
        return server.connectionLimits();
    }

    public BrokerConfig config() {
        return config;
    }

    /** The controller (the single-node one, or this node's member of the Raft quorum). */
    public io.fjord.metadata.Controller controller() {
        return controller;
    }

    /** The transaction coordinator (null before start and on controller-only nodes). */
    public io.fjord.broker.txn.TransactionCoordinator transactionCoordinator() {
        return transactions;
    }

    /** The group coordinator (null before start and on controller-only nodes). */
    public GroupCoordinator groupCoordinator() {
        return groups;
    }

    public ReplicaManager replicaManager() {
        return replicas;
    }

    /** The incremental fetch sessions this broker serves (KIP-227); null before start. */
    public io.fjord.broker.handlers.FetchSessionCache fetchSessions() {
        return fetchSessions;
    }

    /** Starts this node's Raft member; a port it cannot bind fails with the listener's name in the message. */
    private io.fjord.metadata.raft.RaftController startRaft(io.fjord.metadata.raft.RaftController.Settings s)
            throws IOException, InterruptedException {
        try {
            return io.fjord.metadata.raft.RaftController.start(s);
        } catch (java.net.BindException e) {
            java.net.BindException named = new java.net.BindException(config.listenerLayout().raftEndpoint().label() + ": " + e.getMessage());
            named.initCause(e);
            throw named;
        }
    }

    private io.fjord.metadata.raft.RaftController.Settings raftSettings(int nodeId, String voters, List<Path> dirs,
            String clusterId, BrokerNode self, boolean broker, boolean controller) {
        long election = config.getLong("controller.quorum.election.timeout.ms");
        return new io.fjord.metadata.raft.RaftController.Settings(
                nodeId, io.fjord.metadata.raft.RaftController.parseVoters(voters),
                dirs.get(0).resolve("__cluster_metadata").resolve("raft"), clusterId, self,
                config.getLong("broker.session.timeout.ms"), config.getLong("broker.heartbeat.interval.ms"),
                config.getLong("fjord.metadata.snapshot.entries"), election, 2 * election,
                broker, controller, config.listenerLayout().raftEndpoint().address(), controllerPolicy(), config.raftTls());
    }

    private io.fjord.metadata.ControllerPolicy controllerPolicy() {
        return new io.fjord.metadata.ControllerPolicy(config.getBoolean("unclean.leader.election.enable"),
                config.getBoolean("auto.leader.rebalance.enable"),
                config.getLong("leader.imbalance.check.interval.seconds") * 1000,
                config.getInt("leader.imbalance.per.broker.percentage"));
    }

    /**
     * Moves this broker's leaderships to other replicas (controlled shutdown, when {@code controlled.shutdown.enable}
     * and there is a quorum), stops taking requests, finishes the ones in progress, then flushes and closes the logs.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try (ShutdownProgress progress = new ShutdownProgress("node " + config.nodeId(), SHUTDOWN_REPORT_EVERY_MS,
                System::nanoTime, log::info)) {
            closeSteps(progress);
        }
        log.info("Fjord node {} stopped cleanly", config.nodeId());
    }

    /** How often a shutdown step that is still running is reported again. */
    private static final long SHUTDOWN_REPORT_EVERY_MS = 2_000;

    private void closeSteps(ShutdownProgress progress) {
        if (server != null && controller != null && config.getBoolean("controlled.shutdown.enable")) {
            // While still serving: clients and followers move to the new leaders before this node goes.
            progress.step("controlled shutdown (leaderships moving to other replicas)", () -> {
                try {
                    controller.controlledShutdown(config.nodeId(), config.getLong("fjord.controlled.shutdown.timeout.ms"));
                } catch (IOException | RuntimeException e) {
                    log.warn("controlled shutdown of node {} did not complete: {}", config.nodeId(), e.toString());
                }
            });
        }
        if (server != null) progress.step("listeners to close", server::close);
        if (console != null) console.close();
        if (requestPool != null) {
            progress.step("requests in flight (purgatory)", () -> {
                requestPool.shutdown();
                try {
                    if (!requestPool.awaitTermination(10, TimeUnit.SECONDS)) requestPool.shutdownNow();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        if (transactions != null) progress.step("transaction coordinator unload", transactions::close);
        if (groups != null) progress.step("group coordinator unload", groups::close);
        if (replicas != null) progress.step("replica fetchers and purgatory", replicas::close);
        if (cleaner != null) progress.step("log cleaner", cleaner::close);
        if (logs != null) progress.step("logs to flush and close", logs::close);
        if (controller != null) progress.step("metadata quorum (controller) to stop", () -> {
            try {
                controller.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The cluster id lives in meta.properties of the first log dir; a new one is made on first start. */
    private String clusterId(Path dir) throws IOException {
        String voters = config.get("controller.quorum.voters");
        if (voters != null && !voters.isBlank() && (config.get("cluster.id") == null || config.get("cluster.id").isBlank())) {
            // Every node of a quorum must agree without talking first: derive the id from the voter set.
            UUID u = UUID.nameUUIDFromBytes(("fjord-cluster:" + voters.trim()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
            return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
        }
        Path meta = dir.resolve("meta.properties");
        Properties p = new Properties();
        if (Files.exists(meta)) {
            try (var r = Files.newBufferedReader(meta)) {
                p.load(r);
            }
            String id = p.getProperty("cluster.id");
            if (id != null) return id;
        }
        String configured = config.get("cluster.id");
        String id = configured == null || configured.isBlank() ? randomClusterId() : configured;
        p.setProperty("cluster.id", id);
        p.setProperty("node.id", Integer.toString(config.nodeId()));
        p.setProperty("version", "1");
        Path tmp = dir.resolve("meta.properties.tmp");
        try (var w = Files.newBufferedWriter(tmp)) {
            p.store(w, "Fjord node identity");
        }
        Files.move(tmp, meta, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return id;
    }

    /** A 22-character URL-safe base64 UUID, the shape Kafka uses for cluster ids. */
    private static String randomClusterId() {
        UUID u = UUID.randomUUID();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    private static String emptyToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
