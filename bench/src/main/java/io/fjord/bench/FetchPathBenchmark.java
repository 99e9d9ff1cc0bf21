package io.fjord.bench;

import io.fjord.protocol.api.FetchApi;
import io.fjord.protocol.api.Frames;
import io.fjord.protocol.api.ResponseHeader;
import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.RecordBatchBuilder;
import io.fjord.protocol.types.ProtocolWriter;
import io.fjord.protocol.types.Records;
import io.fjord.protocol.types.SizeCounter;
import io.fjord.protocol.types.Struct;
import io.fjord.storage.FileRecordsSlice;
import io.fjord.storage.LogConfig;
import io.fjord.storage.LogReadResult;
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
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The broker's fetch path for one partition, as {@code FetchHandler} and the network layer run it: read from a real
 * {@link PartitionLog} (offset index lookup, batch header scan up to {@code fetchBytes} and the high watermark), build
 * the Fetch v{@value #VERSION} response {@link Struct} the way {@code FetchHandler.partitionResponse} does, size it
 * ({@link SizeCounter}) and encode it the way {@code NettyResponseWriter} does: header and fields into a buffer,
 * records of 1 KiB or more handed on as a file region (here: remembered, not sent; smaller slices are copied in).
 * The request decode and the socket write are not included.
 *
 * <p>The log holds {@code LOG_RECORDS} records in batches of {@code records} records with {@code valueBytes}-byte
 * values; each operation fetches at the next offset after the previous fetch (wrapping to 0 at the end), so reads
 * walk the whole log. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is bytes allocated per fetch; the
 * {@code recordsFetched} and {@code batchesFetched} counters give the records and batches per fetch to divide by.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class FetchPathBenchmark {
    static final short VERSION = 17;
    static final int LOG_RECORDS = 400_000;
    private static final int REGION_THRESHOLD = 1024;

    @Param({"1", "100"})
    public int records;

    @Param({"100"})
    public int valueBytes;

    /** PartitionMaxBytes of the fetch (the consumer's max.partition.fetch.bytes default is 1 MiB). */
    @Param({"1048576"})
    public int fetchBytes;

    private Path dir;
    private PartitionLog log;
    private long nextOffset;
    private final UUID topicId = UUID.randomUUID();
    private final RegionWriter out = new RegionWriter(64 * 1024);

    /** Records and batches fetched, reported per operation. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Fetched {
        public long recordsFetched;
        public long batchesFetched;

        @Setup(Level.Iteration)
        public void reset() {
            recordsFetched = 0;
            batchesFetched = 0;
        }
    }

    @Setup(Level.Trial)
    public void fillLog() throws IOException {
        dir = Files.createTempDirectory("fjord-bench-").resolve("bench-0");
        log = PartitionLog.open(dir, "bench", 0, topicId, LogConfig.DEFAULT, Clock.systemUTC(), true);
        Random rnd = new Random(1);
        long ts = 1_700_000_000_000L;
        for (int n = 0; n < LOG_RECORDS; n += records) {
            RecordBatchBuilder b = new RecordBatchBuilder(0, CompressionType.NONE);
            for (int i = 0; i < records; i++) {
                byte[] value = new byte[valueBytes];
                for (int j = 0; j < value.length; j++) value[j] = (byte) ('a' + rnd.nextInt(16));
                b.append(ts++, null, value);
            }
            log.append(b.build());
        }
        log.updateHighWatermark(log.logEndOffset());
        System.out.printf("%n[setup] %d records in batches of %d: %d bytes, %d segment(s)%n", log.logEndOffset(),
                records, log.sizeInBytes(), log.numberOfSegments());
    }

    @TearDown(Level.Trial)
    public void deleteLog() throws IOException {
        log.close();
        try (Stream<Path> files = Files.walk(dir.getParent())) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Benchmark
    public int readAndEncode(Fetched fetched) {
        LogReadResult r = log.read(nextOffset, fetchBytes, log.highWatermark(), true);
        FileRecordsSlice slice = r.records();
        long last = log.highWatermark();
        Struct response = FetchApi.SPEC.newResponse().set("SessionId", 0);
        Struct topic = response.child("Responses").set("TopicId", topicId);
        response.add("Responses", topic);
        Struct p = topic.child("Partitions").set("PartitionIndex", 0).set("PreferredReadReplica", -1)
                .set("ErrorCode", (short) 0).set("HighWatermark", last).set("LastStableOffset", last)
                .set("LogStartOffset", r.logStartOffset()).set("Records", slice).set("AbortedTransactions", null);
        topic.add("Partitions", p);
        SizeCounter counter = new SizeCounter();
        new ResponseHeader(1).write(counter, FetchApi.SPEC.responseHeaderVersion(VERSION));
        FetchApi.SPEC.response().write(counter, response, VERSION, FetchApi.SPEC.isFlexible(VERSION));
        out.reset();
        out.writeInt(counter.size());
        Frames.writeResponse(out, FetchApi.SPEC, VERSION, 1, response);
        // where the next fetch starts: after the last returned batch, as a consumer would continue
        int batches = slice.sizeInBytes() / batchSize();
        fetched.batchesFetched += batches;
        fetched.recordsFetched += (long) batches * records;
        nextOffset = r.firstOffset() + (long) batches * records;
        if (nextOffset >= log.logEndOffset()) nextOffset = 0;
        return out.position() + (int) out.regionBytes;
    }

    private int batchSize = -1;

    /** Every batch in the log has the same size (same record count and value size, no key, no headers). */
    private int batchSize() {
        if (batchSize < 0) {
            ByteBuffer first = log.read(0, 1, Long.MAX_VALUE, true).records().readAll();
            batchSize = first.remaining();
        }
        return batchSize;
    }

    /** The network layer's writer, minus Netty: fields into one reused buffer, large record slices as regions. */
    static final class RegionWriter implements ProtocolWriter {
        private final ByteBuffer buf;
        long regionBytes;

        RegionWriter(int capacity) {
            buf = ByteBuffer.allocateDirect(capacity);
        }

        void reset() {
            buf.clear();
            regionBytes = 0;
        }

        int position() {
            return buf.position();
        }

        @Override
        public void writeByte(int b) {
            buf.put((byte) b);
        }

        @Override
        public void writeShort(short s) {
            buf.putShort(s);
        }

        @Override
        public void writeInt(int i) {
            buf.putInt(i);
        }

        @Override
        public void writeLong(long l) {
            buf.putLong(l);
        }

        @Override
        public void writeDouble(double d) {
            buf.putDouble(d);
        }

        @Override
        public void writeBytes(byte[] b) {
            buf.put(b);
        }

        @Override
        public void writeRecords(Records records) {
            if (records instanceof FileRecordsSlice slice && slice.sizeInBytes() >= REGION_THRESHOLD) {
                regionBytes += slice.sizeInBytes(); // sendfile from the page cache
            } else {
                records.copyTo(buf);
            }
        }
    }
}
