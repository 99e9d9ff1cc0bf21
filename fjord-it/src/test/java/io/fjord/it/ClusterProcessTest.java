package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Node;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three Fjord nodes (broker + controller each) as separate processes: kill -9 of the active controller. */
class ClusterProcessTest {
    private static final Pattern EPOCH_LINE = Pattern.compile("metadata log: epoch (\\d+) active controller (\\d+)");

    @TempDir
    Path dir;

    @Test
    void killMinus9OfTheActiveControllerFailsOverWithOneControllerPerEpoch() throws Exception {
        int n = 3;
        int[] ports = new int[n];
        int[] raftPorts = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = Clients.freePort();
            raftPorts[i] = Clients.freePort();
        }
        List<String> voters = new ArrayList<>();
        for (int i = 0; i < n; i++) voters.add((i + 1) + "@127.0.0.1:" + raftPorts[i]);
        List<FjordProcess> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                int id = i + 1;
                nodes.add(FjordProcess.startJava(dir, dir.resolve("node-" + id + ".out"), ports[i], List.of(
                        "node.id=" + id, "controller.quorum.voters=" + String.join(",", voters),
                        "listeners=PLAINTEXT://127.0.0.1:" + ports[i], "log.dirs=" + dir.resolve("data-" + id),
                        "broker.session.timeout.ms=1500", "broker.heartbeat.interval.ms=250",
                        "log.cleaner.enable=false", "num.io.threads=2", "num.network.threads=1")));
            }
            for (FjordProcess p : nodes) p.awaitReady(Duration.ofSeconds(60));
            String all = bootstrap(ports, -1);
            int first;
            try (Admin admin = pollingAdmin(all)) {
                AtomicInteger found = new AtomicInteger(-1);
                Awaitility.await("an active controller and three brokers").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
                            Node c = admin.describeCluster().controller().get(3, TimeUnit.SECONDS);
                            int brokers = admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).size();
                            found.set(c == null ? -1 : c.id());
                            return c != null && brokers == n;
                        });
                first = found.get();
                admin.createTopics(List.of(new NewTopic("before", 3, (short) 3))).all().get(30, TimeUnit.SECONDS);
            }
            FjordProcess victim = nodes.get(first - 1);
            long t0 = System.nanoTime();
            victim.kill9();
            String survivors = bootstrap(ports, first);
            int second;
            long failoverMs;
            try (Admin admin = pollingAdmin(survivors)) {
                AtomicInteger found = new AtomicInteger(-1);
                Awaitility.await("a new active controller").atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(20)).ignoreExceptions().until(() -> {
                            Node c = admin.describeCluster().controller().get(3, TimeUnit.SECONDS);
                            found.set(c == null ? -1 : c.id());
                            return c != null && c.id() != first;
                        });
                failoverMs = (System.nanoTime() - t0) / 1_000_000;
                second = found.get();
                admin.createTopics(List.of(new NewTopic("after", 3, (short) 2))).all().get(30, TimeUnit.SECONDS);
                long writeMs = (System.nanoTime() - t0) / 1_000_000;
                Awaitility.await("topic after visible").atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() ->
                        admin.describeTopics(List.of("after")).allTopicNames().get(3, TimeUnit.SECONDS)
                                .get("after").partitions().size() == 3);
                System.out.printf("process failover (kill -9 of controller %d): new active controller %d after %d ms,"
                        + " topic created after %d ms%n", first, second, failoverMs, writeMs);
            }
            assertThat(second).isNotIn(first, -1);
            // Every survivor has applied the new controller's entry (the Admin saw it on one of them).
            for (int id = 1; id <= n; id++) {
                if (id == first) continue;
                FjordProcess p = nodes.get(id - 1);
                int want = second;
                Awaitility.await("node " + id + " applied the new controller's entry").atMost(Duration.ofSeconds(10))
                        .until(() -> epochs(p.outputSafely()).containsValue(want));
            }
            for (FjordProcess p : nodes) p.close();
            // The survivors' copies of the metadata log (as each applied it): one controller per epoch, the same on
            // every node, and the new controller's epoch above the old one's.
            Map<Long, Integer> merged = new TreeMap<>();
            for (int id = 1; id <= n; id++) {
                String out = nodes.get(id - 1).outputSafely();
                assertThat(out).as("node %d output", id).doesNotContain("two active controllers");
                for (Map.Entry<Long, Integer> e : epochs(out).entrySet()) {
                    Integer prev = merged.putIfAbsent(e.getKey(), e.getValue());
                    assertThat(prev == null || prev.equals(e.getValue()))
                            .as("epoch %d: node %d saw controller %d, another node %s", e.getKey(), id, e.getValue(), prev)
                            .isTrue();
                }
            }
            long firstEpoch = merged.entrySet().stream().filter(e -> e.getValue() == first)
                    .mapToLong(Map.Entry::getKey).max().orElseThrow();
            long secondEpoch = merged.entrySet().stream().filter(e -> e.getValue() == second)
                    .mapToLong(Map.Entry::getKey).max().orElseThrow();
            assertThat(secondEpoch).isGreaterThan(firstEpoch);
            assertThat(failoverMs).isLessThan(15_000);
        } finally {
            for (FjordProcess p : nodes) p.close();
        }
    }

    @Test
    void separateControllerAndBrokerProcessesSurviveKillMinus9OfTheActiveController() throws Exception {
        List<String> voters = new ArrayList<>();
        for (int id = 1; id <= 3; id++) voters.add(id + "@127.0.0.1:" + Clients.freePort());
        int[] ports = {Clients.freePort(), Clients.freePort()};
        List<FjordProcess> controllers = new ArrayList<>();
        List<FjordProcess> brokers = new ArrayList<>();
        try {
            for (int id = 1; id <= 5; id++) {
                boolean broker = id > 3;
                int port = broker ? ports[id - 4] : -1;
                List<String> o = new ArrayList<>(List.of("node.id=" + id, "process.roles=" + (broker ? "broker" : "controller"),
                        "controller.quorum.voters=" + String.join(",", voters), "log.dirs=" + dir.resolve("data-" + id),
                        "broker.session.timeout.ms=3000", "broker.heartbeat.interval.ms=250", "log.cleaner.enable=false",
                        "num.io.threads=2", "num.network.threads=1", "offsets.topic.replication.factor=1"));
                if (broker) {
                    o.add("listeners=PLAINTEXT://127.0.0.1:" + port);
                    o.add("fjord.metadata.listener=127.0.0.1:" + Clients.freePort());
                }
                FjordProcess p = FjordProcess.startJava(dir, dir.resolve("node-" + id + ".out"), port, o);
                (broker ? brokers : controllers).add(p);
            }
            for (FjordProcess b : brokers) b.awaitReady(Duration.ofSeconds(60));
            String bootstrap = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];
            try (Admin admin = pollingAdmin(bootstrap)) {
                Awaitility.await("two brokers").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                        admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).size() == 2);
                admin.createTopics(List.of(new NewTopic("split-before", 2, (short) 2))).all().get(30, TimeUnit.SECONDS);
                int first = latestController(brokers.get(0));
                assertThat(first).isIn(1, 2, 3);
                long t0 = System.nanoTime();
                controllers.get(first - 1).kill9();
                Awaitility.await("a new active controller").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                        .until(() -> latestController(brokers.get(0)) != first);
                long failoverMs = (System.nanoTime() - t0) / 1_000_000;
                admin.createTopics(List.of(new NewTopic("split-after", 2, (short) 2))).all().get(30, TimeUnit.SECONDS);
                long writeMs = (System.nanoTime() - t0) / 1_000_000;
                System.out.printf("split roles, kill -9 of controller %d: brokers applied a new controller's entry after %d ms,"
                        + " topic created after %d ms%n", first, failoverMs, writeMs);
                Awaitility.await("both brokers list the new topic").atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() ->
                        admin.describeTopics(List.of("split-after")).allTopicNames().get(3, TimeUnit.SECONDS)
                                .get("split-after").partitions().size() == 2);
            }
            for (FjordProcess p : brokers) p.close();
            for (FjordProcess p : controllers) p.close();
            Map<Long, Integer> merged = new TreeMap<>();
            for (FjordProcess p : concat(controllers, brokers)) {
                String out = p.outputSafely();
                assertThat(out).doesNotContain("two active controllers");
                for (Map.Entry<Long, Integer> e : epochs(out).entrySet()) {
                    Integer prev = merged.putIfAbsent(e.getKey(), e.getValue());
                    assertThat(prev == null || prev.equals(e.getValue())).as("epoch %d", e.getKey()).isTrue();
                }
            }
            assertThat(merged.values()).allMatch(id -> id >= 1 && id <= 3);
            assertThat(controllers.get(0).outputSafely() + controllers.get(1).outputSafely() + controllers.get(2).outputSafely())
                    .doesNotContain("Fjord node 1 started").doesNotContain("listening on");
        } finally {
            for (FjordProcess p : concat(controllers, brokers)) p.close();
        }
    }

    private static List<FjordProcess> concat(List<FjordProcess> a, List<FjordProcess> b) {
        List<FjordProcess> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** The controller of the highest epoch in a node's output, or -1. */
    private static int latestController(FjordProcess p) {
        return epochs(p.outputSafely()).entrySet().stream().max(Map.Entry.comparingByKey()).map(Map.Entry::getValue).orElse(-1);
    }

    /** Epoch to controller from one node's output; fails on a second controller for an epoch. */
    private static Map<Long, Integer> epochs(String output) {
        Map<Long, Integer> m = new HashMap<>();
        Matcher matcher = EPOCH_LINE.matcher(output);
        while (matcher.find()) {
            long epoch = Long.parseLong(matcher.group(1));
            int id = Integer.parseInt(matcher.group(2));
            Integer prev = m.putIfAbsent(epoch, id);
            if (prev != null && prev != id) throw new AssertionError("epoch " + epoch + ": " + prev + " and " + id);
        }
        return m;
    }

    private static String bootstrap(int[] ports, int except) {
        List<String> b = new ArrayList<>();
        for (int i = 0; i < ports.length; i++) if (i + 1 != except) b.add("127.0.0.1:" + ports[i]);
        return b.stream().collect(Collectors.joining(","));
    }

    private static Admin pollingAdmin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000",
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200",
                AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "50"));
    }
}
