package io.fjord.it;

import io.fjord.protocol.api.MetadataApi;
import io.fjord.protocol.types.Struct;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.awaitility.Awaitility;

/**
 * A Fjord cluster as child processes, each started the way {@code bin/fjord server server.properties} starts one:
 * nodes 1..voters are {@code process.roles=broker,controller} (the controller quorum), {@link #addBroker(int)} adds
 * {@code process.roles=broker} nodes. Each node has a folder {@code dir/node-<id>} holding its
 * {@code server.properties}, its log dir {@code data} and its output {@code output.log} (appended across restarts,
 * one marker line per start). Ports are ephemeral (picked free), the same across restarts of a node.
 *
 * <p>Two config forms, switched by {@link #KAFKA_LISTENERS} (system property {@code fjord.it.kafkaListeners}):
 * Kafka's (a {@code CONTROLLER} listener in {@code listeners}, named by {@code controller.listener.names}, with
 * {@code advertised.listeners}, {@code listener.security.protocol.map} and {@code inter.broker.listener.name}), or
 * Fjord's older one ({@code listeners} holds only the Kafka listener; the Raft port appears only in
 * {@code controller.quorum.voters}).
 *
 * <p>Driven by one test thread; {@link #close()} (always call it) thaws frozen nodes, kills every process and
 * keeps a copy of every output and tool log under {@code fjord-it/target/fault-logs/<name>/} (the temp dir goes away
 * with the test), so a failure can be examined afterwards.
 */
final class ProcessCluster implements AutoCloseable {
    /** Kafka's listener form (true, the default since the kraft branch landed) or Fjord's older one (false). */
    static final boolean KAFKA_LISTENERS = Boolean.parseBoolean(System.getProperty("fjord.it.kafkaListeners", "true"));

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    /** One node: fixed identity, ports and folders; a new process per start. */
    static final class NodeSpec {
        final int id;
        final boolean controller;
        final int port;
        /** The Raft port for a voter, the Ratis listener port ({@code fjord.metadata.listener}) for a broker-only node. */
        final int raftPort;
        final Path home;
        FjordProcess process;
        int starts;

        NodeSpec(int id, boolean controller, int port, int raftPort, Path home) {
            this.id = id;
            this.controller = controller;
            this.port = port;
            this.raftPort = raftPort;
            this.home = home;
        }

        Path logDir() {
            return home.resolve("data");
        }

        Path properties() {
            return home.resolve("server.properties");
        }

        Path output() {
            return home.resolve("output.log");
        }

        boolean running() {
            return process != null && process.process.isAlive();
        }
    }

    /** A partition as one node's Metadata answer shows it. */
    record PartitionView(int leader, int leaderEpoch, List<Integer> replicas, List<Integer> isr) {
    }

    private final Path dir;
    private final String name;
    private final Map<String, String> settings;
    private final Map<Integer, NodeSpec> nodes = new TreeMap<>();
    private Admin admin;

    /**
     * @param name     names the folder the outputs are kept in (the test's name)
     * @param voters   number of broker+controller nodes (ids 1..voters)
     * @param settings extra server settings for every node (Kafka names), e.g. session timeouts
     */
    ProcessCluster(Path dir, String name, int voters, Map<String, String> settings) throws IOException {
        this.dir = dir;
        this.name = name;
        this.settings = new LinkedHashMap<>(settings);
        for (int id = 1; id <= voters; id++) {
            nodes.put(id, new NodeSpec(id, true, Clients.freePort(), Clients.freePort(), dir.resolve("node-" + id)));
        }
    }

