package io.fjord.metadata.raft;

import io.fjord.metadata.BrokerNode;
import io.fjord.metadata.ControllerPolicy;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * Three combined nodes (voter + registered broker, no Kafka listener) of one Raft quorum in this JVM, on free
 * ports of 127.0.0.1, data under {@code dir/node-<id>}. Always {@link #close()}.
 */
final class RaftQuorum implements AutoCloseable {
    private final Path dir;
    private final ControllerPolicy policy;
    private final List<RaftController.Voter> voters = new ArrayList<>();
    private final RaftController[] nodes;

    RaftQuorum(Path dir, int n, ControllerPolicy policy) throws IOException {
        this.dir = dir;
        this.policy = policy;
        this.nodes = new RaftController[n];
        for (int i = 1; i <= n; i++) voters.add(new RaftController.Voter(i, "127.0.0.1", freePort()));
    }

    RaftQuorum start() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(nodes.length);
        try {
            List<Future<RaftController>> started = new ArrayList<>();
            for (int id = 1; id <= nodes.length; id++) {
                int node = id;
                started.add(pool.submit(() -> RaftController.start(settings(node))));
            }
            for (int i = 0; i < nodes.length; i++) nodes[i] = started.get(i).get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        Awaitility.await("every node sees every broker").atMost(Duration.ofSeconds(60)).until(() -> {
            for (RaftController c : nodes) {
                for (int id = 1; id <= nodes.length; id++) {
                    if (c.image().broker(id) == null || c.image().isFenced(id)) return false;
                }
            }
            return activeController() != -1;
        });
        return this;
    }

    private RaftController.Settings settings(int id) {
        return new RaftController.Settings(id, voters, dir.resolve("node-" + id), "quorum-test",
                new BrokerNode(id, "127.0.0.1", 19000 + id, null), 1500, 250, 1000, 150, 300, true, true, null, policy);
    }

    RaftController node(int id) {
        return nodes[id - 1];
    }

    int activeController() {
        for (int id = 1; id <= nodes.length; id++) if (nodes[id - 1] != null && node(id).isActive()) return id;
        return -1;
    }

    /** Stops node {@code id} the hard way (no leadership hand-over, no controlled shutdown). */
    void crash(int id) throws IOException {
        node(id).closeAbruptly();
        nodes[id - 1] = null;
    }

    /** Stops node {@code id} cleanly (it hands over leadership if it leads). */
    void stop(int id) throws IOException {
        node(id).close();
        nodes[id - 1] = null;
    }

    /** Starts node {@code id} again on its data (a new process: a new incarnation). */
    void restart(int id) throws Exception {
        if (nodes[id - 1] != null) stop(id);
        nodes[id - 1] = RaftController.start(settings(id));
    }

    /** Waits until every running node's image satisfies the condition. */
    void awaitEverywhere(String what, java.util.function.Predicate<io.fjord.metadata.ClusterImage> condition) {
        Awaitility.await(what).atMost(Duration.ofSeconds(30)).until(() -> {
            for (RaftController c : nodes) if (c != null && !condition.test(c.image())) return false;
            return true;
        });
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (RaftController c : nodes) {
            if (c == null) continue;
            try {
                c.close();
            } catch (IOException | RuntimeException e) {
                // keep closing the others
            }
        }
    }
}
