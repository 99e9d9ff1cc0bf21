package io.fjord.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Kafka's {@code org.apache.kafka.tools.TransactionalMessageCopier} (kafka-tools, the copier of Kafka's own
 * transactions system test) as a child JVM on this JVM's class path: it consumes one input partition
 * (read_committed), writes each record to the output topic inside a transaction of {@code --transaction-size}
 * records and commits the consumed offsets in the same transaction ({@code --use-group-metadata}: the
 * sendOffsetsToTransaction form with the consumer's group metadata). It prints one JSON status line per
 * transaction ({@code consumed}, {@code remaining}, {@code totalProcessed}) and exits once nothing remains up to the
 * input's end offset as of its start. A copier killed and started again with the same {@code --transactional-id}
 * fences its predecessor and resumes from the committed offsets. One owner thread; always {@link #close()}.
 */
final class TransactionalCopierProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private TransactionalCopierProcess(String name, Process process, Path stdout, Path stderr) {
        this.name = name;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts a copier; {@code start} numbers the incarnation (each gets its own output files). */
    static TransactionalCopierProcess start(Path dir, String transactionalId, int start, String bootstrap, String input,
                                            int partition, String output, String group, int transactionSize)
            throws IOException {
        Files.createDirectories(dir);
        String name = transactionalId + "-" + start;
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
                "-cp", System.getProperty("java.class.path"), "org.apache.kafka.tools.TransactionalMessageCopier",
                "--broker-list", bootstrap, "--input-topic", input, "--input-partition", Integer.toString(partition),
                "--output-topic", output, "--transactional-id", transactionalId, "--consumer-group", group,
                "--transaction-size", Integer.toString(transactionSize), "--transaction-timeout", "10000",
                "--use-group-metadata"));
        Path out = dir.resolve(name + ".jsonl");
        Path err = dir.resolve(name + ".log");
        Process p = ChildProcesses.track(new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start());
        return new TransactionalCopierProcess(name, p, out, err);
    }

    /** The last complete status line, or null before the first. */
    JsonNode lastStatus() {
        try {
            if (!Files.exists(stdout)) return null;
            List<String> lines = Files.readAllLines(stdout);
            String last = null;
            for (String l : lines) if (l.startsWith("{") && l.endsWith("}")) last = l;
            return last == null ? null : JSON.readTree(last);
        } catch (IOException e) {
            return null; // a line being written; read again next time
        }
    }

    /** Records this incarnation has copied (its {@code totalProcessed}), 0 before its first status. */
    long processed() {
        JsonNode s = lastStatus();
        return s == null ? 0 : s.path("totalProcessed").asLong(0);
    }

    /** The {@code remaining} of the last status, -1 before the first. */
    long remaining() {
        JsonNode s = lastStatus();
        return s == null ? -1 : s.path("remaining").asLong(-1);
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Exit code, or null while it runs. */
    Integer exitCode() {
        return process.isAlive() ? null : process.exitValue();
    }

    void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError(name + " survived kill -9");
    }

    boolean awaitExit(Duration atMost) throws InterruptedException {
        return process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS);
    }

    String logTail(int lines) {
        try {
            List<String> all = new ArrayList<>(Files.readAllLines(stderr));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public String toString() {
        return "TransactionalMessageCopier(" + name + ", status " + stdout + ", log " + stderr + ")";
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
