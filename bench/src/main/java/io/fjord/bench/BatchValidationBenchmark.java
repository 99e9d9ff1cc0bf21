package io.fjord.bench;

import io.fjord.protocol.record.BatchValidator;
import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.RecordBatchBuilder;
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
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Produce-path validation ({@link BatchValidator#validateProduce}: header checks and CRC-32C, no decompression) of
 * one batch of about {@code batchBytes} bytes (default 64 KiB) holding records with {@code valueBytes}-byte values
 * (default 100) and no key. The primary score is batches validated per second; the {@code bytes} secondary score is
 * batch bytes validated per second, so MB/s = bytes score / 1e6. The batch size in bytes is printed at setup.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class BatchValidationBenchmark {
    @Param({"65536"})
    public int batchBytes;

    @Param({"100"})
    public int valueBytes;

    @Param({"none", "lz4"})
    public String compression;

    private ByteBuffer batch;

    /** Counts validated bytes; JMH reports it as a rate next to the primary score. */
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
    public void setUp() {
        CompressionType type = CompressionType.forName(compression);
        Random rnd = new Random(1);
        byte[] value = new byte[valueBytes];
        RecordBatchBuilder builder = new RecordBatchBuilder(0, type);
        long ts = 1_700_000_000_000L;
        // the uncompressed size is what a producer's batch.size bounds
        while (builder.uncompressedSizeInBytes() + valueBytes + 8 <= batchBytes) {
            for (int i = 0; i < value.length; i++) value[i] = (byte) ('a' + rnd.nextInt(16));
            builder.append(ts++, null, value.clone(), List.of());
        }
        batch = builder.build();
        BatchValidator.Result r = BatchValidator.validateProduce(batch.duplicate());
        if (!r.isOk()) throw new IllegalStateException(r.message());
        System.out.printf("%n[setup] %s batch: %d records, %d bytes on the wire%n", compression, builder.numRecords(),
                batch.remaining());
    }

    @Benchmark
    public BatchValidator.Result validateProduce(Bytes counter) {
        BatchValidator.Result r = BatchValidator.validateProduce(batch);
        counter.bytes += r.sizeInBytes();
        return r;
    }
}
