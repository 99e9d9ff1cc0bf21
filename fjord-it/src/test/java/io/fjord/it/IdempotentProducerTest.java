package io.fjord.it;

import static io.fjord.it.ExactlyOnce.assertExactlyOnceInOrder;
import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.it.ExactlyOnce.Sending;
import io.fjord.it.ExactlyOnce.Sink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The idempotent producer end to end: kafka-clients and Kafka's own tools with default settings, and exactly-once
 * appends while a proxy loses produce responses and the broker is restarted or killed.
 */
class IdempotentProducerTest {

    /** kafka-clients' defaults (idempotence on, acks=all, 5 in flight) plus bounded timeouts. */
    static KafkaProducer<String, String> defaultProducer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    @Test
    void defaultProducerConsoleProducerAndProducerPerformanceWork(@TempDir Path tmp) throws Exception {
        try (TestBroker b = new TestBroker(tmp.resolve("data")).start()) {
            Clients.createTopic(b.bootstrap(), "defaults", 2);
            try (KafkaProducer<String, String> p = defaultProducer(b.bootstrap())) {
                List<CompletableFuture<Void>> acks = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    CompletableFuture<Void> f = new CompletableFuture<>();
                    p.send(new ProducerRecord<>("defaults", "k" + i, "v" + i),
                            (md, e) -> { if (e == null) f.complete(null); else f.completeExceptionally(e); });
                    acks.add(f);
                }
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            }
            assertThat(Clients.readFromStart(b.bootstrap(),
                    List.of(new TopicPartition("defaults", 0), new TopicPartition("defaults", 1)), 1000)).hasSize(1000);

            Clients.createTopic(b.bootstrap(), "console", 1);
            String lines = IntStream.range(0, 100).mapToObj(i -> "line-" + i + "\n").reduce("", String::concat);
            Tool console = Tool.run(tmp, "org.apache.kafka.tools.ConsoleProducer", lines,
                    "--bootstrap-server", b.bootstrap(), "--topic", "console");
            assertThat(console.exit).as(console.output).isZero();
            List<ConsumerRecord<String, String>> read =
                    Clients.readFromStart(b.bootstrap(), List.of(new TopicPartition("console", 0)), 100);
            assertThat(read).extracting(ConsumerRecord::value).containsExactlyElementsOf(
                    IntStream.range(0, 100).mapToObj(i -> "line-" + i).toList());

            Tool perf = Tool.run(tmp, "org.apache.kafka.tools.ProducerPerformance", "", "--topic", "perf",
                    "--num-records", "20000", "--record-size", "100", "--throughput", "-1",
                    "--producer-props", "bootstrap.servers=" + b.bootstrap());
            assertThat(perf.exit).as(perf.output).isZero();
            assertThat(perf.output).contains("20000 records sent").doesNotContain("Exception");
        }
    }

    /** A Kafka tool run as a child process with this JVM's class path. */
    record Tool(int exit, String output) {
        static Tool run(Path dir, String mainClass, String stdin, String... args) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), mainClass));
            cmd.addAll(List.of(args));
            Path out = Files.createTempFile(dir, "tool", ".out");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
                if (!p.waitFor(90, TimeUnit.SECONDS)) throw new AssertionError(mainClass + " did not finish: " + Files.readString(out));
                return new Tool(p.exitValue(), Files.readString(out));
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void lostProduceResponsesAreRetriedWithoutDuplicates(@TempDir Path tmp) throws Exception {
        int count = 100_000;
        try (ResponseDroppingProxy proxy = new ResponseDroppingProxy();
             TestBroker b = new TestBroker(tmp.resolve("data"),
                     Map.of("advertised.listeners", "PLAINTEXT://127.0.0.1:" + proxy.port())).start()) {
            proxy.target(b.port());
            Clients.createTopic(proxy.bootstrap(), "dups", 3);
            proxy.dropEveryNthProduceResponse(7, 25);
            try (KafkaProducer<String, String> p = defaultProducer(proxy.bootstrap())) {
                Sending s = Sending.start(Sink.of(p), "dups", count);
                s.awaitAcked(count);
            }
            assertThat(proxy.dropped.get()).as("responses lost").isGreaterThanOrEqualTo(3);
            assertExactlyOnceInOrder(proxy.bootstrap(), "dups", 3, count);
        }
    }

    /**
     * Responses of appended batches are lost right before the node is killed with SIGKILL (then before a clean
     * restart); after recovery the client's retries of those batches must be recognised as duplicates.
     */
    @Test
    void retriesAfterKillMinus9AndAfterACleanRestartAreStillDuplicates(@TempDir Path tmp) throws Exception {
        ExactlyOnce.survivesLostResponsesAcrossKillAndCleanRestart(tmp, 60_000, bootstrap -> {
            var producer = defaultProducer(bootstrap);
            return ExactlyOnce.OwnedSink.of(ExactlyOnce.Sink.of(producer), producer);
        });
    }
}
