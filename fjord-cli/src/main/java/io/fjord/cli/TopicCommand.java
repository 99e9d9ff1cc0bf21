package io.fjord.cli;

import io.fjord.client.admin.AlterConfigOp;
import io.fjord.client.admin.ConfigEntry;
import io.fjord.client.admin.ConfigResource;
import io.fjord.client.admin.FjordAdmin;
import io.fjord.client.admin.NewTopic;
import io.fjord.client.admin.TopicDescription;
import io.fjord.client.common.PartitionInfo;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fjord topic create|list|describe|delete|alter}. */
@Command(name = "topic", mixinStandardHelpOptions = true, description = "Create, list, describe, alter and delete topics.",
        subcommands = {TopicCommand.Create.class, TopicCommand.ListTopics.class, TopicCommand.Describe.class,
                TopicCommand.Delete.class, TopicCommand.Alter.class})
public final class TopicCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: create, list, describe, delete or alter");
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a topic.")
    static final class Create implements Callable<Integer> {
        @Mixin ClientOptions client;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "topic") String topic;
        @Option(names = "--partitions", defaultValue = "-1", description = "Partition count (default: the broker's num.partitions).")
        int partitions;
        @Option(names = "--replication-factor", defaultValue = "-1", description = "Replicas per partition (default: the broker's).")
        short replicationFactor;
        @Option(names = "--config", paramLabel = "key=value", description = "A topic config, repeatable.")
        List<String> configs = List.of();

        @Override
        public Integer call() {
            if (partitions == 0 || partitions < -1) throw new CommandLine.ParameterException(spec.commandLine(), "--partitions must be at least 1");
            if (replicationFactor == 0 || replicationFactor < -1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--replication-factor must be at least 1");
            }
            Map<String, String> cfg = ClientOptions.parsePairs(configs, "--config");
            try (FjordAdmin admin = new FjordAdmin(client.config())) {
                admin.createTopics(List.of(new NewTopic(topic, partitions, replicationFactor, cfg)));
            }
            spec.commandLine().getOut().println("Created topic " + topic + ".");
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List topic names.")
    static final class ListTopics implements Callable<Integer> {
        @Mixin ClientOptions client;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @Option(names = "--exclude-internal", description = "Leave out internal topics.") boolean excludeInternal;

        @Override
        public Integer call() {
            try (FjordAdmin admin = new FjordAdmin(client.config())) {
                for (String t : admin.listTopics(!excludeInternal)) spec.commandLine().getOut().println(t);
            }
            return 0;
        }
    }

    /**
     * Without a report option: each topic's line (id, partition count, replication factor, non-default configs) and
     * one line per partition. With {@code --under-replicated-partitions} (ISR smaller than the replica list) or
     * {@code --unavailable-partitions} (no leader, or a leader that is not a live broker), only the matching partition
     * lines, and no topic lines, as kafka-topics.sh does; the two cannot be combined (as in kafka-topics.sh). With
     * {@code --all}, each topic line is followed by every effective config ({@code Config: name=value<TAB>source}).
     */
    @Command(name = "describe", mixinStandardHelpOptions = true, description = "Show partitions, leaders, replicas, ISR and configs.")
    static final class Describe implements Callable<Integer> {
        @Mixin ClientOptions client;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @Parameters(arity = "0..*", paramLabel = "topic", description = "Topics (default: all).") List<String> topics = List.of();
        @Option(names = "--under-replicated-partitions", description = "Only show partitions whose ISR is smaller than their replica list.")
        boolean underReplicated;
        @Option(names = "--unavailable-partitions", description = "Only show partitions without a live leader.")
        boolean unavailable;
        @Option(names = "--all", description = "After each topic line, every effective config with its source.")
        boolean allConfigs;

        @Override
        public Integer call() {
            if (allConfigs && (underReplicated || unavailable)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--all cannot be used with a partition report option");
            }
            if (underReplicated && unavailable) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--under-replicated-partitions and --unavailable-partitions cannot be used together");
            }
            boolean report = underReplicated || unavailable;
            PrintWriter out = spec.commandLine().getOut();
            try (FjordAdmin admin = new FjordAdmin(client.config())) {
                List<String> names = topics.isEmpty() ? new ArrayList<>(admin.listTopics(false)) : topics;
                if (names.isEmpty()) return 0;
                Map<String, TopicDescription> d = admin.describeTopics(names);
                Map<ConfigResource, List<ConfigEntry>> configs = report ? Map.of() : admin.describeConfigs(
                        names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList());
                Set<Integer> live = new HashSet<>();
                if (unavailable) admin.describeCluster().nodes().forEach(n -> live.add(n.id()));
                for (String name : names) {
                    TopicDescription td = d.get(name);
                    List<PartitionInfo> partitions = new ArrayList<>(td.partitions());
                    partitions.sort(Comparator.comparingInt(PartitionInfo::partition));
                    List<ConfigEntry> entries = configs.getOrDefault(new ConfigResource(ConfigResource.Type.TOPIC, name), List.of());
                    if (!report) printTopicLine(out, td, entries);
                    if (!report && allConfigs) {
                        for (ConfigEntry e : entries) out.println("\tConfig: " + e.name() + "=" + ConfigCommand.render(e) + "\t" + ConfigSources.name(e.source()));
                    }
                    for (PartitionInfo p : partitions) {
                        if (underReplicated && !isUnderReplicated(p)) continue;
                        if (unavailable && !isUnavailable(p, live)) continue;
                        out.printf("\tTopic: %s\tPartition: %d\tLeader: %s\tReplicas: %s\tIsr: %s%n", name, p.partition(),
                                p.leader() < 0 ? "none" : Integer.toString(p.leader()), join(p.replicas()), join(p.isr()));
                    }
                }
            }
            return 0;
        }

        /** Kafka's rule: fewer in-sync replicas than replicas (no reassignment can be in progress in Fjord yet). */
        static boolean isUnderReplicated(PartitionInfo p) {
            return p.isr().size() < p.replicas().size();
        }

        /** Kafka's rule: no leader, or a leader that is not among the live brokers. */
        static boolean isUnavailable(PartitionInfo p, Set<Integer> liveBrokers) {
            return p.leader() < 0 || !liveBrokers.contains(p.leader());
        }

        private static void printTopicLine(PrintWriter out, TopicDescription td, List<ConfigEntry> entries) {
            StringBuilder cfg = new StringBuilder();
            for (ConfigEntry e : entries) {
                if (e.isDefault()) continue;
                if (cfg.length() > 0) cfg.append(',');
                cfg.append(e.name()).append('=').append(e.sensitive() ? "<sensitive>" : e.value());
            }
            int rf = td.partitions().isEmpty() ? 0 : td.partitions().get(0).replicas().size();
            out.printf("Topic: %s\tTopicId: %s\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: %s%n", td.name(),
                    td.topicId(), td.partitions().size(), rf, cfg);
        }

        private static String join(List<Integer> l) {
            StringBuilder sb = new StringBuilder();
            for (Integer i : l) {
                if (sb.length() > 0) sb.append(',');
                sb.append(i);
            }
            return sb.toString();
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete topics.")
    static final class Delete implements Callable<Integer> {
        @Mixin ClientOptions client;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @Parameters(arity = "1..*", paramLabel = "topic") List<String> topics;

        @Override
        public Integer call() {
            try (FjordAdmin admin = new FjordAdmin(client.config())) {
                admin.deleteTopics(topics);
            }
            spec.commandLine().getOut().println("Deleted " + String.join(", ", topics) + ".");
            return 0;
        }
    }

    @Command(name = "alter", mixinStandardHelpOptions = true, description = "Set or delete topic configs.")
    static final class Alter implements Callable<Integer> {
        @Mixin ClientOptions client;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "topic") String topic;
        @Option(names = "--config", paramLabel = "key=value", description = "Config to set, repeatable.") List<String> set = List.of();
        @Option(names = "--delete-config", paramLabel = "key", description = "Config to reset to its default, repeatable.")
        List<String> delete = List.of();

        @Override
        public Integer call() {
            if (set.isEmpty() && delete.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "Nothing to alter: give --config or --delete-config");
            }
            List<AlterConfigOp> ops = new ArrayList<>();
            ClientOptions.parsePairs(set, "--config").forEach((k, v) -> ops.add(new AlterConfigOp(k, v, AlterConfigOp.OpType.SET)));
            for (String k : delete) ops.add(new AlterConfigOp(k, null, AlterConfigOp.OpType.DELETE));
            try (FjordAdmin admin = new FjordAdmin(client.config())) {
                admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), ops));
            }
            spec.commandLine().getOut().println("Altered configs of topic " + topic + ".");
            return 0;
        }
    }
}
