package io.fjord.it;

import io.fjord.broker.FjordBroker;
import io.fjord.broker.config.BrokerConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** A Fjord node in this JVM on an ephemeral port of 127.0.0.1, with its data in the given folder. */
public final class TestBroker implements AutoCloseable {
    private final Path dataDir;
    private final Map<String, String> overrides;
    private FjordBroker broker;

    public TestBroker(Path dataDir) {
        this(dataDir, Map.of());
    }

    public TestBroker(Path dataDir, Map<String, String> overrides) {
        this.dataDir = dataDir;
        this.overrides = overrides;
    }

    private final Map<Short, FjordBroker.HandlerWrapper> wrappers = new java.util.LinkedHashMap<>();

    /** Wraps the broker's handler of one API (recording, fault injection), applied at every start. */
    public TestBroker withHandlerWrapper(short key, FjordBroker.HandlerWrapper w) {
        wrappers.put(key, w);
        return this;
    }

    public TestBroker start() throws Exception {
        return startOn(0);
    }

    private TestBroker startOn(int port) throws Exception {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("listeners", "PLAINTEXT://127.0.0.1:" + port);
        settings.put("log.dirs", dataDir.toString());
        settings.put("num.io.threads", "4");
        settings.put("num.network.threads", "2");
        // One node: the offsets topic can have one replica only (Kafka's single-node sample config says the same).
        settings.put("offsets.topic.replication.factor", "1");
        settings.put("transaction.state.log.replication.factor", "1");
        settings.put("transaction.state.log.min.isr", "1");
        // An ephemeral console port (the default 8080 is shared by every test on the machine).
        settings.put("fjord.console.listener", "http://127.0.0.1:0");
        settings.putAll(overrides);
        FjordBroker b = new FjordBroker(BrokerConfig.of(settings));
        wrappers.forEach(b::withHandlerWrapper);
        try {
            broker = b.start();
        } catch (Exception | Error e) {
            b.close(); // what the failed start had begun (listeners, threads) must not outlive it
            throw e;
        }
        return this;
    }

    /** Stops cleanly and starts again on the same data (the port changes). */
    public TestBroker restart() throws Exception {
        close();
        return start();
    }

    /** Stops cleanly and starts again on the same data and the same port (clients reconnect to it). */
    public TestBroker restartOnSamePort() throws Exception {
        int port = port();
        close();
        return startOn(port);
    }

    /** Stops the node but remembers its port for {@link #startAgainOn(int)}. */
    public int stop() {
        int port = port();
        close();
        return port;
    }

    /** Starts again (after {@link #stop()}) on the given port. */
    public TestBroker startAgainOn(int port) throws Exception {
        return startOn(port);
    }

    public String bootstrap() {
        return "127.0.0.1:" + broker.port();
    }

    public int port() {
        return broker.port();
    }

    public FjordBroker broker() {
        return broker;
    }

    @Override
    public void close() {
        if (broker != null) broker.close();
        broker = null;
    }
}
