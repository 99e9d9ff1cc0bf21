package io.fjord.bench;

import io.fjord.storage.GroupCommitFlusher;
import io.fjord.storage.LogConfig;
import io.fjord.storage.LogManager;
import io.fjord.storage.PartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Storage figures that are not micro-benchmarks (run: {@code java -cp bench/target/fjord-bench.jar
 * io.fjord.bench.StorageFigures [append|restart|all] [dir]}):
 * <ul>
 *   <li>{@code append}: append throughput of 8 writer threads (one partition each, ~16 KiB batches as a producer
 *       with default batch.size sends) for 100 B and 1 KiB records, without fsync and with group-commit fsync
 *       (each writer waits for its append to be fsynced before the next, as an acks=all produce with
 *       {@code fjord.log.fsync.on.ack} does);</li>
 *   <li>{@code restart}: LogManager start-up time for 1,000 partitions x 10 segments after a clean shutdown,
 *       after an unclean one with a recovery-point checkpoint, and after an unclean one without it.</li>
 * </ul>
 */
public final class StorageFigures {
    private StorageFigures() {
    }

    public static void main(String[] args) throws Exception {
        String what = args.length > 0 ? args[0] : "all";
        Path base = Files.createTempDirectory(args.length > 1 ? Path.of(args[1]) : Path.of(System.getProperty("java.io.tmpdir")), "fjord-figures-");
        try {
            if (what.equals("append") || what.equals("all")) {
                for (int recordSize : new int[] {100, 1024}) {
                    for (boolean fsync : new boolean[] {false, true}) append(base, recordSize, fsync, 8, 5_000);
                }
            }
            if (what.equals("restart") || what.equals("all")) restart(base, 1000, 10);
        } finally {
            delete(base);
        }
    }

    static void append(Path base, int recordSize, boolean fsync, int threads, long millis) throws Exception {
        Path dir = base.resolve("append-" + recordSize + "-" + fsync);
        int records = Math.max(1, 16384 / (recordSize + 8));
        ByteBuffer template = LogAppendBenchmark.opaqueBatch(61 + records * (recordSize + 8), records);
        LogConfig cfg = LogConfig.DEFAULT.withSegmentBytes(256 * 1024 * 1024);
        LogManager logs = LogManager.open(dir, cfg, Clock.systemUTC());
        GroupCommitFlusher flusher = fsync ? new GroupCommitFlusher("bench-flusher") : null;
        AtomicLong bytes = new AtomicLong();
        long deadline = System.nanoTime() + millis * 1_000_000L;
        List<Thread> ts = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            PartitionLog log = logs.getOrCreate("bench", t, UUID.randomUUID(), cfg);
            Thread th = new Thread(() -> {
                ByteBuffer b = ByteBuffer.allocate(template.remaining()).put(template.duplicate()).flip(); // own copy: append stamps offsets
                while (System.nanoTime() < deadline) {
                    var r = log.append(b);
                    if (flusher != null) flusher.flushed(log, r.lastOffset() + 1).join();
                    bytes.addAndGet(b.remaining());
                }
            });
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) th.join();
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("append record=%dB fsync=%s threads=%d: %.1f MB/s%s%n", recordSize, fsync ? "group-commit" : "off",
                threads, bytes.get() / secs / 1e6,
                flusher == null ? "" : String.format(" (%d flush rounds for %d requests)", flusher.rounds(), flusher.requests()));
        if (flusher != null) flusher.close();
        logs.close();
        delete(dir);
    }

    static void restart(Path base, int partitions, int segmentsEach) throws Exception {
        Path dir = base.resolve("restart");
        LogConfig cfg = LogConfig.DEFAULT.withSegmentBytes(64 * 1024).withSegmentIndexBytes(64 * 1024);
        ByteBuffer batch = LogAppendBenchmark.opaqueBatch(16 * 1024, 16);
        LogManager m = LogManager.open(dir, cfg, Clock.systemUTC());
        for (int p = 0; p < partitions; p++) {
            PartitionLog l = m.getOrCreate("t" + (p % 50), p / 50, UUID.randomUUID(), cfg);
            for (int s = 0; s < segmentsEach; s++) {
                for (int i = 0; i < 3; i++) l.append(batch.duplicate());
                if (s < segmentsEach - 1) l.roll();
            }
        }
        m.close();
        long bytes;
        try (Stream<Path> s = Files.walk(dir)) {
            bytes = s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
        System.out.printf("restart: %d partitions x %d segments, %.0f MB on disk%n", partitions, segmentsEach, bytes / 1e6);
        System.out.printf("  clean start:                          %d ms%n", timeOpen(dir, cfg));
        // Unclean with checkpoint: recovery points are at the log ends (written on close), only active segments scanned.
        Files.deleteIfExists(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE));
        System.out.printf("  unclean, recovery-point checkpoint:   %d ms%n", timeOpen(dir, cfg));
        Files.deleteIfExists(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE));
        Files.deleteIfExists(dir.resolve("recovery-point-offset-checkpoint"));
        System.out.printf("  unclean, no checkpoint (all scanned): %d ms%n", timeOpen(dir, cfg));
        delete(dir);
    }

    /** Opens (timed) and closes without the clean marker being relevant to the next measurement's caller. */
    private static long timeOpen(Path dir, LogConfig cfg) {
        long t0 = System.nanoTime();
        LogManager m = LogManager.open(dir, cfg, Clock.systemUTC());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        m.close();
        return ms;
    }

    private static void delete(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
