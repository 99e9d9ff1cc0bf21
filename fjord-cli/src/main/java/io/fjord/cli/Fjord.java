package io.fjord.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fjord} command. Subcommands: {@code server}, {@code topic}, {@code produce}, {@code consume}, {@code group}, {@code cluster},
 * {@code config}, {@code perf}. */
@Command(name = "fjord", mixinStandardHelpOptions = true, version = "Fjord 0.1.0",
        description = "A Kafka-compatible distributed log and message broker.",
        subcommands = {ServerCommand.class, TopicCommand.class, ProduceCommand.class, ConsumeCommand.class, GroupCommand.class,
                ClusterCommand.class, ConfigCommand.class, PerfCommand.class})
public final class Fjord implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: try 'fjord server'");
    }

    /** The command line with client errors reported as one clear line (exit code 1) instead of a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Fjord());
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            if (ex instanceof io.fjord.client.errors.FjordClientException) {
                line.getErr().println("fjord " + line.getCommandName() + ": " + ex.getMessage());
                return 1;
            }
            throw ex;
        });
        return cl;
    }

    /** {@code fjord server} alone: its command line without the other commands' models (see {@link #main}). */
    static CommandLine serverCommandLine() {
        return new CommandLine(new ServerCommand()).setCommandName("fjord server");
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("cds-training")) System.exit(CdsTraining.run()); // bin/fjord's CDS dump
        if (args.length > 0 && args[0].equals("server")) {
            // The start-up path: picocli builds its model of every command reflectively up front (all eight, their
            // options and nested subcommands: hundreds of classes), so a node builds only the one it runs.
            System.exit(serverCommandLine().execute(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        System.exit(commandLine().execute(args));
    }
}
