package io.fjord.cli;

import io.fjord.broker.FjordBroker;
import io.fjord.broker.config.BrokerConfig;
import io.fjord.broker.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fjord server [server.properties] [--override key=value ...]}: runs a node until SIGTERM/SIGINT, then
 * shuts down cleanly (the JVM's shutdown hook closes the broker, which flushes the logs and marks them clean).
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Start a Fjord node (broker and controller in one process).")
final class ServerCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "server.properties",
            description = "Properties file with Kafka's key names (optional).")
    Path propertiesFile;

    @Option(names = "--override", paramLabel = "key=value", description = "Set a property, overriding the file.")
    List<String> overrides = List.of();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (String kv : overrides) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new CommandLine.ParameterException(spec.commandLine(), "--override expects key=value, got '" + kv + "'");
            o.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        if (propertiesFile != null && !Files.isRegularFile(propertiesFile)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "No such properties file: " + propertiesFile);
        }
        BrokerConfig config;
        try {
            config = BrokerConfig.load(propertiesFile, o);
        } catch (ConfigException e) {
            spec.commandLine().getErr().println("fjord server: " + e.getMessage());
            return 2;
        }
        FjordBroker broker = new FjordBroker(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "fjord-shutdown"));
        try {
            broker.start();
        } catch (java.net.BindException e) {
            spec.commandLine().getErr().println("fjord server: cannot listen on " + config.get("listeners") + ": " + e.getMessage());
            return 1;
        }
        stopped.await();
        return 0;
    }
}
