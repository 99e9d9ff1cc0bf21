package io.fjord.cli;

import io.fjord.client.common.PartitionInfo;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.ConsumerRecord;
import io.fjord.client.consumer.FjordConsumer;
import io.fjord.client.consumer.OffsetAndTimestamp;
import io.fjord.client.admin.FjordAdmin;
import io.fjord.client.serialization.StringDeserializer;
import io.fjord.protocol.record.Header;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fjord consume <topic>}: prints records, one per line, until --max-messages or --idle-timeout-ms. */
@Command(name = "consume", mixinStandardHelpOptions = true, description = "Print the records of a topic.")
public final class ConsumeCommand implements Callable<Integer> {
    enum Format { value, key_value, json }

    @Mixin ClientOptions client;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0", paramLabel = "topic") String topic;
    @Option(names = "--from-beginning", description = "Start at the earliest offset (default: only new records).") boolean fromBeginning;
    @Option(names = "--offset", description = "Start at this offset (needs --partition).") Long offset;
    @Option(names = "--from-timestamp", paramLabel = "ms|ISO-8601", description = "Start at the first record at or after this time.")
    String fromTimestamp;
    @Option(names = "--partition", description = "Read only this partition.") Integer partition;
    @Option(names = "--max-messages", description = "Exit after this many records.") Integer maxMessages;
    @Option(names = "--idle-timeout-ms", description = "Exit when no record arrived for this long (default: never).") Long idleTimeoutMs;
    @Option(names = "--print-key", description = "Print key<TAB>value (same as --format key-value).") boolean printKey;
    @Option(names = "--format", defaultValue = "value", description = "value, key-value or json (default: ${DEFAULT-VALUE}).")
    String format;
    @Option(names = "--isolation-level", defaultValue = "read_uncommitted") String isolationLevel;
    @Option(names = "--consumer-property", paramLabel = "key=value", description = "A consumer property, repeatable.")
    List<String> consumerProperties = List.of();

    @Override
    public Integer call() {
        Format fmt = switch (format) {
            case "value" -> printKey ? Format.key_value : Format.value;
            case "key-value", "key_value" -> Format.key_value;
            case "json" -> Format.json;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--format must be value, key-value or json");
        };
        int starts = (fromBeginning ? 1 : 0) + (offset != null ? 1 : 0) + (fromTimestamp != null ? 1 : 0);
        if (starts > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Give at most one of --from-beginning, --offset and --from-timestamp");
        }
        if (offset != null && partition == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--offset needs --partition");
        }
        if (offset != null && offset < 0) throw new CommandLine.ParameterException(spec.commandLine(), "--offset must not be negative");
        if (maxMessages != null && maxMessages < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--max-messages must be at least 1");
        Long startTs = fromTimestamp == null ? null : parseTime(fromTimestamp);
        Map<String, Object> cfg = client.config();
        cfg.put("isolation.level", isolationLevel);
        cfg.put("auto.offset.reset", "latest");
        cfg.putAll(ClientOptions.parsePairs(consumerProperties, "--consumer-property"));
        List<TopicPartition> parts = new ArrayList<>();
        try (FjordAdmin admin = new FjordAdmin(client.config())) {
            List<PartitionInfo> infos = admin.describeTopics(List.of(topic)).get(topic).partitions();
            for (PartitionInfo p : infos) if (partition == null || p.partition() == partition) parts.add(new TopicPartition(topic, p.partition()));
            if (parts.isEmpty()) {
                spec.commandLine().getErr().println("fjord consume: topic " + topic + " has no partition " + partition);
                return 1;
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        int printed = 0;
        try (FjordConsumer<String, String> consumer = new FjordConsumer<>(cfg, new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(parts);
            if (fromBeginning) consumer.seekToBeginning(parts);
            if (offset != null) consumer.seek(parts.get(0), offset);
            if (startTs != null) {
                Map<TopicPartition, Long> ask = new HashMap<>();
                for (TopicPartition tp : parts) ask.put(tp, startTs);
                Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(ask, Duration.ofMillis(client.timeoutMs));
                List<TopicPartition> toEnd = new ArrayList<>();
                for (TopicPartition tp : parts) {
                    OffsetAndTimestamp o = found.get(tp);
                    if (o == null) toEnd.add(tp);
                    else consumer.seek(tp, o.offset());
                }
                consumer.seekToEnd(toEnd);
            }
            long lastRecord = System.currentTimeMillis();
            while (maxMessages == null || printed < maxMessages) {
                boolean any = false;
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    out.println(render(fmt, r));
                    any = true;
                    if (maxMessages != null && ++printed >= maxMessages) break;
                }
                out.flush();
                if (any) lastRecord = System.currentTimeMillis();
                else if (idleTimeoutMs != null && System.currentTimeMillis() - lastRecord >= idleTimeoutMs) break;
            }
        }
        out.flush();
        return 0;
    }

    private Long parseTime(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            try {
                return Instant.parse(s).toEpochMilli();
            } catch (DateTimeParseException e2) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--from-timestamp expects epoch milliseconds or an ISO-8601 instant such as 2024-01-31T12:00:00Z, got '" + s + "'");
            }
        }
    }

    static String render(Format fmt, ConsumerRecord<String, String> r) {
        return switch (fmt) {
            case value -> String.valueOf(r.value());
            case key_value -> r.key() + "\t" + r.value();
            case json -> {
                StringBuilder sb = new StringBuilder("{\"topic\":").append(json(r.topic())).append(",\"partition\":").append(r.partition())
                        .append(",\"offset\":").append(r.offset()).append(",\"timestamp\":").append(r.timestamp())
                        .append(",\"key\":").append(json(r.key())).append(",\"value\":").append(json(r.value())).append(",\"headers\":{");
                boolean first = true;
                for (Header h : r.headers()) {
                    if (!first) sb.append(',');
                    first = false;
                    sb.append(json(h.key())).append(':').append(json(h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8)));
                }
                yield sb.append("}}").toString();
            }
        };
    }

    static String json(String s) {
        if (s == null) return "null";
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}
