package io.fjord.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * Kafka's {@code org.apache.kafka.tools.VerifiableProducer} (kafka-tools, the tool behind
 * {@code kafka-verifiable-producer.sh}) as a child JVM on this JVM's class path. It sends increasing integers as
 * values with acks=all (its {@code --acks} default) and prints one JSON line per acknowledged
 * ({@code producer_send_success}: partition, offset, value) or failed ({@code producer_send_error}) record; this
 * class reads those lines incrementally from the output file. Its own log goes to a separate file (stderr).
 *
 * <p>The tool itself sets {@code retries=0}, which also turns the producer's idempotence off (an explicit
 * retries=0 wins over the idempotence default), so a leader's death would fail every record in flight. This class
 * therefore passes kafka-clients' own defaults back through {@code --command-config} ({@code retries} = MAX_INT,
 * {@code enable.idempotence=true}), as Kafka's system tests configure the tool when they need retries.
 * Thread-safe reads ({@link #acks()}), one owner for start/stop; always {@link #close()}.
 */
final class VerifiableProducerProcess implements AutoCloseable {
    /** One acknowledged record. {@code timestampMs} is when the producer's callback ran (this host's clock). */
    record Ack(int partition, long offset, String key, String value, long timestampMs) {
    }

    /** One record the producer gave up on. */
    record Failure(String key, String value, String exception, String message, long timestampMs) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final List<Ack> acks = new ArrayList<>();
    private final List<Failure> failures = new ArrayList<>();
    private long readPosition;
    private boolean shutdownComplete;
    private long toolDataAcked = -1;

    private VerifiableProducerProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * @param throughput    messages/s cap (VerifiableProducer's {@code --throughput})
     * @param repeatingKeys keys 0..n-1 in turn (spreads records over every partition by key hash), 0 for no keys
     * @param extraConfig   producer settings on top of retries=MAX_INT, enable.idempotence=true (see the class comment)
     */
    static VerifiableProducerProcess start(Path dir, String name, String bootstrap, String topic, int throughput,
                                           int repeatingKeys, Map<String, String> extraConfig) throws IOException {
        return start(dir, name, bootstrap, topic, throughput, repeatingKeys, extraConfig, -1);
    }

    /** As above; {@code maxMessages} > 0: the tool sends that many records, then exits (its {@code --max-messages}). */
    static VerifiableProducerProcess start(Path dir, String name, String bootstrap, String topic, int throughput,
                                           int repeatingKeys, Map<String, String> extraConfig, int maxMessages)
            throws IOException {
        Files.createDirectories(dir);
        Path logback = dir.resolve(name + "-logback.xml");
        // The JSON lines must be alone on stdout, so the tool's own logging goes to stderr.
        Files.writeString(logback, """
                <configuration>
                  <appender name="ERR" class="ch.qos.logback.core.ConsoleAppender">
                    <target>System.err</target>
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n</pattern></encoder>
                  </appender>
                  <logger name="org.apache.kafka" level="INFO"/>
                  <root level="WARN"><appender-ref ref="ERR"/></root>
                </configuration>
                """);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dlogback.configurationFile=" + logback,
                "-cp", System.getProperty("java.class.path"), "org.apache.kafka.tools.VerifiableProducer",
                "--topic", topic, "--bootstrap-server", bootstrap, "--throughput", Integer.toString(throughput)));
        if (repeatingKeys > 0) cmd.addAll(List.of("--repeating-keys", Integer.toString(repeatingKeys)));
        if (maxMessages > 0) cmd.addAll(List.of("--max-messages", Integer.toString(maxMessages)));
        Path config = dir.resolve(name + ".properties");
        Properties props = new Properties();
        props.put("retries", Integer.toString(Integer.MAX_VALUE));
        props.put("enable.idempotence", "true");
        props.putAll(extraConfig);
        try (Writer w = Files.newBufferedWriter(config)) {
            props.store(w, "passed with --command-config; overrides the tool's retries=0");
        }
        cmd.addAll(List.of("--command-config", config.toString()));
        Path out = dir.resolve(name + ".jsonl");
        Path err = dir.resolve(name + ".log");
        Process p = ChildProcesses.track(new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start());
        return new VerifiableProducerProcess(p, out, err);
    }

    /** Reads the complete lines written since the last call. */
    private synchronized void poll() {
        try (RandomAccessFile f = new RandomAccessFile(stdout.toFile(), "r")) {
            long length = f.length();
            if (length <= readPosition) return;
            byte[] bytes = new byte[(int) Math.min(length - readPosition, 64L * 1024 * 1024)];
            f.seek(readPosition);
            f.readFully(bytes);
            int lineStart = 0;
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] != '\n') continue;
                parse(new String(bytes, lineStart, i - lineStart, StandardCharsets.UTF_8));
                lineStart = i + 1;
            }
            readPosition += lineStart; // a partial last line is read again next time
        } catch (IOException e) {
            throw new AssertionError("reading " + stdout, e);
        }
    }

    private void parse(String line) throws IOException {
        if (!line.startsWith("{")) return;
        JsonNode n = JSON.readTree(line);
        String name = n.path("name").asText();
        long ts = n.path("timestamp").asLong();
        switch (name) {
            case "producer_send_success" -> acks.add(new Ack(n.get("partition").asInt(), n.get("offset").asLong(),
                    text(n, "key"), text(n, "value"), ts));
            case "producer_send_error" -> failures.add(new Failure(text(n, "key"), text(n, "value"),
                    text(n, "exception"), text(n, "message"), ts));
            case "shutdown_complete" -> shutdownComplete = true;
            case "tool_data" -> toolDataAcked = n.path("acked").asLong(-1);
            default -> {
            }
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** Every acknowledgement printed so far, in the order printed. */
    synchronized List<Ack> acks() {
        poll();
        return List.copyOf(acks);
    }

    synchronized int ackCount() {
        poll();
        return acks.size();
    }

    synchronized List<Failure> failures() {
        poll();
        return List.copyOf(failures);
    }

    /** Waits until at least {@code n} more records than {@code from} were acknowledged, failing fast if the tool died. */
    void awaitAcks(int from, int n, Duration atMost) {
        Awaitility.await("verifiable producer: " + n + " more acks").atMost(atMost).pollInterval(Duration.ofMillis(50))
                .failFast("the verifiable producer exited: " + this, () -> !process.isAlive())
                .until(() -> ackCount() >= from + n);
    }

    /** The first acknowledgement of {@code partition} timestamped at or after {@code sinceMs}, or null. */
    synchronized Ack firstAckAfter(int partition, long sinceMs) {
        poll();
        for (Ack a : acks) if (a.partition() == partition && a.timestampMs() >= sinceMs) return a;
        return null;
    }

    /**
     * SIGTERM: the tool's shutdown hook closes the producer (which sends what is queued and waits for the answers)
     * and prints its summary. Waits for the exit; past {@code atMost} it is killed and the test fails.
     */
    void stop(Duration atMost) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("the verifiable producer did not stop within " + atMost + " of SIGTERM: " + this);
        }
        poll();
    }

    /** Waits for the tool to exit by itself (after {@code --max-messages}); past {@code atMost} the test fails. */
    void awaitExit(Duration atMost) throws InterruptedException {
        if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the verifiable producer still runs after " + atMost + ": " + this);
        }
        poll();
    }

    synchronized boolean shutdownComplete() {
        poll();
        return shutdownComplete;
    }

    /** The {@code acked} count of the tool's final summary, -1 if it printed none. */
    synchronized long summaryAcked() {
        poll();
        return toolDataAcked;
    }

    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(stderr);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public String toString() {
        return "VerifiableProducer(" + stdout + ", log " + stderr + ")";
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
