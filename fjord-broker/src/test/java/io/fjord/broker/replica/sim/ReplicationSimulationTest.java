package io.fjord.broker.replica.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.storage.LeaderEpochFileCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Runs the replication simulation for many seeds (see {@link ReplicationSimulation}); any seed that breaks an
 * invariant fails with its trace. System properties: {@code sim.seed=N} replays one seed, {@code sim.seeds} sets how
 * many (default 2000; the {@code sim-long} Maven profile runs 100000), {@code sim.firstSeed} where they start;
 * {@code sim.alterPartitionFailureClearsPending=true} and {@code sim.brokerEpochsInAlterPartition=false} model two
 * gaps of Fjord's current code that lose acknowledged writes (see {@link SimBroker} and {@link SimController}).
 */
class ReplicationSimulationTest {

    private static Path baseDir() throws IOException {
        Path shm = Path.of("/dev/shm");
        // tmpfs: the epoch caches' fsyncs cost next to nothing there, so thousands of runs stay fast
        Path parent = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        return Files.createTempDirectory(parent, "fjord-repl-sim-");
    }

    @Test
    void invariantsHoldForEverySeed() throws IOException {
        // The epoch cache warns when a new epoch replaces an empty one; thousands of runs do that on purpose.
        ch.qos.logback.classic.Logger cacheLog =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(LeaderEpochFileCache.class);
        ch.qos.logback.classic.Level before = cacheLog.getLevel();
        cacheLog.setLevel(ch.qos.logback.classic.Level.ERROR);
        Path base = baseDir();
        String one = System.getProperty("sim.seed");
        long first = one != null ? Long.parseLong(one) : Long.getLong("sim.firstSeed", 1);
        long count = one != null ? 1 : Long.getLong("sim.seeds", 2000);
        int partitions = SimConfig.defaults().partitions();
        long events = 0;
        long acks = 0;
        long excluded = 0;
        long started = System.nanoTime();
        try {
            for (long seed = first; seed < first + count; seed++) {
                ReplicationSimulation.Result r = new ReplicationSimulation(seed, SimConfig.forSeed(seed), base).run();
                events += r.events();
                acks += r.acknowledged();
                excluded += r.excludedPartitions();
            }
        } finally {
            base.toFile().delete();
            cacheLog.setLevel(before);
        }
        System.out.printf("replication simulation: %d seeds from %d, %d events, %d acks=all batches acknowledged, "
                        + "%d of %d partition runs excluded (whole ISR lost unflushed data), %.1f s%n", count, first, events, acks,
                excluded, count * partitions, (System.nanoTime() - started) / 1e9);
        // The runs must exercise something: acknowledged writes, and faults that leave most partitions checked.
        assertThat(acks).isGreaterThan(count * 10);
        assertThat(excluded).isLessThan(count * partitions / 4 + 1);
    }
}
