package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.cli.Fjord;
import io.fjord.cli.ProduceCommand;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.FjordConsumer;
import io.fjord.client.consumer.OffsetAndMetadata;
import io.fjord.client.serialization.StringDeserializer;
import org.awaitility.Awaitility;
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

    /** On a single node every partition has its one replica in sync and leads: the report options print nothing. */
    @Test
    void describeReportOptionsPrintNothingOnAHealthySingleNode() {
        assertThat(run(null, "topic", "create", "cli-r", "--partitions", "3", "--bootstrap-server", bs()).code()).isZero();
        for (String option : List.of("--under-replicated-partitions", "--unavailable-partitions")) {
            Result r = run(null, "topic", "describe", "cli-r", option, "--bootstrap-server", bs());
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).as(option + " on one topic").isEmpty();
            r = run(null, "topic", "describe", option, "--bootstrap-server", bs());
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).as(option + " on all topics").isEmpty();
        }
        Result r = run(null, "topic", "describe", "cli-r", "--under-replicated-partitions", "--unavailable-partitions",
                "--bootstrap-server", bs());
        assertThat(r.code()).as("the two report options together are refused").isEqualTo(2);
        assertThat(r.err()).contains("cannot be used together");
        assertThat(r.out()).isEmpty();
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
    void groupListAndDescribeShowMembersAssignmentsOffsetsAndLag() {
        assertThat(run(null, "topic", "create", "cli-g", "--partitions", "2", "--bootstrap-server", bs()).code()).isZero();
        Result r = run("a\nb\nc\nd\ne\nf\n", "produce", "cli-g", "--partition", "0", "--bootstrap-server", bs());
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("bootstrap.servers", bs());
        cfg.put("group.id", "cli-group");
        cfg.put("client.id", "cli-member");
        cfg.put("enable.auto.commit", "false");
        cfg.put("auto.offset.reset", "earliest");
        try (FjordConsumer<String, String> c = new FjordConsumer<>(cfg, new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of("cli-g"));
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                c.poll(Duration.ofMillis(100));
                return c.assignment().size() == 2;
            });
            c.commitSync(Map.of(new TopicPartition("cli-g", 0), new OffsetAndMetadata(4)));

            r = run(null, "group", "list", "--bootstrap-server", bs());
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out().lines()).contains("cli-group\tStable\tconsumer");

            r = run(null, "group", "describe", "cli-group", "--bootstrap-server", bs());
            assertThat(r.code()).as(r.err()).isZero();
            String member = c.groupMemberId();
            assertThat(r.out()).contains("State: Stable", "Protocol: range", "Members: 1",
                    member + "\t-\tcli-member\t", "cli-g-0,cli-g-1");
            // committed 4, log end 6: lag 2; partition 1 has no commit.
            assertThat(r.out().lines()).contains("cli-g\t0\t4\t6\t2\t" + member, "cli-g\t1\t-\t0\t-\t" + member);
        }
        r = run(null, "group", "describe", "no-such-group", "--bootstrap-server", bs());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).containsAnyOf("GROUP_ID_NOT_FOUND", "does not exist");
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
