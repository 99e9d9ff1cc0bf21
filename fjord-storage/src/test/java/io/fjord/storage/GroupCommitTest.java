package io.fjord.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.protocol.record.RecordBatch;
import io.fjord.storage.TestBatches.ManualClock;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit ({@code fjord.log.fsync.on.ack}): concurrent waiters share forces, a force covers the .log only and
 * leaves the recovery point, and a crash that kept only the forced .log files loses nothing a waiter was told of.
 */
class GroupCommitTest {
    private static final UUID ID = UUID.randomUUID();
    private static final long T0 = 1_700_000_000_000L;
    private static final long PID = 4711L;

    @TempDir
    Path tmp;
    private final ManualClock clock = new ManualClock(T0);
    private final LogConfig cfg = LogConfig.DEFAULT.withSegmentBytes(2048).withIndexIntervalBytes(200);

    @Test
    void concurrentWaitersOnFourLogsAreCompletedByOneForcePerLog() throws Exception {
        int waiters = 32;
        List<PartitionLog> logs = new ArrayList<>();
        for (int i = 0; i < 4; i++) logs.add(PartitionLog.open(tmp.resolve("g-" + i), "g", i, ID, cfg, clock, true));
        // The flusher thread waits for the gate before its first round, so every request below is queued by then:
        // the round must then serve all of them with one force per log.
        CountDownLatch gate = new CountDownLatch(1);
        ExecutorService producers = Executors.newFixedThreadPool(8);
        try (GroupCommitFlusher f = new GroupCommitFlusher(r -> new Thread(() -> {
            try {
                if (gate.await(60, TimeUnit.SECONDS)) r.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "gated-flusher"))) {
            List<Future<CompletableFuture<Void>>> submitted = new ArrayList<>();
            for (int i = 0; i < waiters; i++) {
                PartitionLog l = logs.get(i % logs.size());
                submitted.add(producers.submit(() -> {
                    LogAppendResult r = l.append(TestBatches.batch(3, T0, 100));
                    return f.flushed(l, r.lastOffset() + 1);
                }));
            }
            List<CompletableFuture<Void>> acks = new ArrayList<>();
            for (Future<CompletableFuture<Void>> s : submitted) acks.add(s.get(30, TimeUnit.SECONDS));
            assertThat(acks).noneMatch(CompletableFuture::isDone);
            gate.countDown();
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertThat(f.requests()).isEqualTo(waiters);
            assertThat(f.rounds()).isEqualTo(1);
            assertThat(f.forces()).isEqualTo(logs.size()).isLessThan(waiters);
            for (PartitionLog l : logs) {
                assertThat(l.durableOffset()).isEqualTo(l.logEndOffset()).isEqualTo(waiters / logs.size() * 3L);
                assertThat(l.recoveryPoint()).isZero(); // only the .log was forced; recovery owns the rest
            }
            // Covered by an earlier force: answered at once, no new round or force.
            assertThat(f.flushed(logs.get(0), logs.get(0).logEndOffset())).isDone();
            assertThat(f.forces()).isEqualTo(logs.size());
        } finally {
            producers.shutdownNow();
            for (PartitionLog l : logs) l.close();
        }
    }

    @Test
    void aCrashThatKeptOnlyTheForcedLogFilesRebuildsIndexesAndProducerState() throws Exception {
        Path dir = tmp.resolve("c-0");
        PartitionLog l = PartitionLog.open(dir, "c", 0, ID, cfg, clock, true);
        int seq = 0;
        List<Long> firstOffsets = new ArrayList<>();
        for (int i = 0; i < 40; i++) { // about 8 segments: rolls, index entries, producer snapshots at rolls
            ByteBuffer b = i % 2 == 0 ? ProducerStateTest.batch(PID, 0, seq, 2) : TestBatches.batch(2, T0 + i, 300);
            if (i % 2 == 0) seq += 2;
            if (i % 2 == 1) {
                b.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, T0 + i);
                b.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(b, 0));
            }
            firstOffsets.add(l.append(b).firstOffset());
        }
        long end = l.logEndOffset();
        assertThat(l.numberOfSegments()).isGreaterThan(3);
        assertThat(l.forceLog()).isEqualTo(end);
        assertThat(l.durableOffset()).isEqualTo(end);
        long recoveryPoint = l.recoveryPoint();
        assertThat(recoveryPoint).isLessThan(end);
        Optional<TimestampAndOffset> byTime = l.offsetForTimestamp(T0 + 21);

        // What a power loss leaves when only the .log files were forced: the .log files (and the partition
        // metadata written at creation); no index, time index, producer snapshot or epoch checkpoint.
        Path crashed = Files.createDirectories(tmp.resolve("crashed").resolve("c-0"));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(LogSegment.LOG_SUFFIX) || name.equals(PartitionLog.METADATA_FILE)) {
                    Files.copy(p, crashed.resolve(name));
                }
            }
        }
        l.close();
        PartitionLog r = PartitionLog.open(crashed, "c", 0, ID, cfg, clock, false, recoveryPoint, 0L);
        try {
            assertThat(r.logEndOffset()).isEqualTo(end);
            try (Stream<Path> files = Files.list(crashed)) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .anyMatch(n -> n.endsWith(LogSegment.INDEX_SUFFIX))
                        .anyMatch(n -> n.endsWith(LogSegment.TIME_INDEX_SUFFIX));
            }
            for (long first : firstOffsets) assertThat(r.read(first, 1).firstOffset()).isEqualTo(first);
            assertThat(r.offsetForTimestamp(T0 + 21)).isEqualTo(byTime);
            // The producer state was rebuilt from the .log: a retry of the last idempotent batch is a duplicate
            // with its original offsets, the next sequence is accepted.
            LogAppendResult dup = r.append(ProducerStateTest.batch(PID, 0, seq - 2, 2));
            assertThat(dup.isDuplicate()).isTrue();
            assertThat(dup.firstOffset()).isEqualTo(firstOffsets.get(38));
            assertThat(r.append(ProducerStateTest.batch(PID, 0, seq, 2)).firstOffset()).isEqualTo(end);
        } finally {
            r.close();
        }
    }
}