    /**
     * Starts every voter, waits until each answers and every one is a registered, unfenced broker. On failure it
     * closes itself (kills what it started) before throwing: the caller never got the reference to close.
     */
    ProcessCluster start() throws Exception {
        try {
            for (NodeSpec n : nodes.values()) launch(n);
            for (NodeSpec n : nodes.values()) n.process.awaitReady(START_TIMEOUT);
            awaitBrokers(nodes.keySet());
            return this;
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** Adds and starts a broker-only node ({@code process.roles=broker}) and waits until it is registered. */
    NodeSpec addBroker(int id) throws Exception {
        if (nodes.containsKey(id)) throw new IllegalArgumentException("node " + id + " exists");
        NodeSpec n = new NodeSpec(id, false, Clients.freePort(), Clients.freePort(), dir.resolve("node-" + id));
        nodes.put(id, n);
        launch(n);
        n.process.awaitReady(START_TIMEOUT);
        awaitBrokers(nodes.keySet());
        return n;
    }

    private String voters() {
        return nodes.values().stream().filter(n -> n.controller).map(n -> n.id + "@127.0.0.1:" + n.raftPort)
                .collect(Collectors.joining(","));
    }

    /** The node's server.properties, in Kafka's form or Fjord's older one (see the class comment). */
    Map<String, String> serverProperties(NodeSpec n) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", n.controller ? "broker,controller" : "broker");
        p.put("node.id", Integer.toString(n.id));
        p.put("controller.quorum.voters", voters());
        String plaintext = "PLAINTEXT://127.0.0.1:" + n.port;
        if (KAFKA_LISTENERS) {
            p.put("controller.listener.names", "CONTROLLER");
            p.put("listeners", n.controller ? plaintext + ",CONTROLLER://127.0.0.1:" + n.raftPort : plaintext);
            p.put("advertised.listeners", plaintext);
            p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
            p.put("inter.broker.listener.name", "PLAINTEXT");
        } else {
            p.put("listeners", plaintext);
        }
        // A broker-only node follows the metadata log as a Ratis listener on a port of its own (Fjord's key).
        if (!n.controller) p.put("fjord.metadata.listener", "127.0.0.1:" + n.raftPort);
        p.put("log.dirs", n.logDir().toString());
        p.put("log.cleaner.enable", "false");
        p.put("num.io.threads", "2");
        p.put("num.network.threads", "1");
        p.put("offsets.topic.replication.factor", "3");
        p.put("offsets.topic.num.partitions", "3"); // 50 replicated partitions would only load the 2-core machine
        p.putAll(settings);
        return p;
    }

    private void launch(NodeSpec n) throws IOException {
        Files.createDirectories(n.home);
        Properties props = new Properties();
        props.putAll(serverProperties(n));
        try (Writer w = Files.newBufferedWriter(n.properties(), StandardCharsets.UTF_8)) {
            props.store(w, "fjord-it node " + n.id);
        }
        n.starts++;
        Files.writeString(n.output(), "=== fjord-it: start " + n.starts + " of node " + n.id + " at " + Instant.now()
                + " ===\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        n.process = FjordProcess.startJava(n.home, n.output(), n.port, n.properties(), List.of());
    }

    NodeSpec node(int id) {
        NodeSpec n = nodes.get(id);
        if (n == null) throw new IllegalArgumentException("no node " + id);
        return n;
    }

    Collection<NodeSpec> nodes() {
        return nodes.values();
    }

    Set<Integer> ids() {
        return nodes.keySet();
    }

    /** kill -9 of node {@code id}. */
    void kill9(int id) throws InterruptedException {
        node(id).process.kill9();
    }

    /** SIGTERM of node {@code id}: a clean stop, waited for. */
    void terminate(int id) throws IOException, InterruptedException {
        node(id).process.terminate(STOP_TIMEOUT);
    }

    void freeze(int id) throws IOException, InterruptedException {
        node(id).process.freeze();
    }

    void thaw(int id) throws IOException, InterruptedException {
        node(id).process.thaw();
    }

    /** Starts a stopped node again (same config, ports and data) and waits until it answers. */
    void restart(int id) throws Exception {
        NodeSpec n = node(id);
        if (n.running()) throw new IllegalStateException("node " + id + " is running");
        launch(n);
        n.process.awaitReady(START_TIMEOUT);
    }

    /**
     * Stops every running node cleanly: SIGTERM to all first (so none waits on the others' shutdown), then waits
     * for each. Frozen nodes are thawed first.
     */
    void stopAll() throws Exception {
        closeAdmin();
        List<NodeSpec> running = nodes.values().stream().filter(NodeSpec::running).toList();
        for (NodeSpec n : running) {
            if (n.process.isFrozen()) n.process.thaw();
            n.process.process.destroy();
        }
        List<String> hung = new ArrayList<>();
        for (NodeSpec n : running) {
            if (!n.process.process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) hung.add("node " + n.id);
        }
        if (!hung.isEmpty()) throw new AssertionError(hung + " did not stop within " + STOP_TIMEOUT + " of SIGTERM");
    }

    String bootstrap() {
        return nodes.values().stream().map(n -> "127.0.0.1:" + n.port).collect(Collectors.joining(","));
    }

    /** The client address of node {@code id} alone. */
    String bootstrap(int id) {
        return "127.0.0.1:" + nodes.get(id).port;
    }

    /** Ids of the nodes whose process is alive. */
    List<Integer> runningIds() {
        return nodes.values().stream().filter(NodeSpec::running).map(n -> n.id).toList();
    }

    /** One shared admin client on every node, with short request timeouts (nodes die under it). */
    Admin admin() {
        if (admin == null) {
            admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000",
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000",
                    AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "50",
                    AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500",
                    AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "50",
                    AdminClientConfig.METADATA_MAX_AGE_CONFIG, "1000"));
        }
        return admin;
    }

