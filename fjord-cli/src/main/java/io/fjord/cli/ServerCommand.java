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
import java.util.concurrent.atomic.AtomicBoolean;
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
        AtomicBoolean started = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Only a started node is closed here. A JVM ending during start() (a signal, or a library calling
            // System.exit from inside it) would otherwise wait in close() for start() to let go of the broker: a
            // hang. A node stopped while starting is recovered at its next start, like one that crashed.
            if (started.get()) broker.close();
            stopped.countDown();
        }, "fjord-shutdown"));
        try {
            broker.start();
            started.set(true);
        } catch (java.net.BindException e) {
            // One line naming the listener, its host:port and the cause; the stack trace adds nothing for an operator.
            spec.commandLine().getErr().println("fjord server: " + e.getMessage());
            closeQuietly(broker);
            return 1;
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("fjord server: could not start: " + e.getMessage());
            closeQuietly(broker);
            return 1;
        }
        stopped.await();
        return 0;
    }

    private static void closeQuietly(FjordBroker broker) {
        try {
            broker.close();
        } catch (RuntimeException e) {
            // Already failing to start; the first error is the one to report.
        }
    }
}
