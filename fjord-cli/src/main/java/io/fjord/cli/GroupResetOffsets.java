package io.fjord.cli;

import io.fjord.client.admin.FjordAdmin;
import io.fjord.client.admin.GroupDescription;
import io.fjord.client.admin.OffsetSpec;
import io.fjord.client.common.PartitionInfo;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.OffsetAndMetadata;
import io.fjord.client.consumer.OffsetAndTimestamp;
import java.io.PrintWriter;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fjord group reset-offsets}: kafka-consumer-groups.sh --reset-offsets with Kafka's semantics. The group must
 * be inactive (Empty, Dead or unknown). Partitions: those of {@code --topic t} or {@code t:0,2}, or with
 * {@code --all-topics} every partition the group has an offset for. Every new offset is clamped into [log start,
 * log end] as Kafka does; {@code --to-datetime} past the last record goes to the log end. Without {@code --execute}
 * it only prints the plan (a dry run, Kafka's default).
 */
@Command(name = "reset-offsets", mixinStandardHelpOptions = true,
        description = "Reset an inactive group's committed offsets (dry run unless --execute).")
final class GroupResetOffsets implements Callable<Integer> {
    @Mixin ClientOptions client;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0", paramLabel = "group") String group;

    @Option(names = "--topic", paramLabel = "topic[:p,p]", description = "A topic, or some of its partitions (repeatable).")
    List<String> topics = new ArrayList<>();
    @Option(names = "--all-topics", description = "Every partition the group has a committed offset for.")
    boolean allTopics;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--to-earliest", required = true, description = "The log start offset.") boolean earliest;
        @Option(names = "--to-latest", required = true, description = "The log end offset.") boolean latest;
        @Option(names = "--to-current", required = true, description = "The committed offset (clamped).") boolean current;
        @Option(names = "--to-offset", required = true, paramLabel = "offset", description = "This offset (clamped).") Long offset;
        @Option(names = "--shift-by", required = true, paramLabel = "n", description = "Committed offset + n (clamped).") Long shift;
        @Option(names = "--to-datetime", required = true, paramLabel = "YYYY-MM-DDTHH:mm:SS.sss",
                description = "The first offset at or after this time (local time zone unless one is given).") String datetime;
    }

    @Option(names = "--execute", description = "Commit the new offsets.") boolean execute;
    @Option(names = "--dry-run", description = "Only show the new offsets (the default).") boolean dryRun;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (execute && dryRun) return fail(err, "--execute and --dry-run cannot be combined");
        if (allTopics == !topics.isEmpty()) return fail(err, "give one of --topic or --all-topics");
        Long timestamp = null;
        if (target.datetime != null) {
            try {
                timestamp = parseDateTime(target.datetime);
            } catch (DateTimeParseException e) {
                return fail(err, "--to-datetime: '" + target.datetime + "' is not YYYY-MM-DDTHH:mm:SS.sss[zone]");
            }
        }
        try (FjordAdmin admin = new FjordAdmin(client.config())) {
            GroupDescription d = admin.describeGroups(List.of(group)).get(group);
            String state = d == null ? "Dead" : d.state();
            if (!"Empty".equalsIgnoreCase(state) && !"Dead".equalsIgnoreCase(state)) {
                return fail(err, "Assignments can only be reset if the group '" + group
                        + "' is inactive, but the current state is " + state + ".");
            }
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listGroupOffsets(group);
            List<TopicPartition> partitions = allTopics ? new ArrayList<>(committed.keySet()) : named(admin);
            partitions.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
            if (partitions.isEmpty()) return fail(err, "no partitions to reset");
            Map<TopicPartition, Long> earliest = offsets(admin, partitions, OffsetSpec.earliest());
            Map<TopicPartition, Long> latest = offsets(admin, partitions, OffsetSpec.latest());
            Map<TopicPartition, Long> atTime = timestamp == null ? Map.of() : offsets(admin, partitions, OffsetSpec.forTimestamp(timestamp));
            Map<TopicPartition, Long> plan = new LinkedHashMap<>();
            for (TopicPartition tp : partitions) {
                long lo = earliest.get(tp);
                long hi = latest.get(tp);
                OffsetAndMetadata c = committed.get(tp);
                long wanted;
                if (target.earliest) {
                    wanted = lo;
                } else if (target.latest) {
                    wanted = hi;
                } else if (target.datetime != null) {
                    Long t = atTime.get(tp);
                    wanted = t == null ? hi : t;
                } else if (target.offset != null) {
                    wanted = target.offset;
                } else {
                    // --to-current / --shift-by start from the committed offset; without one, from the log end
                    // (kafka-consumer-groups does the same for a partition the group never committed).
                    long from = c == null ? hi : c.offset();
                    wanted = target.current ? from : from + target.shift;
                }
                plan.put(tp, Math.max(lo, Math.min(hi, wanted)));
            }
            if (execute) {
                Map<TopicPartition, OffsetAndMetadata> commit = new LinkedHashMap<>();
                plan.forEach((tp, o) -> commit.put(tp, new OffsetAndMetadata(o)));
                admin.alterConsumerGroupOffsets(group, commit);
            }
            out.println();
            out.println(String.format("%-30s %-30s %-10s %-15s", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"));
            plan.forEach((tp, o) -> out.println(String.format("%-30s %-30s %-10s %-15s", group, tp.topic(), tp.partition(), o)));
        }
        return 0;
    }

    private List<TopicPartition> named(FjordAdmin admin) {
        List<TopicPartition> out = new ArrayList<>();
        for (String t : topics) {
            int colon = t.indexOf(':');
            if (colon < 0) {
                for (PartitionInfo p : admin.partitionsFor(t)) out.add(new TopicPartition(t, p.partition()));
            } else {
                for (String p : t.substring(colon + 1).split(",")) {
                    out.add(new TopicPartition(t.substring(0, colon), Integer.parseInt(p.trim())));
                }
            }
        }
        return out;
    }

    private static Map<TopicPartition, Long> offsets(FjordAdmin admin, List<TopicPartition> partitions, OffsetSpec s) {
        Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
        for (TopicPartition tp : partitions) ask.put(tp, s);
        Map<TopicPartition, Long> out = new TreeMap<>(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        for (Map.Entry<TopicPartition, OffsetAndTimestamp> e : admin.listOffsets(ask).entrySet()) {
            if (e.getValue() != null) out.put(e.getKey(), e.getValue().offset());
        }
        return out;
    }

    /** Kafka's format, 'YYYY-MM-DDTHH:mm:SS.sss', with an optional zone (Z, +hh:mm); the local zone otherwise. */
    static long parseDateTime(String s) {
        try {
            return OffsetDateTime.parse(s).toInstant().toEpochMilli();
        } catch (DateTimeParseException withoutZone) {
            return LocalDateTime.parse(s).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
        }
    }

    private int fail(PrintWriter err, String message) {
        err.println("fjord group reset-offsets: " + message);
        return 1;
    }
}
