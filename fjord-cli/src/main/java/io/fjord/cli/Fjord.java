package io.fjord.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fjord} command. Subcommands: {@code server} (more come with the client issue). */
@Command(name = "fjord", mixinStandardHelpOptions = true, version = "Fjord 0.1.0",
        description = "A Kafka-compatible distributed log and message broker.",
        subcommands = {ServerCommand.class})
public final class Fjord implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: try 'fjord server'");
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Fjord()).execute(args));
    }
}
