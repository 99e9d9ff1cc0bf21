package io.fjord.it;

import io.fjord.metadata.raft.RaftController;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Several Fjord nodes (broker and controller each) in this JVM forming one cluster: node ids 1..n, Kafka listeners
 * on ephemeral ports, Raft ports picked free, data under {@code dir/node-<id>}. Nodes start in parallel (each waits
 * for a quorum to register). Always {@link #close()}.
 */
final class TestCluster implements AutoCloseable {
    private final Path dir;
    private final Map<String, String> overrides;
    private final int[] raftPorts;
    /** Kafka listener ports, picked up front with the Raft ports so none can take another's (an ephemeral Kafka
     * port once landed on a Raft port picked earlier, and Ratis ends the JVM when it cannot bind). */
    private final int[] kafkaPorts;
    private final TestBroker[] nodes;

    /** Settings for one node id, applied after {@code overrides} (e.g. listeners that name the node's port). */
    private final java.util.function.IntFunction<Map<String, String>> perNode;

    TestCluster(Path dir, int n, Map<String, String> overrides) throws Exception {
        this(dir, n, overrides, id -> Map.of());
    }

    TestCluster(Path dir, int n, Map<String, String> overrides, java.util.function.IntFunction<Map<String, String>> perNode) throws Exception {
        this.dir = dir;
        this.overrides = overrides;
        this.perNode = perNode;
        this.raftPorts = new int[n];
        this.kafkaPorts = new int[n];
        this.nodes = new TestBroker[n];
        java.util.Set<Integer> taken = new java.util.HashSet<>();
        for (int i = 0; i < 2 * n; i++) {
            int port;
            do {
                port = Clients.freePort();
            } while (!taken.add(port));
            if (i < n) raftPorts[i] = port; else kafkaPorts[i - n] = port;
        }
    }

    private final Map<Short, io.fjord.broker.FjordBroker.HandlerWrapper> wrappers = new java.util.LinkedHashMap<>();

    /** Wraps every node's handler of one API (recording, fault injection); call before {@code start()}. */
    TestCluster withHandlerWrapper(short key, io.fjord.broker.FjordBroker.HandlerWrapper w) {
        wrappers.put(key, w);
        return this;
    }

    String voters() {
        List<String> v = new ArrayList<>();
        for (int i = 0; i < raftPorts.length; i++) v.add((i + 1) + "@127.0.0.1:" + raftPorts[i]);
        return String.join(",", v);
    }

    private TestBroker newNode(int id) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("node.id", Integer.toString(id));
        s.put("controller.quorum.voters", voters());
        s.put("broker.session.timeout.ms", "1500");
        s.put("broker.heartbeat.interval.ms", "250");
        s.put("log.cleaner.enable", "false");
        // Bounded, so a node closed after the quorum is gone does not wait long for a controlled shutdown.
        s.put("fjord.controlled.shutdown.timeout.ms", "5000");
        s.put("listeners", "PLAINTEXT://127.0.0.1:" + kafkaPorts[id - 1]);
        // Kafka's default of 3 where there are three nodes (TestBroker's single-node default is 1).
        s.put("offsets.topic.replication.factor", Integer.toString(Math.min(3, nodes.length)));
        s.put("transaction.state.log.replication.factor", Integer.toString(Math.min(3, nodes.length)));
        s.put("transaction.state.log.min.isr", Integer.toString(Math.min(2, nodes.length)));
        s.putAll(overrides);
        s.putAll(perNode.apply(id));
        TestBroker b = new TestBroker(dir.resolve("node-" + id), s);
        wrappers.forEach(b::withHandlerWrapper);
        return b;
    }

    TestCluster start() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(nodes.length);
        try {
            List<Future<TestBroker>> started = new ArrayList<>();
            for (int i = 0; i < nodes.length; i++) {
                TestBroker b = newNode(i + 1);
                nodes[i] = b;
                started.add(pool.submit(b::start));
            }
            for (Future<TestBroker> f : started) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        awaitEveryNodeSeesAllBrokers();
        return this;
    }

    /** Registration is asynchronous: wait until every node's image has every broker, unfenced. */
    void awaitEveryNodeSeesAllBrokers() {
        org.awaitility.Awaitility.await("every node sees every broker unfenced").atMost(java.time.Duration.ofSeconds(60))
                .until(() -> {
                    for (int id = 1; id <= nodes.length; id++) {
                        TestBroker b = node(id);
                        if (b == null) continue;
                        var image = b.broker().controller().image();
                        for (int other = 1; other <= nodes.length; other++) {
                            if (node(other) == null) continue;
                            if (image.broker(other) == null || image.isFenced(other)) return false;
                        }
                    }
                    return true;
                });
    }

    /** Metadata changes reach each node's image when its copy of the log applies them: wait for that. */
    void awaitTopicEverywhere(String topic) {
        org.awaitility.Awaitility.await("topic " + topic + " on every node").atMost(java.time.Duration.ofSeconds(30))
                .until(() -> {
                    for (int id = 1; id <= nodes.length; id++) {
                        TestBroker b = node(id);
                        if (b != null && b.broker().controller().image().topic(topic) == null) return false;
                    }
                    return true;
                });
    }

    int size() {
        return nodes.length;
    }

    /** The Raft port picked for node {@code id} (its {@code controller.quorum.voters} entry's). */
    int raftPort(int id) {
        return raftPorts[id - 1];
    }

    /** The Kafka port picked for node {@code id} (its first listener's). */
    int kafkaPort(int id) {
        return kafkaPorts[id - 1];
    }

    /** Node {@code id} (1-based), or null while stopped. */
    TestBroker node(int id) {
        TestBroker b = nodes[id - 1];
        return b == null || b.broker() == null ? null : b;
    }

    RaftController controller(int id) {
        return (RaftController) node(id).broker().controller();
    }

    /** Id of the running node that is the active controller, or -1. */
    int activeController() {
        for (int id = 1; id <= nodes.length; id++) {
            if (node(id) != null && controller(id).isActive()) return id;
        }
        return -1;
    }

    List<Integer> running() {
        List<Integer> r = new ArrayList<>();
        for (int id = 1; id <= nodes.length; id++) if (node(id) != null) r.add(id);
        return r;
    }

    /** Stops node {@code id} cleanly: a controlled shutdown first (its leaderships move), then the node. */
    void stop(int id) {
        nodes[id - 1].close();
    }

    /** Stops node {@code id} the hard way: its Raft server goes without handing over leadership. */
    void crash(int id) throws Exception {
        controller(id).closeAbruptly();
        nodes[id - 1].close();
    }

    void restart(int id) throws Exception {
        if (node(id) != null) stop(id);
        nodes[id - 1] = newNode(id);
        nodes[id - 1].start();
    }

    String bootstrap() {
        List<String> b = new ArrayList<>();
        for (int id : running()) b.add(node(id).bootstrap());
        return String.join(",", b);
    }

    @Override
    public void close() {
        for (TestBroker b : nodes) {
            if (b != null) {
                try {
                    b.close();
                } catch (RuntimeException e) {
                    // keep closing the others
                }
            }
        }
    }
}
