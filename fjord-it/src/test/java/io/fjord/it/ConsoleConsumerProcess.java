package io.fjord.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Kafka's own console consumer ({@code kafka-console-consumer.sh}, kafka-tools' ConsoleConsumer) as a child JVM,
 * a member of a consumer group, printing each record's value on a line of its own to a file the test reads.
 * {@link #close} stops it with SIGTERM, so it leaves its group and commits as the script does on Ctrl-C.
 */
final class ConsoleConsumerProcess implements AutoCloseable {
    private final Process process;
    private final Path out;
    private final Path err;

    private ConsoleConsumerProcess(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /** The last lines the console consumer wrote to stderr (its log). */
    String errTail() throws IOException {
        List<String> lines = Files.readAllLines(err, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    static ConsoleConsumerProcess start(Path dir, String name, String bootstrap, String topic, String group,
                                        List<String> consumerProperties) throws IOException {
        Files.createDirectories(dir);
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "org.apache.kafka.tools.consumer.ConsoleConsumer", "--bootstrap-server", bootstrap, "--topic", topic,
                "--group", group, "--from-beginning"));
        for (String p : consumerProperties) {
            cmd.add("--consumer-property");
            cmd.add(p);
        }
        Process p = ChildProcesses.track(new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start());
        return new ConsoleConsumerProcess(p, out, err);
    }

    /**
     * The printed lines that match {@code value} (the tool's stdout also carries its log when no log config is
     * found, so records are told apart by their shape); a last line still being written is left out.
     */
    List<String> values(java.util.regex.Pattern value) throws IOException {
        String text = Files.readString(out, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        if (end < 0) return List.of();
        return java.util.Arrays.stream(text.substring(0, end).split("\n")).filter(l -> value.matcher(l).matches()).toList();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
