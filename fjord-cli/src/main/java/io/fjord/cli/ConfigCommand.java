package io.fjord.cli;

import io.fjord.client.admin.AlterConfigOp;
import io.fjord.client.admin.ConfigEntry;
import io.fjord.client.admin.ConfigResource;
import io.fjord.client.admin.FjordAdmin;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fjord config get|set|delete} for a topic, a broker or a consumer group: DescribeConfigs and
 * IncrementalAlterConfigs (SET / DELETE), as {@code kafka-configs.sh --describe|--alter --add-config|--delete-config}.
 */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Show, set and delete topic, broker and group configs.",
        subcommands = {ConfigCommand.Get.class, ConfigCommand.Set.class, ConfigCommand.Delete.class})
public final class ConfigCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: get, set or delete");
    }

    /** Exactly one resource to act on. */
    static final class Target {
        @Option(names = "--topic", paramLabel = "name", required = true) String topic;
        @Option(names = "--broker", paramLabel = "id", required = true) Integer broker;
        @Option(names = "--group", paramLabel = "id", required = true) String group;

        ConfigResource resource() {
            if (topic != null) return new ConfigResource(ConfigResource.Type.TOPIC, topic);
            if (broker != null) return new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(broker));
            return new ConfigResource(ConfigResource.Type.GROUP, group);
        }
    }

    /**
     * One line per config, {@code name=value<TAB>source}; without {@code --all} only the configs set on the resource
     * itself (not defaults, not the broker's static file), as kafka-configs.sh --describe prints them.
     */
    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show configs (with --all every effective config with its source).")
    static final class Get implements Callable<Integer> {
        @Mixin ClientOptions client;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @ArgGroup(multiplicity = "1") Target target;
        @Option(names = "--all", description = "Every effective config, defaults included.") boolean all;
        @Parameters(arity = "0..*", paramLabel = "key", description = "Only these keys.") List<String> keys = List.of();

        @Override
        public Integer call() {
            ConfigResource res = target.resource();
            PrintWriter out = spec.commandLine().getOut();
            try (FjordAdmin admin = new FjordAdmin(client.config())) {
                List<ConfigEntry> entries = admin.describeConfigs(List.of(res)).getOrDefault(res, List.of());
                int printed = 0;
                for (ConfigEntry e : entries) {
                    if (!keys.isEmpty() && !keys.contains(e.name())) continue;
                    if (keys.isEmpty() && !all && !isOwn(res, e)) continue;
                    out.println(e.name() + "=" + render(e) + "\t" + ConfigSources.name(e.source()));
                    printed++;
                }
                if (!keys.isEmpty() && printed < keys.size()) {
                    spec.commandLine().getErr().println("fjord config get: " + (keys.size() - printed) + " of the keys are not configs of "
                            + res.type().name().toLowerCase() + " " + res.name());
                    return 1;
                }
            }
            return 0;
        }

        /** Set on this resource itself: a topic override, a per-broker dynamic config, a group config. */
        private static boolean isOwn(ConfigResource res, ConfigEntry e) {
            return switch (res.type()) {
                case TOPIC -> e.source() == 1;
                case BROKER -> e.source() == 2 || e.source() == 3;
                case GROUP -> e.source() == 8;
            };
        }
    }

    static String render(ConfigEntry e) {
        if (e.sensitive()) return "<sensitive>";
        return e.value() == null ? "null" : e.value();
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Set configs (IncrementalAlterConfigs SET).")
    static final class Set implements Callable<Integer> {
        @Mixin ClientOptions client;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @ArgGroup(multiplicity = "1") Target target;
        @Parameters(arity = "1..*", paramLabel = "key=value") List<String> pairs;

        @Override
        public Integer call() {
            ConfigResource res = target.resource();
            List<AlterConfigOp> ops = new ArrayList<>();
            Map<String, String> kv = ClientOptions.parsePairs(pairs, "set");
            kv.forEach((k, v) -> ops.add(new AlterConfigOp(k, v, AlterConfigOp.OpType.SET)));
            try (FjordAdmin admin = new FjordAdmin(client.config())) {
                admin.incrementalAlterConfigs(Map.of(res, ops));
            }
            spec.commandLine().getOut().println("Set " + String.join(", ", kv.keySet()) + " on " + describe(res) + ".");
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Remove configs so the defaults apply (IncrementalAlterConfigs DELETE).")
    static final class Delete implements Callable<Integer> {
        @Mixin ClientOptions client;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @ArgGroup(multiplicity = "1") Target target;
        @Parameters(arity = "1..*", paramLabel = "key") List<String> keys;

        @Override
        public Integer call() {
            ConfigResource res = target.resource();
            List<AlterConfigOp> ops = new ArrayList<>();
            for (String k : keys) ops.add(new AlterConfigOp(k, null, AlterConfigOp.OpType.DELETE));
            try (FjordAdmin admin = new FjordAdmin(client.config())) {
                admin.incrementalAlterConfigs(Map.of(res, ops));
            }
            spec.commandLine().getOut().println("Deleted " + String.join(", ", keys) + " from " + describe(res) + ".");
            return 0;
        }
    }

    static String describe(ConfigResource res) {
        return res.type().name().toLowerCase() + " " + res.name();
    }
}
