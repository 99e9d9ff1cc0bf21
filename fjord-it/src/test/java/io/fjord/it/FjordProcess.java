package io.fjord.it;

import io.fjord.protocol.api.ApiVersionsApi;
import io.fjord.protocol.types.Struct;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A Fjord node in a child process, its output going to a file. Always {@link #close()} it (kills it if alive, after
 * a SIGCONT if it was frozen). Signals: {@link #kill9()}, {@link #terminate(Duration)} (SIGTERM, a clean stop),
 * {@link #freeze()} / {@link #thaw()} (SIGSTOP / SIGCONT). Not thread-safe: one test thread drives it.
 */
final class FjordProcess implements AutoCloseable {
    final Process process;
    final Path output;
    final int port;
    private volatile boolean frozen;

    private FjordProcess(Process process, Path output, int port) {
        this.process = process;
        this.output = output;
        this.port = port;
    }

    /** {@code java -cp <this JVM's class path> io.fjord.cli.Fjord server --override ...}. */
    static FjordProcess startJava(Path workDir, Path output, int port, List<String> overrides) throws IOException {
        return startJava(workDir, output, port, null, overrides);
    }

    /**
     * {@code java -cp <this JVM's class path> io.fjord.cli.Fjord server [propertiesFile] --override ...}, as
     * {@code bin/fjord server server.properties} runs it.
     */
    static FjordProcess startJava(Path workDir, Path output, int port, Path propertiesFile, List<String> overrides)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "io.fjord.cli.Fjord", "server"));
        if (propertiesFile != null) cmd.add(propertiesFile.toString());
        if (overrides.stream().noneMatch(o -> o.startsWith("fjord.console.listener="))
                && (propertiesFile == null || !Files.readString(propertiesFile).contains("fjord.console.listener"))) {
            // The console's default port (8080) is shared by every test on the machine: off unless a test asks.
            cmd.add("--override");
            cmd.add("fjord.console.listener=none");
        }
        for (String o : overrides) {
            cmd.add("--override");
            cmd.add(o);
        }
        return start(new ProcessBuilder(cmd).directory(workDir.toFile()), output, port);
    }

    static FjordProcess start(ProcessBuilder pb, Path output, int port) throws IOException {
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
        return new FjordProcess(ChildProcesses.track(pb.start()), output, port);
    }

    /** Waits until the node answers ApiVersions on its port (handlers registered), failing fast if it dies. */
    FjordProcess awaitReady(Duration atMost) {
        try {
            Awaitility.await("Fjord on port " + port + " ready").atMost(atMost).pollInterval(Duration.ofMillis(100))
                    .failFast("the Fjord process exited", () -> !process.isAlive())
                    .until(this::answersApiVersions);
        } catch (RuntimeException e) {
            throw new AssertionError(e.getMessage() + "; its output:\n" + outputSafely(), e);
        }
        return this;
    }

    private boolean answersApiVersions() {
        if (!Clients.accepts(port)) return false;
        try (RawClient c = new RawClient(port)) {
            c.socket().setSoTimeout(5000);
            Struct r = c.request(ApiVersionsApi.SPEC, (short) 3, ApiVersionsApi.SPEC.newRequest()
                    .set("ClientSoftwareName", "fjord-it").set("ClientSoftwareVersion", "1"));
            return r.getShort("ErrorCode") == 0
                    && r.getStructs("ApiKeys").stream().anyMatch(k -> k.getShort("ApiKey") == 0);
        } catch (IOException | RuntimeException | AssertionError e) {
            return false;
        }
    }

    String outputSafely() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isFrozen() {
        return frozen;
    }

    /** SIGKILL; returns the exit code. */
    int kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError("process did not die after SIGKILL");
        frozen = false;
        return process.exitValue();
    }

    /**
     * SIGTERM (the JVM's shutdown hook closes the broker cleanly) and waits for the exit; a process still alive
     * after {@code atMost} fails the test and is killed.
     */
    int terminate(Duration atMost) throws IOException, InterruptedException {
        if (frozen) thaw();
        process.destroy();
        if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("process " + pid() + " did not stop within " + atMost + " of SIGTERM; output:\n"
                    + outputSafely());
        }
        return process.exitValue();
    }

    /** SIGSTOP: the process keeps its sockets open but answers nothing until {@link #thaw()}. */
    void freeze() throws IOException, InterruptedException {
        signal("STOP");
        frozen = true;
    }

    /** SIGCONT. */
    void thaw() throws IOException, InterruptedException {
        signal("CONT");
        frozen = false;
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            kill.destroyForcibly();
            throw new AssertionError("kill -" + name + " " + pid() + " failed: "
                    + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            if (frozen) {
                try {
                    thaw(); // first, so a node never lingers stopped (holding its ports) should the SIGKILL below fail
                } catch (IOException | AssertionError e) {
                    // SIGKILL below still ends it
                }
            }
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
