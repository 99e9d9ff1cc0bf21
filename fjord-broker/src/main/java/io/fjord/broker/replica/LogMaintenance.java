package io.fjord.broker.replica;

import io.fjord.broker.config.BrokerConfig;
import io.fjord.storage.LogFlusher;
import io.fjord.storage.LogManager;
import io.fjord.storage.LogRetention;
import io.fjord.storage.PartitionLog;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's background log tasks on one scheduler thread:
 * <ul>
 *   <li>retention every {@code log.retention.check.interval.ms} ({@link LogRetention}), bounded by the high
 *       watermark, then a checkpoint if segments went;</li>
 *   <li>time-based flushing every {@code log.flush.scheduler.interval.ms} ({@link LogFlusher#flushDue});</li>
 *   <li>every {@code log.flush.offset.checkpoint.interval.ms}: fsync of segments rolled since the last flush
 *       (moving recovery points to the active segments) and the recovery-point / log-start checkpoints.</li>
 * </ul>
 * {@link #runRetentionNow()} and {@link #checkpointNow()} run a pass synchronously (tests, benchmarks).
 */
public final class LogMaintenance implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogMaintenance.class);
    /** Intervals at or above this (Kafka's Long.MAX_VALUE defaults) mean "never". */
    private static final long NEVER = Long.MAX_VALUE / 2;

    private final BrokerConfig config;
    private final LogManager logs;
    private final ToLongFunction<PartitionLog> highWatermark;
    private final Clock clock;
    private ScheduledExecutorService scheduler;

    LogMaintenance(BrokerConfig config, LogManager logs, ToLongFunction<PartitionLog> highWatermark, Clock clock) {
        this.config = config;
        this.logs = logs;
        this.highWatermark = highWatermark;
        this.clock = clock;
    }

    synchronized void start() {
        if (scheduler != null) return;
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fjord-log-maintenance");
            t.setDaemon(true);
            return t;
        });
        schedule(config.getLong("log.retention.check.interval.ms"), this::runRetentionNow);
        schedule(config.getLong("log.flush.scheduler.interval.ms"), () -> LogFlusher.flushDue(logs.allLogs(), clock.millis()));
        schedule(config.getLong("log.flush.offset.checkpoint.interval.ms"), this::checkpointNow);
    }

    private void schedule(long intervalMs, Runnable task) {
        if (intervalMs >= NEVER) return;
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("Log maintenance task failed", e);
            }
        }, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    /** One retention pass over every log; returns the number of segments deleted. */
    public int runRetentionNow() {
        int deleted = LogRetention.run(logs.allLogs(), clock.millis(), highWatermark);
        if (deleted > 0) logs.checkpoint();
        return deleted;
    }

    /** Flushes rolled segments and writes both checkpoints. */
    public void checkpointNow() {
        LogFlusher.flushRolled(logs.allLogs());
        logs.checkpoint();
    }

    @Override
    public synchronized void close() {
        if (scheduler == null) return;
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
