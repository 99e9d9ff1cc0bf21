package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, check 4: the tarball {@code mvn package} builds (fjord-cli/target/fjord-&lt;version&gt;.tar.gz), unpacked
 * in a temp folder far from the sources, starts a broker with its own {@code bin/fjord} and {@code config/}, and
 * kafka-clients use it; its console answers /metrics. Every bundled jar has a licence line.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DistributionTest {
    @Test
    void theUnpackedTarballRunsABrokerThatKafkaClientsUse(@TempDir Path tmp) throws Exception {
        Path tarball = findTarball();
        Path home = unpack(tarball, tmp.resolve("unpacked"));
        assertThat(home.resolve("bin/fjord")).isExecutable();
        assertThat(Files.readString(home.resolve("config/server.properties"))).contains("# ").contains("fjord.console.listener");
        checkLicences(home);

        Path work = Files.createDirectories(tmp.resolve("work")); // the working folder: no sources, no Maven project
        int port = Clients.freePort();
        int console = Clients.freePort();
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/fjord").toString(), "server",
                "--override", "listeners=PLAINTEXT://127.0.0.1:" + port,
                "--override", "fjord.console.listener=http://127.0.0.1:" + console).directory(work.toFile());
        pb.environment().put("FJORD_HEAP_OPTS", "-Xmx256m");
        pb.environment().put("FJORD_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        try (FjordProcess node = FjordProcess.start(pb, tmp.resolve("fjord.out"), port)) {
            node.awaitReady(Duration.ofSeconds(90));
            String bootstrap = "127.0.0.1:" + port;
            try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
                for (int i = 0; i < 20; i++) producer.send(new ProducerRecord<>("from-tarball", "k" + i, "v" + i)).get(60, TimeUnit.SECONDS);
            }
            List<ConsumerRecord<String, String>> got = Clients.readFromStart(bootstrap, List.of(new TopicPartition("from-tarball", 0)), 20);
            assertThat(got).extracting(ConsumerRecord::value).startsWith("v0", "v1").hasSize(20).endsWith("v19");
            PrometheusScrape s = PrometheusScrape.of(console);
            assertThat(s.value("kafka_server_brokertopicmetrics_messagesin_total", "topic=\"from-tarball\"")).isEqualTo(20);
            // The sample config's ./data, relative to the working folder.
            assertThat(work.resolve("data/from-tarball-0")).isDirectory();
            node.process.destroy();
            assertThat(node.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(node.outputSafely()).contains("stopped cleanly");
        }
    }

    private static void checkLicences(Path home) throws Exception {
        List<String> prefixes = new ArrayList<>();
        boolean table = false;
        for (String line : Files.readAllLines(home.resolve("licenses/LICENSES.txt"))) {
            if (line.startsWith("jar name prefix")) {
                table = true;
            } else if (table && !line.isBlank()) {
                prefixes.add(line.split("\\s+")[0]);
            }
        }
        try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
            List<String> names = jars.map(p -> p.getFileName().toString()).toList();
            assertThat(names).anyMatch(n -> n.startsWith("fjord-broker-")).noneMatch(n -> n.startsWith("kafka-clients"));
            for (String n : names) {
                assertThat(prefixes).as("a licence line for lib/%s", n).anyMatch(n::startsWith);
            }
        }
        assertThat(home.resolve("licenses/BUNDLED.txt")).isRegularFile();
    }

    private static Path findTarball() throws Exception {
        Path cwd = Path.of("").toAbsolutePath();
        for (Path p = cwd; p != null; p = p.getParent()) {
            Path target = p.resolve("fjord-cli/target");
            if (Files.isDirectory(target)) {
                try (Stream<Path> s = Files.list(target)) {
                    var found = s.filter(f -> f.getFileName().toString().matches("fjord-.*\\.tar\\.gz")).findFirst();
                    if (found.isPresent()) return found.get();
                }
            }
        }
        throw new AssertionError("no fjord-cli/target/fjord-*.tar.gz above " + cwd + " (run mvn package first)");
    }

    private static Path unpack(Path tarball, Path into) throws Exception {
        Files.createDirectories(into);
        Process tar = new ProcessBuilder("tar", "xzf", tarball.toString(), "-C", into.toString()).redirectErrorStream(true).start();
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).as("tar finished").isTrue();
        assertThat(tar.exitValue()).as("tar: %s", new String(tar.getInputStream().readAllBytes())).isZero();
        try (Stream<Path> s = Files.list(into)) {
            return s.filter(Files::isDirectory).findFirst().orElseThrow();
        }
    }
}
