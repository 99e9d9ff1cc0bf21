package io.fjord.bench;

import io.fjord.protocol.record.RecordBatch;
import io.fjord.storage.LogConfig;
import io.fjord.storage.PartitionLog;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Append throughput of one {@link PartitionLog}: each operation appends one pre-built magic-2 batch of
 * {@code batchBytes} bytes (offsets are assigned in place, the bytes go to the page cache; no fsync). The
 * {@code bytes} secondary result is bytes appended per second, so MB/s = bytes / 1e6; otherwise
 * MB/s = ops/s * batchBytes / 1e6. A fresh log directory is used per iteration and deleted after it, so disk use is
 * bounded by one iteration's worth of appends.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LogAppendBenchmark {
    @Param({"16384", "65536"})
    public int batchBytes;

    @Param({"268435456"})
    public int segmentBytes;

    private Path dir;
    private PartitionLog log;
    private ByteBuffer batch;

    /** Secondary result: bytes appended, reported as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
        }
    }

    @Setup(Level.Trial)
    public void buildBatch() {
        batch = opaqueBatch(batchBytes, 100);
    }

    @Setup(Level.Iteration)
    public void openLog() throws IOException {
        dir = Files.createTempDirectory("fjord-bench-").resolve("bench-0");
        LogConfig config = LogConfig.DEFAULT.withSegmentBytes(segmentBytes);
        log = PartitionLog.open(dir, "bench", 0, UUID.randomUUID(), config, Clock.systemUTC(), true);
    }

    @TearDown(Level.Iteration)
    public void deleteLog() throws IOException {
        log.close();
        try (Stream<Path> files = Files.walk(dir.getParent())) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Benchmark
    public long append(Bytes counter) {
        counter.bytes += batch.remaining();
        return log.append(batch).lastOffset();
    }

    /** A valid batch of {@code size} bytes holding {@code records} records of opaque (random) content. */
    static ByteBuffer opaqueBatch(int size, int records) {
        ByteBuffer b = ByteBuffer.allocate(size);
        ThreadLocalRandom.current().nextBytes(b.array());
        b.putLong(RecordBatch.BASE_OFFSET_OFFSET, 0L);
        b.putInt(RecordBatch.LENGTH_OFFSET, size - RecordBatch.LOG_OVERHEAD);
        b.putInt(RecordBatch.PARTITION_LEADER_EPOCH_OFFSET, 0);
        b.put(RecordBatch.MAGIC_OFFSET, RecordBatch.MAGIC);
        b.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) 0);
        b.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, records - 1);
        long now = System.currentTimeMillis();
        b.putLong(RecordBatch.BASE_TIMESTAMP_OFFSET, now);
        b.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, now);
        b.putLong(RecordBatch.PRODUCER_ID_OFFSET, -1L);
        b.putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, (short) -1);
        b.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, -1);
        b.putInt(RecordBatch.RECORDS_COUNT_OFFSET, records);
        b.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(b, 0));
        return b;
    }
}
