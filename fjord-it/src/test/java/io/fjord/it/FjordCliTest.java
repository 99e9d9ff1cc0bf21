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

    @Test
    void clusterStatusShowsBrokersControllerQuorumAndNoUnderReplicatedPartitions() {
        assertThat(run(null, "topic", "create", "cli-status", "--partitions", "2", "--bootstrap-server", bs()).code()).isZero();
        Result r = run(null, "cluster", "status", "--bootstrap-server", bs());
        assertThat(r.code()).as(r.err()).isZero();
        String id = Integer.toString(broker.broker().config().nodeId());
        assertThat(r.out()).contains("ClusterId: ", "Controller: " + id, "Quorum: LeaderId: " + id, "MaxFollowerLag: 0",
                "Under-replicated partitions: 0");
        assertThat(r.out().lines()).anyMatch(l -> l.startsWith(id + "\t127.0.0.1:") || l.startsWith(id + "\tlocalhost:"));
        assertThat(r.out().lines()).anyMatch(l -> l.matches(id + "\t\\d+\t0\tLeader"));
    }

    @Test
    void configGetSetDeleteForTopicsBrokersAndGroups() {
        assertThat(run(null, "topic", "create", "cli-cfg", "--partitions", "1", "--bootstrap-server", bs()).code()).isZero();
        Result r = run(null, "config", "set", "--topic", "cli-cfg", "retention.ms=3600000", "cleanup.policy=compact", "--bootstrap-server", bs());
        assertThat(r.code()).as(r.err()).isZero();
        r = run(null, "config", "get", "--topic", "cli-cfg", "--bootstrap-server", bs());
        assertThat(r.out().lines()).containsExactlyInAnyOrder("retention.ms=3600000\tDYNAMIC_TOPIC_CONFIG",
                "cleanup.policy=compact\tDYNAMIC_TOPIC_CONFIG");
        r = run(null, "config", "get", "--topic", "cli-cfg", "--all", "--bootstrap-server", bs());
        assertThat(r.out().lines()).contains("retention.ms=3600000\tDYNAMIC_TOPIC_CONFIG")
                .anyMatch(l -> l.startsWith("segment.bytes=") && l.endsWith("\tDEFAULT_CONFIG"));
        r = run(null, "config", "delete", "--topic", "cli-cfg", "retention.ms", "--bootstrap-server", bs());
        assertThat(r.code()).as(r.err()).isZero();
        r = run(null, "config", "get", "--topic", "cli-cfg", "--bootstrap-server", bs());
        assertThat(r.out().lines()).containsExactly("cleanup.policy=compact\tDYNAMIC_TOPIC_CONFIG");
        r = run(null, "config", "get", "--topic", "cli-cfg", "retention.ms", "--bootstrap-server", bs());
        assertThat(r.out().lines()).containsExactly("retention.ms=604800000\tDEFAULT_CONFIG");

        String id = Integer.toString(broker.broker().config().nodeId());
        r = run(null, "config", "set", "--broker", id, "log.retention.ms=7200000", "--bootstrap-server", bs());
        assertThat(r.code()).as(r.err()).isZero();
        r = run(null, "config", "get", "--broker", id, "log.retention.ms", "--bootstrap-server", bs());
        assertThat(r.out().lines()).containsExactly("log.retention.ms=7200000\tDYNAMIC_BROKER_CONFIG");
        r = run(null, "config", "delete", "--broker", id, "log.retention.ms", "--bootstrap-server", bs());
        assertThat(r.code()).as(r.err()).isZero();
        r = run(null, "config", "get", "--broker", id, "--bootstrap-server", bs());
        assertThat(r.out()).doesNotContain("log.retention.ms");
        r = run(null, "config", "set", "--broker", id, "num.io.threads=3", "--bootstrap-server", bs());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("num.io.threads");

        r = run(null, "config", "set", "--group", "cli-cfg-group", "consumer.session.timeout.ms=50000", "--bootstrap-server", bs());
        assertThat(r.code()).as(r.err()).isZero();
        r = run(null, "config", "get", "--group", "cli-cfg-group", "--bootstrap-server", bs());
        assertThat(r.out().lines()).containsExactly("consumer.session.timeout.ms=50000\tGROUP_CONFIG");
        r = run(null, "config", "delete", "--group", "cli-cfg-group", "consumer.session.timeout.ms", "--bootstrap-server", bs());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(run(null, "config", "get", "--group", "cli-cfg-group", "--bootstrap-server", bs()).out()).isEmpty();

        r = run(null, "config", "get", "--topic", "cli-cfg", "--broker", id, "--bootstrap-server", bs());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("mutually exclusive");
    }

    @Test
    void topicDescribeAllShowsEveryEffectiveConfigWithItsSource() {
        assertThat(run(null, "topic", "create", "cli-all", "--partitions", "1", "--config", "max.message.bytes=2000000",
                "--bootstrap-server", bs()).code()).isZero();
        Result r = run(null, "topic", "describe", "cli-all", "--all", "--bootstrap-server", bs());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> configLines = r.out().lines().filter(l -> l.startsWith("\tConfig: ")).toList();
        assertThat(configLines).contains("\tConfig: max.message.bytes=2000000\tDYNAMIC_TOPIC_CONFIG")
                .anyMatch(l -> l.startsWith("\tConfig: cleanup.policy=delete\t"))
                .anyMatch(l -> l.startsWith("\tConfig: retention.ms=") && l.endsWith("\tDEFAULT_CONFIG"));
        assertThat(configLines.size()).isGreaterThan(15);
        assertThat(run(null, "topic", "describe", "cli-all", "--all", "--under-replicated-partitions", "--bootstrap-server", bs()).code())
                .isEqualTo(2);
    }

    @Test
    void perfProduceThenConsumePrintProgressAndKafkaStyleSummaries() {
        assertThat(run(null, "topic", "create", "cli-perf", "--partitions", "2", "--bootstrap-server", bs()).code()).isZero();
        Result r = run(null, "perf", "produce", "cli-perf", "--num-records", "20000", "--record-size", "200", "--throughput", "10000",
                "--reporting-interval-ms", "500", "--bootstrap-server", bs());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        String summary = lines.get(lines.size() - 1);
        System.out.println("fjord perf produce: " + summary); // the figure, in the surefire output
        assertThat(summary).matches("20000 records sent, [0-9.]+ records/sec \\([0-9.]+ MB/sec\\), [0-9.]+ ms avg latency, "
                + "[0-9.]+ ms max latency, \\d+ ms 50th, \\d+ ms 95th, \\d+ ms 99th, \\d+ ms 99.9th\\.");
        double rate = Double.parseDouble(summary.split(" ")[3]);
        assertThat(rate).as("throttled to 10,000 records/s").isBetween(1000.0, 10500.0);
        assertThat(lines.subList(0, lines.size() - 1)).as("progress lines every 500 ms over a ~2 s run").hasSizeGreaterThanOrEqualTo(2)
                .allMatch(l -> l.matches("\\d+ records sent, [0-9.]+ records/sec \\([0-9.]+ MB/sec\\), [0-9.]+ ms avg latency, "
                        + "[0-9.]+ ms max latency, \\d+ ms 50th, \\d+ ms 99th\\."));

        r = run(null, "perf", "consume", "cli-perf", "--messages", "20000", "--bootstrap-server", bs());
        assertThat(r.code()).as(r.err()).isZero();
        lines = r.out().lines().toList();
        assertThat(lines.get(lines.size() - 2)).startsWith("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg");
        System.out.println("fjord perf consume: " + lines.get(lines.size() - 1));
        String[] csv = lines.get(lines.size() - 1).split(", ");
        assertThat(csv).hasSize(10);
        assertThat(csv[4]).isEqualTo("20000");
        assertThat(Double.parseDouble(csv[2])).isCloseTo(20000 * 200 / 1048576.0, org.assertj.core.data.Offset.offset(0.001));

        r = run(null, "perf", "consume", "cli-perf", "--messages", "20001", "--idle-timeout-ms", "1500", "--bootstrap-server", bs());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("only 20000 of 20001");
    }
}
