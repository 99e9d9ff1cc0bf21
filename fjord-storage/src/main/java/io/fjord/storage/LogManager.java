package io.fjord.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * All partition logs of a broker, spread over one or more log directories. Each log dir holds partition
 * directories {@code <topic>-<partition>} (see {@link PartitionLog}) and, while the broker is stopped after a clean
 * shutdown, an empty marker file {@value #CLEAN_SHUTDOWN_FILE}. The marker is removed when the manager opens the dir
 * and written back by {@link #close()} after every log in it was flushed and closed; its absence on start means the
 * logs are recovered. A partition directory being deleted is first renamed to {@code <name>.<uuid>-delete}; such
 * leftovers are removed on start. Each log dir also holds the {@link OffsetCheckpointFile}s
 * {@value OffsetCheckpointFile#RECOVERY_POINT} (where recovery starts after a crash) and
 * {@value OffsetCheckpointFile#LOG_START_OFFSET} (log start offsets raised by DeleteRecords or retention) and
 * {@value OffsetCheckpointFile#REPLICATION_OFFSET} (high watermarks), written together by {@link #checkpoint()},
 * after deletions and on close.
 *
 * <p>Threading: all methods are thread-safe. Partition creation and deletion are atomic per partition
 * ({@link ConcurrentHashMap#computeIfAbsent}); {@link #delete(String)} and {@link #close()} are serialised with each
 * other and with creation by a manager-wide lock. Reads and appends go straight to the {@link PartitionLog}s.
 */
public final class LogManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogManager.class);
    public static final String CLEAN_SHUTDOWN_FILE = ".fjord_cleanshutdown";
    private static final String DELETE_SUFFIX = "-delete";

    /** A topic partition key. */
    public record TopicPartition(String topic, int partition) {
        @Override
        public String toString() {
            return PartitionLog.dirName(topic, partition);
        }
    }

    private final List<Path> logDirs;
    private final LogConfig defaultConfig;
    private final Clock clock;
    private final Map<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();
    private volatile java.util.function.LongConsumer flushObserver = nanos -> { };
    private final Object lifecycle = new Object();
    private volatile boolean closed;

    private LogManager(List<Path> logDirs, LogConfig defaultConfig, Clock clock) {
        if (logDirs.isEmpty()) throw new IllegalArgumentException("no log dirs");
        this.logDirs = List.copyOf(logDirs);
        this.defaultConfig = defaultConfig;
        this.clock = clock;
    }

    /**
     * Opens the log dirs (creating them if needed) and loads every partition found, recovering those of a dir
     * that lacks the clean-shutdown marker. Loaded partitions use {@code defaultConfig}; apply topic configs with
     * {@link PartitionLog#updateConfig}.
     */
    public static LogManager open(List<Path> logDirs, LogConfig defaultConfig, Clock clock) {
        return open(logDirs, defaultConfig, clock, DEFAULT_PROGRESS_INTERVAL_MS);
    }

    /** As above, reporting the loading progress every {@code progressIntervalMs} (see {@link LoadProgress}). */
    static LogManager open(List<Path> logDirs, LogConfig defaultConfig, Clock clock, long progressIntervalMs) {
        LogManager m = new LogManager(logDirs, defaultConfig, clock);
        m.progressIntervalMs = progressIntervalMs;
        try {
            for (Path d : m.logDirs) m.loadDir(d);
        } catch (IOException e) {
            m.closeQuietly();
            throw new StorageException("cannot load log dirs " + logDirs, e);
        } catch (RuntimeException e) {
            m.closeQuietly();
            throw e;
        }
        return m;
    }

    public static LogManager open(Path logDir, LogConfig defaultConfig, Clock clock) {
        return open(List.of(logDir), defaultConfig, clock);
    }

    private void loadDir(Path logDir) throws IOException {
        Files.createDirectories(logDir);
        Path marker = logDir.resolve(CLEAN_SHUTDOWN_FILE);
        boolean clean = Files.exists(marker);
        Map<TopicPartition, Long> recoveryPoints = new OffsetCheckpointFile(
                logDir.resolve(OffsetCheckpointFile.RECOVERY_POINT)).read();
        Map<TopicPartition, Long> logStarts = new OffsetCheckpointFile(
                logDir.resolve(OffsetCheckpointFile.LOG_START_OFFSET)).read();
        Map<TopicPartition, Long> highWatermarks = new OffsetCheckpointFile(
                logDir.resolve(OffsetCheckpointFile.REPLICATION_OFFSET)).read();
        List<Path> partitionDirs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(logDir, Files::isDirectory)) {
            for (Path p : ds) partitionDirs.add(p);
        }
        if (!clean && !partitionDirs.isEmpty()) log.info("No clean shutdown marker in {}; recovering its logs", logDir);
        int partitionsToLoad = 0;
        int segmentFiles = 0;
        for (Path p : partitionDirs) {
            String name = p.getFileName().toString();
            if (name.endsWith(DELETE_SUFFIX) || name.startsWith("__cluster_metadata") || parseDirName(name) == null) continue;
            partitionsToLoad++;
            segmentFiles += countSegmentFiles(p);
        }
        LoadProgress progress = new LoadProgress(logDir.toString(), partitionsToLoad, segmentFiles, !clean, clock,
                progressIntervalMs, log::info);
        progress.begin();
        for (Path p : partitionDirs) {
            int files = countSegmentFiles(p);
            String name = p.getFileName().toString();
            if (name.endsWith(DELETE_SUFFIX)) {
                PartitionLog.deleteRecursively(p);
                continue;
            }
            if (name.startsWith("__cluster_metadata")) continue; // the metadata log lives beside the partitions
            TopicPartition tp = parseDirName(name);
            if (tp == null) {
                log.warn("Ignoring directory {}: not <topic>-<partition>", p);
                continue;
            }
            // A log without a high-watermark entry predates replication; PartitionLog.open (LogLoader) then uses
            // the log end after a clean shutdown and the recovery point after a crash.
            Long hw = highWatermarks.get(tp);
            PartitionLog pl = PartitionLog.open(p, tp.topic(), tp.partition(), null, defaultConfig, clock, clean,
                    recoveryPoints.getOrDefault(tp, 0L), logStarts.getOrDefault(tp, 0L),
                    hw == null ? OptionalLong.empty() : OptionalLong.of(hw));
            PartitionLog dup = logs.putIfAbsent(tp, pl);
            if (dup != null) {
                pl.close();
                throw new IllegalStateException("partition " + tp + " found in both " + dup.dir() + " and " + p);
            }
            progress.partitionDone(files);
        }
        progress.finish();
        // Only now: if loading failed we want the next start to recover again.
        Files.deleteIfExists(marker);
        fsyncDir(logDir);
    }

    private static int countSegmentFiles(Path partitionDir) throws IOException {
        try (var files = Files.list(partitionDir)) {
            return (int) files.filter(f -> f.getFileName().toString().endsWith(LogSegment.LOG_SUFFIX)).count();
        }
    }

    /** How often loading at start reports its progress (tests set it lower). */
    static final long DEFAULT_PROGRESS_INTERVAL_MS = 5_000;
    private volatile long progressIntervalMs = DEFAULT_PROGRESS_INTERVAL_MS;

    static TopicPartition parseDirName(String name) {
        int dash = name.lastIndexOf('-');
        if (dash <= 0 || dash == name.length() - 1) return null;
        try {
            int partition = Integer.parseInt(name.substring(dash + 1));
            return partition < 0 ? null : new TopicPartition(name.substring(0, dash), partition);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public List<Path> logDirs() {
        return logDirs;
    }

    public LogConfig defaultConfig() {
        return defaultConfig;
    }

    /**
     * Returns the partition's log, creating it (in the log dir with the fewest partitions) if absent. An existing
     * log keeps its config; a differing stored topic id is an error.
     */
    public PartitionLog getOrCreate(String topic, int partition, UUID topicId, LogConfig config) {
        TopicPartition tp = new TopicPartition(topic, partition);
        PartitionLog existing = logs.get(tp);
        if (existing == null) {
            synchronized (lifecycle) {
                if (closed) throw new IllegalStateException("log manager is closed");
                existing = logs.computeIfAbsent(tp, k -> {
                    PartitionLog created = PartitionLog.open(pickDir().resolve(tp.toString()), topic, partition, topicId, config, clock, true);
                    created.setFlushObserver(flushObserver);
                    return created;
                });
            }
        }
        Optional<UUID> id = existing.topicId();
        if (topicId != null && id.isPresent() && !id.get().equals(topicId)) {
            throw new IllegalStateException("partition " + tp + " has topic id " + id.get() + ", not " + topicId);
        }
        return existing;
    }

    private Path pickDir() {
        Path best = logDirs.get(0);
        long bestCount = Long.MAX_VALUE;
        for (Path d : logDirs) {
            long count = logs.values().stream().filter(l -> l.dir().getParent().equals(d)).count();
            if (count < bestCount) {
                best = d;
                bestCount = count;
            }
        }
        return best;
    }

    public Optional<PartitionLog> get(String topic, int partition) {
        return Optional.ofNullable(logs.get(new TopicPartition(topic, partition)));
    }

    public Collection<PartitionLog> allLogs() {
        return List.copyOf(logs.values());
    }

    /** Partitions of a topic currently held. */
    public List<PartitionLog> logsOf(String topic) {
        return logs.entrySet().stream().filter(e -> e.getKey().topic().equals(topic)).map(Map.Entry::getValue)
                .toList();
    }

    /**
     * Deletes every partition of {@code topic}: each directory is renamed to a {@code -delete} name, then removed.
     * Returns the number of partitions deleted.
     */
    public int delete(String topic) {
        synchronized (lifecycle) {
            int n = 0;
            for (PartitionLog pl : logsOf(topic)) {
                deleteLocked(pl);
                n++;
            }
            if (n > 0) checkpointQuietly();
            return n;
        }
    }

    /** Deletes one partition's log (its replica moved to another broker); false if this broker has none. */
    public boolean deletePartition(String topic, int partition) {
        synchronized (lifecycle) {
            PartitionLog pl = logs.get(new TopicPartition(topic, partition));
            if (pl == null) return false;
            deleteLocked(pl);
            checkpointQuietly();
            return true;
        }
    }

    private void deleteLocked(PartitionLog pl) {
        TopicPartition tp = new TopicPartition(pl.topic(), pl.partition());
        logs.remove(tp);
        pl.markDeleted();
        Path target = pl.dir().resolveSibling(tp + "." + UUID.randomUUID().toString().replace("-", "") + DELETE_SUFFIX);
        try {
            Files.move(pl.dir(), target);
            fsyncDir(pl.dir().getParent());
            PartitionLog.deleteRecursively(target);
        } catch (IOException e) {
            throw new StorageException("cannot delete " + pl.dir(), e);
        }
    }

    /** Flushes all logs. */
    /** Every log, present and future, reports each flush's duration (nanoseconds) to {@code observer}. */
    public void setFlushObserver(java.util.function.LongConsumer observer) {
        synchronized (lifecycle) {
            this.flushObserver = observer;
            for (PartitionLog pl : logs.values()) pl.setFlushObserver(observer);
        }
    }

        public void flushAll() {
        for (PartitionLog pl : logs.values()) pl.flush();
    }

    /**
     * Writes the recovery-point, log-start-offset and high-watermark checkpoints of every log dir from the logs'
     * current values.
     * Serialised with deletion and close.
     */
    public void checkpoint() {
        synchronized (lifecycle) {
            if (closed) return;
            writeCheckpoints();
        }
    }

    private void checkpointQuietly() {
        try {
            writeCheckpoints();
        } catch (StorageException e) {
            log.warn("Cannot write offset checkpoints", e);
        }
    }

    private void writeCheckpoints() {
        for (Path d : logDirs) {
            java.util.Comparator<TopicPartition> order = java.util.Comparator.comparing(TopicPartition::topic)
                    .thenComparingInt(TopicPartition::partition);
            Map<TopicPartition, Long> rp = new java.util.TreeMap<>(order);
            Map<TopicPartition, Long> ls = new java.util.TreeMap<>(order);
            Map<TopicPartition, Long> hw = new java.util.TreeMap<>(order);
            for (Map.Entry<TopicPartition, PartitionLog> e : logs.entrySet()) {
                if (!e.getValue().dir().getParent().equals(d)) continue;
                rp.put(e.getKey(), e.getValue().recoveryPoint());
                ls.put(e.getKey(), e.getValue().logStartOffset());
                hw.put(e.getKey(), e.getValue().highWatermark());
            }
            try {
                new OffsetCheckpointFile(d.resolve(OffsetCheckpointFile.RECOVERY_POINT)).write(rp);
                new OffsetCheckpointFile(d.resolve(OffsetCheckpointFile.LOG_START_OFFSET)).write(ls);
                new OffsetCheckpointFile(d.resolve(OffsetCheckpointFile.REPLICATION_OFFSET)).write(hw);
            } catch (IOException e) {
                throw new StorageException("cannot write offset checkpoints in " + d, e);
            }
        }
    }

    /** Closes every log and then writes the clean-shutdown marker into each log dir whose logs all closed. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) return;
            closed = true;
            List<Path> failedDirs = new ArrayList<>();
            RuntimeException failure = null;
            for (PartitionLog pl : logs.values()) {
                try {
                    pl.close();
                } catch (RuntimeException e) {
                    failedDirs.add(pl.dir().getParent());
                    if (failure == null) failure = e;
                    else failure.addSuppressed(e);
                }
            }
            try {
                writeCheckpoints();
            } catch (StorageException e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
                failedDirs.addAll(logDirs);
            }
            for (Path d : logDirs) {
                if (failedDirs.contains(d)) continue;
                try {
                    Path marker = d.resolve(CLEAN_SHUTDOWN_FILE);
                    Files.deleteIfExists(marker);
                    Files.createFile(marker);
                    try (FileChannel ch = FileChannel.open(marker, StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                    fsyncDir(d);
                } catch (IOException e) {
                    StorageException se = new StorageException("cannot write clean shutdown marker in " + d, e);
                    if (failure == null) failure = se;
                    else failure.addSuppressed(se);
                }
            }
            if (failure != null) throw failure;
        }
    }

    private void closeQuietly() {
        for (PartitionLog pl : logs.values()) {
            try {
                pl.close();
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
    }

    static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // not supported on every platform
        }
    }
}