    private void closeAdmin() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
            admin = null;
        }
    }

    private void awaitBrokers(Set<Integer> ids) {
        Awaitility.await("brokers " + ids + " registered and unfenced").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> admin().describeCluster().nodes()
                        .get(5, TimeUnit.SECONDS).stream().map(Node::id).collect(Collectors.toSet()).containsAll(ids));
    }

    /** Creates a topic and waits until every partition has a leader and its whole replica set in sync. */
    void createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) throws Exception {
        admin().createTopics(List.of(new NewTopic(name, partitions, (short) replicationFactor).configs(configs)))
                .all().get(30, TimeUnit.SECONDS);
        awaitFullIsr(name, Duration.ofSeconds(30));
    }

    Map<Integer, TopicPartitionInfo> describe(String topic) throws Exception {
        TopicDescription d = admin().describeTopics(List.of(topic)).allTopicNames().get(5, TimeUnit.SECONDS).get(topic);
        Map<Integer, TopicPartitionInfo> m = new TreeMap<>();
        for (TopicPartitionInfo p : d.partitions()) m.put(p.partition(), p);
        return m;
    }

    private static Set<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).collect(Collectors.toSet());
    }

    /** True when every partition of {@code topic} has a leader and an ISR equal to its replica set. */
    boolean fullIsr(String topic) throws Exception {
        for (TopicPartitionInfo p : describe(topic).values()) {
            if (p.leader() == null || p.leader().id() < 0 || !ids(p.isr()).equals(ids(p.replicas()))) return false;
        }
        return true;
    }

    void awaitFullIsr(String topic, Duration atMost) {
        awaitLayout("every partition of " + topic + " with its whole replica set in sync", topic, atMost,
                () -> fullIsr(topic));
    }

    /** Waits until node {@code id} is in the ISR of every partition of {@code topic} it is a replica of. */
    void awaitInIsr(String topic, int id, Duration atMost) {
        awaitLayout("node " + id + " back in the ISR of every partition of " + topic, topic, atMost, () -> {
            for (TopicPartitionInfo p : describe(topic).values()) {
                if (ids(p.replicas()).contains(id) && !ids(p.isr()).contains(id)) return false;
            }
            return true;
        });
    }

    /** Awaits a condition on the topic's layout; a timeout says the last layout seen and the nodes' last lines. */
    void awaitLayout(String what, String topic, Duration atMost, java.util.concurrent.Callable<Boolean> condition) {
        try {
            Awaitility.await(what).atMost(atMost).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(condition);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            String layout;
            try {
                layout = describe(topic).values().stream().map(p -> p.partition() + ": leader " + p.leader()
                        + " replicas " + ids(p.replicas()) + " isr " + ids(p.isr())).collect(Collectors.joining("; "));
            } catch (Exception d) {
                layout = "(describe failed: " + d + ")";
            }
            throw new AssertionError(e.getMessage() + "\nlast layout of " + topic + ": " + layout + "\n" + tails(15), e);
        }
    }

    /** The leader of one partition as the admin sees it, or -1. */
    int leader(String topic, int partition) throws Exception {
        Node l = describe(topic).get(partition).leader();
        return l == null ? -1 : l.id();
    }

    /** Leader, leader epoch, replicas and ISR of one partition in node {@code id}'s Metadata answer (v12). */
    PartitionView view(int id, String topic, int partition) throws IOException {
        try (RawClient c = new RawClient(node(id).port)) {
            c.socket().setSoTimeout(5000);
            Struct r = c.request(MetadataApi.SPEC, (short) 12, MetadataApi.SPEC.newRequest().set("Topics", null)
                    .set("AllowAutoTopicCreation", false));
            for (Struct t : r.getStructs("Topics")) {
                if (!topic.equals(t.getString("Name"))) continue;
                for (Struct p : t.getStructs("Partitions")) {
                    if (p.getInt("PartitionIndex") != partition) continue;
                    return new PartitionView(p.getInt("LeaderId"), p.getInt("LeaderEpoch"),
                            List.copyOf(p.getList("ReplicaNodes")), List.copyOf(p.getList("IsrNodes")));
                }
            }
            throw new IOException("node " + id + " does not know " + topic + "-" + partition);
        }
    }

    /**
     * The view with the highest leader epoch among the running, not frozen nodes (those that fail to answer are
     * skipped), or null if none answered.
     */
    PartitionView newestView(String topic, int partition) {
        PartitionView best = null;
        for (NodeSpec n : nodes.values()) {
            if (!n.running() || n.process.isFrozen()) continue;
            try {
                PartitionView v = view(n.id, topic, partition);
                if (best == null || v.leaderEpoch() > best.leaderEpoch()) best = v;
            } catch (IOException | RuntimeException | AssertionError e) {
                // a node starting or stopping: no observation
            }
        }
        return best;
    }

    /** The latest offset (the high watermark) of every partition, through the admin. */
    Map<Integer, Long> highWatermarks(String topic, int partitions) throws Exception {
        Map<TopicPartition, OffsetSpec> q = new LinkedHashMap<>();
        for (int p = 0; p < partitions; p++) q.put(new TopicPartition(topic, p), OffsetSpec.latest());
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r =
                admin().listOffsets(q).all().get(10, TimeUnit.SECONDS);
        Map<Integer, Long> m = new TreeMap<>();
        r.forEach((tp, info) -> m.put(tp.partition(), info.offset()));
        return m;
    }

    /** The partition's folder in node {@code id}'s log dir. */
    Path partitionDir(int id, String topic, int partition) {
        return node(id).logDir().resolve(topic + "-" + partition);
    }

    String output(int id) {
        return node(id).process == null ? "" : node(id).process.outputSafely();
    }

    /** Node ids holding the given line fragment in their output. */
    Set<Integer> nodesWhoseOutputContains(String fragment) {
        Set<Integer> s = new HashSet<>();
        for (NodeSpec n : nodes.values()) if (output(n.id).contains(fragment)) s.add(n.id);
        return s;
    }

    /** The last {@code lines} lines of every node's output, for failure messages. */
    String tails(int lines) {
        StringBuilder b = new StringBuilder();
        for (NodeSpec n : nodes.values()) {
            List<String> all = output(n.id).lines().toList();
            b.append("--- node ").append(n.id).append(" (").append(n.output()).append(") ---\n");
            for (String l : all.subList(Math.max(0, all.size() - lines), all.size())) b.append(l).append('\n');
        }
        return b.toString();
    }

    /**
     * Copies the nodes' outputs and the files beside them in the test's dir (producer and tool logs, the
     * producer's JSON lines, reassignment plans) to {@code target/fault-logs/<name>/}, replacing an older copy.
     */
    private void keepOutputs() {
        Path keep = Path.of(System.getProperty("basedir", "."), "target", "fault-logs", name);
        try {
            if (Files.exists(keep)) {
                try (var old = Files.walk(keep)) {
                    for (Path p : old.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
                }
            }
            Files.createDirectories(keep);
            for (NodeSpec n : nodes.values()) {
                if (Files.exists(n.output())) Files.copy(n.output(), keep.resolve("node-" + n.id + ".log"));
                if (Files.exists(n.properties())) Files.copy(n.properties(), keep.resolve("node-" + n.id + ".properties"));
            }
            try (var files = Files.list(dir)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) Files.copy(f, keep.resolve(f.getFileName()));
            }
        } catch (IOException e) {
            System.out.println("could not keep the outputs in " + keep + ": " + e);
        }
    }

    @Override
    public void close() {
        try {
            closeAdmin();
        } catch (RuntimeException e) {
            // still kill the processes
        }
        for (NodeSpec n : nodes.values()) {
            if (n.process == null) continue;
            try {
                n.process.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // keep closing the others
            }
        }
        keepOutputs();
    }
}
