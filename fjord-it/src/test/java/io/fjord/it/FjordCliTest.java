package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.cli.Fjord;
import io.fjord.cli.ProduceCommand;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The client subcommands of {@code fjord}, run in-process with captured output. */
class FjordCliTest {
    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = new TestBroker(dir).start();
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    record Result(int code, String out, String err) {
    }

    static Result run(String stdin, String... args) {
        CommandLine cl = Fjord.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        if (stdin != null) {
            ((ProduceCommand) cl.getSubcommands().get("produce").getCommand()).input =
                    new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        }
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    String bs() {
        return broker.bootstrap();
    }

    @Test
    void topicLifecycle() {
        Result r = run(null, "topic", "create", "cli-t", "--partitions", "3", "--replication-factor", "1",
                "--config", "segment.bytes=1048576", "--bootstrap-server", bs());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Created topic cli-t");

        r = run(null, "topic", "list", "--bootstrap-server", bs());
        assertThat(r.out().lines()).contains("cli-t");

        r = run(null, "topic", "describe", "cli-t", "--bootstrap-server", bs());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Topic: cli-t", "PartitionCount: 3", "ReplicationFactor: 1", "segment.bytes=1048576",
                "Partition: 2", "Leader: ", "Isr: ");

        r = run(null, "topic", "create", "cli-t", "--partitions", "3", "--bootstrap-server", bs());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("TOPIC_ALREADY_EXISTS");

        r = run(null, "topic", "delete", "cli-t", "--bootstrap-server", bs());
        assertThat(r.code()).as(r.err()).isZero();
        r = run(null, "topic", "describe", "cli-t", "--bootstrap-server", bs());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("UNKNOWN_TOPIC_OR_PARTITION");
    }

    @Test
    void produceFromStdinAndConsumeWithMaxMessages() {
        assertThat(run(null, "topic", "create", "cli-p", "--partitions", "1", "--bootstrap-server", bs()).code()).isZero();
        Result r = run("k1\tone\nk2\ttwo\nk3\tthree\n", "produce", "cli-p", "--parse-key", "--header", "h=v",
                "--acks", "1", "--compression", "lz4", "--bootstrap-server", bs());
        assertThat(r.code()).as(r.err()).isZero();

        r = run(null, "consume", "cli-p", "--from-beginning", "--max-messages", "3", "--print-key", "--bootstrap-server", bs());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines()).containsExactly("k1\tone", "k2\ttwo", "k3\tthree");

        r = run(null, "consume", "cli-p", "--partition", "0", "--offset", "1", "--max-messages", "2", "--format", "json",
                "--bootstrap-server", bs());
        assertThat(r.out().lines()).hasSize(2);
        assertThat(r.out().lines().findFirst().orElseThrow()).contains("\"offset\":1", "\"key\":\"k2\"", "\"value\":\"two\"",
                "\"headers\":{\"h\":\"v\"}");

        r = run(null, "consume", "cli-p", "--from-timestamp", "0", "--max-messages", "1", "--bootstrap-server", bs());
        assertThat(r.out().lines()).containsExactly("one");
    }

    @Test
    void badInputGetsClearMessages() {
        Result r = run(null, "produce", "x", "--acks", "2", "--bootstrap-server", bs());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--acks must be 0, 1 or all");
        r = run(null, "consume", "x", "--offset", "3", "--bootstrap-server", bs());
        assertThat(r.err()).contains("--offset needs --partition");
        r = run(null, "topic", "create", "y", "--partitions", "0", "--bootstrap-server", bs());
        assertThat(r.err()).contains("--partitions must be at least 1");
        r = run(null, "topic", "list", "--bootstrap-server", "nohostport");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("Invalid bootstrap server 'nohostport'");
        r = run(null, "consume", "x", "--from-timestamp", "yesterday", "--bootstrap-server", bs());
        assertThat(r.err()).contains("--from-timestamp expects epoch milliseconds or an ISO-8601 instant");
    }
}
