package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.storage.LogManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives {@code bin/fjord} as a user would: start a server, produce and consume with kafka-clients, stop it with
 * SIGTERM (clean shutdown, marker written); and a bad command line fails clearly. The script may build the jar on
 * first use, hence the generous start-up bound.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class LauncherScriptTest {
    private static final Duration FIRST_START = Duration.ofMinutes(5);
    private static Path root;

    @BeforeAll
    static void findRepositoryRoot() {
        // Maven runs the tests of a module with the module directory as working directory.
        Path cwd = Path.of("").toAbsolutePath();
        for (Path p = cwd; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("bin/fjord")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                root = p;
                return;
            }
        }
        throw new AssertionError("no bin/fjord above " + cwd);
    }

    @Test
    void serverStartsServesAndStopsCleanlyOnSigterm(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        int port = Clients.freePort();
        ProcessBuilder pb = new ProcessBuilder("bin/fjord", "server",
                "--override", "listeners=PLAINTEXT://127.0.0.1:" + port, "--override", "fjord.console.listener=none",
                "--override", "log.dirs=" + data)
                .directory(root.toFile());
        pb.environment().put("FJORD_HEAP_OPTS", "-Xmx256m");
        try (FjordProcess node = FjordProcess.start(pb, tmp.resolve("fjord.out"), port)) {
            node.awaitReady(FIRST_START);
            String bootstrap = "127.0.0.1:" + port;
            try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
                for (int i = 0; i < 10; i++) {
                    assertThat(producer.send(new ProducerRecord<>("launched", "k" + i, "v" + i)).get(60, TimeUnit.SECONDS)
                            .offset()).isEqualTo(i);
                }
            }
            List<ConsumerRecord<String, String>> got =
                    Clients.readFromStart(bootstrap, List.of(new TopicPartition("launched", 0)), 10);
            assertThat(got).extracting(ConsumerRecord::value)
                    .containsExactly("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");

            node.process.destroy(); // SIGTERM; bin/fjord execs java, so the JVM gets it
            assertThat(node.process.waitFor(30, TimeUnit.SECONDS)).as("exited within 30 s of SIGTERM").isTrue();
            int exit = node.process.exitValue();
            System.out.println("bin/fjord exit code after SIGTERM: " + exit);
            assertThat(exit).as("exit code after SIGTERM; output:\n%s", node.outputSafely()).isIn(0, 143);
            assertThat(node.outputSafely()).contains("stopped cleanly");
            assertThat(data.resolve(LogManager.CLEAN_SHUTDOWN_FILE)).as("clean-shutdown marker").exists();
        }
    }

    @Test
    void badOverrideFailsWithAClearMessage(@TempDir Path tmp) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bin/fjord", "server", "--override", "nonsense").directory(root.toFile());
        try (FjordProcess run = FjordProcess.start(pb, tmp.resolve("bad.out"), -1)) {
            assertThat(run.process.waitFor(FIRST_START.toSeconds(), TimeUnit.SECONDS)).as("exited").isTrue();
            String out = run.outputSafely();
            assertThat(run.process.exitValue()).as("exit code; output:\n%s", out).isNotZero();
            assertThat(out).contains("--override expects key=value").contains("nonsense");
        }
    }

    @Test
    void badValueFailsWithAClearMessage(@TempDir Path tmp) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bin/fjord", "server", "--override", "num.partitions=many",
                "--override", "log.dirs=" + tmp.resolve("data")).directory(root.toFile());
        try (FjordProcess run = FjordProcess.start(pb, tmp.resolve("bad.out"), -1)) {
            assertThat(run.process.waitFor(FIRST_START.toSeconds(), TimeUnit.SECONDS)).as("exited").isTrue();
            String out = run.outputSafely();
            assertThat(run.process.exitValue()).as("exit code; output:\n%s", out).isNotZero();
            assertThat(out).contains("num.partitions").contains("many");
        }
    }
}
