package io.fjord.broker.replica.sim;

import io.fjord.metadata.PartitionState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * One seeded run of the replication protocol: a controller, {@code brokers} brokers, one topic, an acks=all client,
 * and a fault injector (kills, power losses, restarts, network partitions), all driven by one {@link SimScheduler}
 * on a fake clock. {@link SimInvariants} are checked after every event; a violation ends the run with the seed, the
 * tail of the event trace and how to replay it.
 *
 * <p>Not thread-safe: one run per instance, on one thread.
 */
final class ReplicationSimulation {
    /** Figures of a run that held. */
    record Result(long seed, long events, long acknowledged, int excludedPartitions) {
    }

    private static final int TRACE_LINES = 400;
    private static final long MAX_EVENTS = 2_000_000;

    private final long seed;
    private final SimConfig config;
    private final Path dir;
    private final SimScheduler scheduler;
    private final SimNetwork network;
    private final SimInvariants invariants;
    private final SimBroker[] brokers;
    private final SimController controller;
    private final SimFaults faults;
    /** The client's metadata: the leader it sends each partition's produces to (refreshed now and then). */
    private final int[] clientLeaders;
    private long nextBatchId = 1;

    ReplicationSimulation(long seed, SimConfig config, Path baseDir) {
        this.seed = seed;
        this.config = config;
        try {
            this.dir = Files.createTempDirectory(baseDir, "sim-" + seed + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.scheduler = new SimScheduler(seed, TRACE_LINES);
        this.brokers = new SimBroker[config.brokers()];
        this.network = new SimNetwork(scheduler, this::incarnationOf, config.minNetworkDelayMs(), config.maxNetworkDelayMs(),
                config.messageLossRate());
        this.invariants = new SimInvariants(this, config.brokers(), config.partitions());
        for (int b = 0; b < config.brokers(); b++) brokers[b] = new SimBroker(b, this, config.partitions(), dir.resolve("b" + b));
        this.controller = new SimController(this, config.brokers(), config.partitions(), config.replicationFactor(),
                config.brokerSessionTimeoutMs(), invariants::onImage);
        this.clientLeaders = new int[config.partitions()];
        this.faults = new SimFaults(this);
    }

    SimScheduler scheduler() {
        return scheduler;
    }

    SimNetwork network() {
        return network;
    }

    SimController controller() {
        return controller;
    }

    SimInvariants invariants() {
        return invariants;
    }

    SimConfig config() {
        return config;
    }

    SimBroker broker(int id) {
        return brokers[id];
    }

    SimBroker[] brokers() {
        return brokers;
    }

    SimFaults faults() {
        return faults;
    }

    private long incarnationOf(int node) {
        if (node < 0) return 0; // the controller and the client never fail here
        SimBroker b = brokers[node];
        return b.isAlive() ? b.incarnation() : -1;
    }

    /** The controller pushes the partition states to every broker after a change. */
    void pushMetadata(List<PartitionState> states) {
        for (SimBroker b : brokers) network.send(SimNetwork.CONTROLLER, b.id, () -> "Metadata" + states, () -> b.applyStates(states));
    }

    /** Runs to the end; throws AssertionError (seed, reason, trace tail, replay line) if an invariant broke. */
    Result run() {
        try {
            start();
            long events = 0;
            while (scheduler.runNext(config.runForMs())) {
                invariants.check();
                if (++events > MAX_EVENTS) throw new IllegalStateException("more than " + MAX_EVENTS + " events");
            }
            return new Result(seed, scheduler.executed(), invariants.acknowledged(), invariants.excludedPartitions());
        } catch (RuntimeException e) {
            StringBuilder sb = new StringBuilder();
            sb.append("replication simulation failed, seed ").append(seed).append(" at ").append(scheduler.nowMs())
                    .append(" ms: ").append(e).append("\n--- state ---\n");
            for (SimBroker b : brokers) {
                sb.append("b").append(b.id).append(b.isAlive() ? " up inc " + b.incarnation() : " DOWN").append('\n');
                for (int p = 0; p < config.partitions(); p++) {
                    sb.append("  ").append(b.replica(p)).append("\n    log ").append(b.replica(p).log.batches()).append('\n');
                }
            }
            sb.append("controller: ").append(controller.partitionStates()).append(" fenced ").append(controller.image().fenced());
            sb.append("\n--- last events ---\n").append(scheduler.traceTail());
            sb.append("\n--- replay: mvn -B -o -pl fjord-broker -am test -Dtest=ReplicationSimulationTest -Dsim.seed=")
                    .append(seed).append(" -Dsurefire.failIfNoSpecifiedTests=false");
            if (config.alterPartitionFailureClearsPending()) sb.append(" -Dsim.alterPartitionFailureClearsPending=true");
            if (!config.brokerEpochsInAlterPartition()) sb.append(" -Dsim.brokerEpochsInAlterPartition=false");
            throw new AssertionError(sb.toString(), e);
        } finally {
            deleteDir();
        }
    }

    private void start() {
        for (int p = 0; p < config.partitions(); p++) clientLeaders[p] = controller.partition(p).leader();
        for (SimBroker b : brokers) b.start();
        every(100, controller::tick);
        for (SimBroker b : brokers) {
            every(config.replicaLagTimeMaxMs() / 2, b::shrinkLaggingIsrs);
            every(scheduler.between(100, 400), b::flush);
            every(scheduler.between(150, 300), b::checkpointHighWatermarks);
        }
        every(scheduler.between(50, 300), this::refreshClientMetadata);
        scheduler.after(scheduler.between(0, config.meanProduceIntervalMs()), null, this::produce);
        faults.start();
    }

    private void every(long periodMs, Runnable task) {
        scheduler.after(periodMs, null, () -> {
            task.run();
            every(periodMs, task);
        });
    }

    private void refreshClientMetadata() {
        for (int p = 0; p < config.partitions(); p++) clientLeaders[p] = controller.partition(p).leader();
    }

    private void produce() {
        int p = scheduler.random().nextInt(config.partitions());
        int leader = clientLeaders[p];
        long id = nextBatchId++;
        int count = 1 + scheduler.random().nextInt(3);
        if (leader >= 0) {
            network.send(SimNetwork.CLIENT, leader, () -> "Produce(p" + p + " #" + id + " x" + count + ")",
                    () -> brokers[leader].onProduce(p, count, id));
        }
        scheduler.after(scheduler.between(1, 2 * config.meanProduceIntervalMs()), null, this::produce);
    }

    private void deleteDir() {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }
}
