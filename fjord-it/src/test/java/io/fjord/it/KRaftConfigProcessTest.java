package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fjord processes started from properties files written the way Kafka 4 documents KRaft (the repository's
 * {@code config/kraft/server-N.properties}, moved to free ports): a three-node cluster elects a controller and
 * creates an RF 3 topic; a port that cannot be bound, and a SASL_SSL listener, stop the process with one clear line.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class KRaftConfigProcessTest {
    private static final Duration EXIT = Duration.ofSeconds(60);
    private static Path root;

    @TempDir
    Path dir;

    @BeforeAll
    static void findRepositoryRoot() {
        // Maven runs a module's tests in the module directory.
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("config/kraft/server-1.properties")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                root = p;
                return;
            }
        }
        throw new AssertionError("no config/kraft/server-1.properties above " + Path.of("").toAbsolutePath());
    }

    @Test
    void threeNodesConfiguredTheKafkaWayElectAControllerAndCreateAnRf3Topic() throws Exception {
        int[] kafka = new int[3];
        int[] raft = new int[3];
        for (int i = 0; i < 3; i++) {
            kafka[i] = Clients.freePort();
            raft[i] = Clients.freePort();
        }
        List<FjordProcess> nodes = new ArrayList<>();
        try {
            for (int id = 1; id <= 3; id++) {
                String sample = Files.readString(root.resolve("config/kraft/server-" + id + ".properties"));
                // The sample's ports are 9092 + 2(i-1) (PLAINTEXT) and 9093 + 2(i-1) (CONTROLLER, the voter port).
                for (int i = 0; i < 3; i++) {
                    sample = sample.replace("127.0.0.1:" + (9092 + 2 * i), "127.0.0.1:" + kafka[i])
                            .replace("127.0.0.1:" + (9093 + 2 * i), "127.0.0.1:" + raft[i]);
                }
                sample = sample.replace("log.dirs=./data/kraft-" + id, "log.dirs=" + dir.resolve("data-" + id))
                        + "\n# lighter for a shared test machine\nlog.cleaner.enable=false\nnum.io.threads=2\nnum.network.threads=1\n";
                assertThat(sample).as("node %d's file uses the free ports", id).doesNotContain(":909");
                Path file = dir.resolve("server-" + id + ".properties");
                Files.writeString(file, sample);
                nodes.add(start(file, "node-" + id, kafka[id - 1]));
            }
            for (FjordProcess p : nodes) p.awaitReady(Duration.ofSeconds(60));
            String bootstrap = "127.0.0.1:" + kafka[0] + ",127.0.0.1:" + kafka[1] + ",127.0.0.1:" + kafka[2];
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000", AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000",
                    AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200", AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "50"))) {
                AtomicInteger controller = new AtomicInteger(-1);
                Awaitility.await("an active controller and three brokers").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
                            Node c = admin.describeCluster().controller().get(5, TimeUnit.SECONDS);
                            int brokers = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
                            controller.set(c == null ? -1 : c.id());
                            return c != null && brokers == 3;
                        });
                assertThat(controller.get()).isIn(1, 2, 3);
                admin.createTopics(List.of(new NewTopic("kraft-rf3", 3, (short) 3))).all().get(30, TimeUnit.SECONDS);
                Awaitility.await("the RF 3 topic described").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                    TopicDescription t = admin.describeTopics(List.of("kraft-rf3")).allTopicNames().get(5, TimeUnit.SECONDS).get("kraft-rf3");
                    return t.partitions().size() == 3 && t.partitions().stream().allMatch(p -> p.replicas().size() == 3);
                });
                // Clients are told about the PLAINTEXT listeners only: never a controller (Raft) port.
                for (Node n : admin.describeCluster().nodes().get(10, TimeUnit.SECONDS)) {
                    assertThat(n.port()).isEqualTo(kafka[n.id() - 1]);
                }
            }
            for (int id = 1; id <= 3; id++) {
                String out = nodes.get(id - 1).outputSafely();
                // The socket server bound PLAINTEXT only; the CONTROLLER port is the Raft server's, on its host.
                assertThat(out).contains("listening on /127.0.0.1:" + kafka[id - 1] + " (PLAINTEXT")
                        .doesNotContain("(CONTROLLER").doesNotContain("Address already in use")
                        .doesNotContain("0.0.0.0/0.0.0.0:" + raft[id - 1]);
            }
        } finally {
            for (FjordProcess p : nodes) p.close();
        }
    }

    @Test
    void aTakenKafkaPortStopsTheProcessNamingTheListener() throws Exception {
        try (ServerSocket taken = listening()) {
            int port = taken.getLocalPort();
            Path file = write("taken-kafka", oneVoter(port, Clients.freePort()));
            String line = exitsWithOneLine(file, "taken-kafka", 1);
            assertThat(line).isEqualTo("fjord server: listener PLAINTEXT: cannot bind 127.0.0.1:" + port + ": Address already in use");
        }
    }

    @Test
    void aTakenRaftPortStopsTheProcessNamingTheListener() throws Exception {
        try (ServerSocket taken = listening()) {
            int port = taken.getLocalPort();
            int kafka = Clients.freePort();
            String line = exitsWithOneLine(write("taken-raft", oneVoter(kafka, port)), "taken-raft", 1);
            assertThat(line).isEqualTo("fjord server: listener CONTROLLER (Raft): cannot bind the Raft server to 127.0.0.1:"
                    + port + ": Address already in use");
            // Fjord's own form (no CONTROLLER listener: the Raft port is the voter entry's) fails the same way.
            String fjordForm = "node.id=1\nlisteners=PLAINTEXT://127.0.0.1:" + kafka + "\ncontroller.quorum.voters=1@127.0.0.1:"
                    + port + "\nlog.dirs=" + dir.resolve("data-fjord-form") + "\n";
            String line2 = exitsWithOneLine(write("taken-voter", fjordForm), "taken-voter", 1);
            assertThat(line2).isEqualTo("fjord server: controller.quorum.voters entry 1@127.0.0.1:" + port
                    + ": cannot bind the Raft server to 127.0.0.1:" + port + ": Address already in use");
        }
    }

    @Test
    void aSaslSslListenerIsRefusedRatherThanServedAsPlaintext() throws Exception {
        int sasl = Clients.freePort();
        String props = oneVoter(Clients.freePort(), Clients.freePort())
                .replace("listeners=PLAINTEXT://", "listeners=SASL_SSL://127.0.0.1:" + sasl + ",PLAINTEXT://")
                .replace("listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL");
        assertThat(props).contains("SASL_SSL://127.0.0.1:" + sasl).contains("SASL_SSL:SASL_SSL");
        String line = exitsWithOneLine(write("sasl", props), "sasl", 2);
        assertThat(line).startsWith("fjord server: listener SASL_SSL://127.0.0.1:" + sasl)
                .contains("ssl.keystore.location");
        assertThat(Clients.accepts(sasl)).as("nothing listens on the SASL_SSL port").isFalse();
    }

    /** A one-voter node in Kafka's form: PLAINTEXT on {@code kafka}, CONTROLLER (the Raft server) on {@code raft}. */
    private String oneVoter(int kafka, int raft) {
        return String.join("\n", "process.roles=broker,controller", "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + raft, "controller.listener.names=CONTROLLER",
                "listeners=PLAINTEXT://127.0.0.1:" + kafka + ",CONTROLLER://127.0.0.1:" + raft,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + kafka, "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + dir.resolve("data-" + kafka), "log.cleaner.enable=false", "") ;
    }

    private Path write(String name, String properties) throws IOException {
        Path file = dir.resolve(name + ".properties");
        Files.writeString(file, properties);
        return file;
    }

    /** Starts the node, waits for it to exit with {@code code}, and returns the one line that says why. */
    private String exitsWithOneLine(Path file, String name, int code) throws Exception {
        try (FjordProcess p = start(file, name, -1)) {
            assertThat(p.process.waitFor(EXIT.toSeconds(), TimeUnit.SECONDS)).as("exited; output:\n%s", p.outputSafely()).isTrue();
            String out = p.outputSafely();
            assertThat(p.process.exitValue()).as("exit code; output:\n%s", out).isEqualTo(code);
            List<String> lines = out.lines().filter(l -> l.startsWith("fjord server: ")).toList();
            assertThat(lines).as("output:\n%s", out).hasSize(1);
            assertThat(out).doesNotContain("Exception");
            return lines.get(0);
        }
    }

    private FjordProcess start(Path properties, String name, int port) throws IOException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "io.fjord.cli.Fjord", "server", properties.toString(),
                "--override", "fjord.console.listener=none"); // its default port is shared by every test here
        return FjordProcess.start(new ProcessBuilder(cmd).directory(dir.toFile()), dir.resolve(name + ".out"), port);
    }

    private static ServerSocket listening() throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        assertThat(s.isBound()).isTrue();
        return s;
    }
}
