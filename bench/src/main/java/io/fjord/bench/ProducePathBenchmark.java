package io.fjord.bench;

import io.fjord.protocol.api.ProduceApi;
import io.fjord.protocol.api.RequestHeader;
import io.fjord.protocol.record.BatchValidator;
import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.protocol.record.RecordBatchBuilder;
import io.fjord.protocol.types.ByteBufferWriter;
import io.fjord.protocol.types.MemoryRecords;
import io.fjord.protocol.types.ProtocolReader;
import io.fjord.protocol.types.Struct;
import io.fjord.storage.LogAppendResult;
import io.fjord.storage.LogConfig;
import io.fjord.storage.PartitionLog;

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
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The broker's produce path for one partition, as {@code ProduceHandler} and {@code Partition.appendAsLeader} run
 * it: validate the batch ({@link BatchValidator#validateProduce}: framing, magic, CRC-32C), stamp the leader epoch
 * into every batch header, and {@link PartitionLog#append} it to a real log on a temp dir (offsets assigned in
 * place, idempotent-producer sequence check, page cache write, offset/time index entries; no fsync).
 *
 * <ul>
 *   <li>{@code validateAppend}: the request frame's decode is <b>excluded</b>; the batch buffer is the one the
 *       decoded request would hand over.</li>
 *   <li>{@code decodeValidateAppend}: the same, <b>including</b> the decode of the whole Produce v{@value #VERSION}
 *       request frame (request header + body to a {@link Struct}, records as a view of the frame). The frame copy
 *       off the socket buffer that the network layer makes is not part of it.</li>
 * </ul>
 * {@code records} records of {@code valueBytes}-byte values (no key) per batch; {@code producer} is {@code none}
 * (producer id -1) or {@code idempotent} (a producer id with sequences that continue from the previous append, so
 * the sequence check passes every time). Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is bytes allocated
 * per operation (one batch); comparing 1 and 100 records tells whether anything is allocated per record. A fresh
 * log directory per iteration keeps disk use bounded.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ProducePathBenchmark {
    static final short VERSION = 11;

    @Param({"1", "100"})
    public int records;

    @Param({"100"})
    public int valueBytes;

    @Param({"none", "idempotent"})
    public String producer;

    private Path dir;
    private PartitionLog log;
    private ByteBuffer batch;
    private ByteBuffer frame;
    private int batchCount;
    private int sequence;
    private boolean idempotent;

    @Setup(Level.Trial)
    public void buildBatch() {
        idempotent = producer.equals("idempotent");
        Random rnd = new Random(1);
        RecordBatchBuilder b = new RecordBatchBuilder(0, CompressionType.NONE);
        if (idempotent) b.producer(4711L, (short) 0, 0);
        long ts = 1_700_000_000_000L;
        for (int i = 0; i < records; i++) {
            byte[] value = new byte[valueBytes];
            for (int j = 0; j < value.length; j++) value[j] = (byte) ('a' + rnd.nextInt(16));
            b.append(ts++, null, value);
        }
        batch = b.build();
        Struct req = ProduceApi.SPEC.newRequest().set("TransactionalId", null).set("Acks", (short) -1)
                .set("TimeoutMs", 30_000);
        Struct td = req.child("TopicData").set("Name", "bench");
        Struct pd = td.child("PartitionData").set("Index", 0).set("Records", MemoryRecords.wrap(batch.duplicate()));
        td.add("PartitionData", pd);
        req.add("TopicData", td);
        ByteBufferWriter w = new ByteBufferWriter(batch.remaining() + 256);
        boolean flex = ProduceApi.SPEC.isFlexible(VERSION);
        new RequestHeader(ProduceApi.KEY, VERSION, 1, "bench-producer").write(w, flex);
        ProduceApi.SPEC.request().write(w, req, VERSION, flex);
        frame = w.toByteBuffer();
        System.out.printf("%n[setup] batch of %d records: %d bytes; request frame %d bytes%n", records,
                batch.remaining(), frame.remaining());
    }

    @Setup(Level.Iteration)
    public void openLog() throws IOException {
        dir = Files.createTempDirectory("fjord-bench-").resolve("bench-0");
        log = PartitionLog.open(dir, "bench", 0, UUID.randomUUID(), LogConfig.DEFAULT, Clock.systemUTC(), true);
        sequence = 0;
        batchCount = 0;
    }

    @TearDown(Level.Iteration)
    public void deleteLog() throws IOException {
        log.close();
        try (Stream<Path> files = Files.walk(dir.getParent())) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
        if (batchCount == 0) throw new IllegalStateException("nothing appended");
    }

    @Benchmark
    public long validateAppend() {
        return appendOne(batch);
    }

    @Benchmark
    public long decodeValidateAppend() {
        ByteBuffer in = frame.duplicate();
        ProtocolReader r = new ProtocolReader(in);
        RequestHeader header = RequestHeader.read(r);
        Struct body = ProduceApi.SPEC.request().read(r, header.apiVersion(), ProduceApi.SPEC.isFlexible(header.apiVersion()));
        long last = -1;
        for (Struct td : body.getStructs("TopicData")) {
            for (Struct pd : td.getStructs("PartitionData")) {
                last = appendOne(((MemoryRecords) pd.getRecords("Records")).buffer());
            }
        }
        return last;
    }

    private long appendOne(ByteBuffer buf) {
        if (idempotent) { // the next batch of the same producer: its sequence follows the previous one
            buf.putInt(buf.position() + RecordBatch.BASE_SEQUENCE_OFFSET, sequence);
            buf.putInt(buf.position() + RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(buf, buf.position()));
            sequence += records;
        }
        BatchValidator.Result valid = BatchValidator.validateProduce(buf, VERSION);
        if (!valid.isOk()) throw new IllegalStateException(valid.message());
        for (int p = buf.position(); p + RecordBatch.LOG_OVERHEAD <= buf.limit(); p += RecordBatch.sizeInBytes(buf, p)) {
            RecordBatch.setPartitionLeaderEpoch(buf, p, 0);
        }
        LogAppendResult r = log.append(buf);
        batchCount++;
        return r.lastOffset();
    }
}
