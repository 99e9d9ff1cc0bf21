package io.fjord.cli;

import io.fjord.client.admin.FjordAdmin;
import io.fjord.client.admin.GroupDescription;
import io.fjord.client.admin.GroupListing;
import io.fjord.client.admin.MemberDescription;
import io.fjord.client.admin.OffsetSpec;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.OffsetAndMetadata;
import io.fjord.client.consumer.OffsetAndTimestamp;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code fjord group list|describe|reset-offsets|delete}: consumer groups, their members, assignments, committed
 * offsets and lag; resetting an inactive group's offsets; deleting an empty group.
 */
@Command(name = "group", mixinStandardHelpOptions = true, description = "List, describe, reset and delete consumer groups.",
        subcommands = {GroupCommand.ListGroups.class, GroupCommand.Describe.class, GroupResetOffsets.class, GroupCommand.Delete.class})
public final class GroupCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: list, describe, reset-offsets or delete");
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete empty groups and their committed offsets (kafka-consumer-groups --delete).")
    static final class Delete implements Callable<Integer> {
        @Mixin ClientOptions client;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "group", arity = "1..*") List<String> groups;

        @Override
        public Integer call() {
            int failed = 0;
            try (FjordAdmin admin = new FjordAdmin(client.config())) {
                for (String g : groups) {
                    try {
                        admin.deleteGroup(g);
                        spec.commandLine().getOut().println("Deletion of requested consumer groups ('" + g + "') was successful.");
                    } catch (io.fjord.client.errors.ApiException e) {
                        spec.commandLine().getErr().println("fjord group delete: " + e.getMessage());
                        failed++;
                    }
                }
            }
            return failed == 0 ? 0 : 1;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the groups: id, state, protocol type.")
    static final class ListGroups implements Callable<Integer> {
        @Mixin ClientOptions client;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try (FjordAdmin admin = new FjordAdmin(client.config())) {
                PrintWriter out = spec.commandLine().getOut();
                for (GroupListing g : admin.listGroups()) {
                    out.println(g.groupId() + "\t" + (g.state() == null ? "" : g.state()) + "\t" + g.protocolType());
                }
            }
            return 0;
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "A group's state, members with their assignments, committed offsets and lag (log end offset - committed).")
    static final class Describe implements Callable<Integer> {
        @Mixin ClientOptions client;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "group") String group;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (FjordAdmin admin = new FjordAdmin(client.config())) {
                GroupDescription d = admin.describeGroups(List.of(group)).get(group);
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listGroupOffsets(group);
                if ("Dead".equalsIgnoreCase(d.state()) && committed.isEmpty()) {
                    spec.commandLine().getErr().println("fjord group describe: group " + group + " does not exist");
                    return 1;
                }
                out.println("Group: " + group + "\tState: " + d.state() + "\tProtocol: "
                        + (d.protocol() == null || d.protocol().isEmpty() ? "-" : d.protocol()) + "\tMembers: " + d.members().size());
                Map<TopicPartition, MemberDescription> owner = new HashMap<>();
                out.println();
                out.println(String.join("\t", "MEMBER-ID", "GROUP-INSTANCE-ID", "CLIENT-ID", "HOST", "ASSIGNMENT"));
                for (MemberDescription m : d.members()) {
                    List<String> parts = new ArrayList<>();
                    for (TopicPartition tp : m.assignment()) {
                        owner.put(tp, m);
                        parts.add(tp.toString());
                    }
                    out.println(String.join("\t", m.memberId(), m.groupInstanceId() == null ? "-" : m.groupInstanceId(),
                            m.clientId(), m.host(), parts.isEmpty() ? "-" : String.join(",", parts)));
                }
                TreeSet<TopicPartition> partitions = new TreeSet<>(Comparator.comparing(TopicPartition::topic)
                        .thenComparingInt(TopicPartition::partition));
                partitions.addAll(committed.keySet());
                partitions.addAll(owner.keySet());
                Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
                for (TopicPartition tp : partitions) ask.put(tp, OffsetSpec.latest());
                Map<TopicPartition, OffsetAndTimestamp> ends = partitions.isEmpty() ? Map.of() : admin.listOffsets(ask);
                out.println();
                out.println(String.join("\t", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "MEMBER-ID"));
                for (TopicPartition tp : partitions) {
                    OffsetAndMetadata c = committed.get(tp);
                    OffsetAndTimestamp end = ends.get(tp);
                    String lag = c == null || end == null ? "-" : Long.toString(Math.max(0, end.offset() - c.offset()));
                    MemberDescription m = owner.get(tp);
                    out.println(String.join("\t", tp.topic(), Integer.toString(tp.partition()), c == null ? "-" : Long.toString(c.offset()),
                            end == null ? "-" : Long.toString(end.offset()), lag, m == null ? "-" : m.memberId()));
                }
            }
            return 0;
        }
    }
}
