package io.fjord.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of Kafka's command-line tools (a kafka-tools main class, e.g. the class behind
 * {@code kafka-reassign-partitions.sh}) as a child JVM on this JVM's class path, as the script would, and returns
 * its exit code and output. Bounded: a run past its time is killed and fails. Stateless.
 */
final class KafkaTool {
    private KafkaTool() {
    }

    record Result(int exitCode, String output) {
    }

    static Result run(Path dir, String mainClass, Duration atMost, List<String> args) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path out = Files.createTempFile(dir, mainClass.substring(mainClass.lastIndexOf('.') + 1), ".out");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                mainClass));
        cmd.addAll(args);
        Process p = ChildProcesses.track(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start());
        try {
            if (!p.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(mainClass + " " + args + " still running after " + atMost + "; output:\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
