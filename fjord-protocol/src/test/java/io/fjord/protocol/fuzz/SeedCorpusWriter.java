package io.fjord.protocol.fuzz;

import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.api.Apis;
import io.fjord.protocol.api.Frames;
import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.ControlRecords;
import io.fjord.protocol.record.Header;
import io.fjord.protocol.record.RecordBatchBuilder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the committed seed corpora of this module's fuzz tests (run by hand when an API or the batch format
 * changes: {@code java -cp <test classpath> io.fjord.protocol.fuzz.SeedCorpusWriter src/test/resources}).
 * Requests: one default-valued request per API at its lowest, first flexible and highest version. Batches:
 * a small batch per codec, an idempotent one, a transactional one with headers, an end-transaction marker and
 * two batches back to back, and a zstd decompression bomb.
 */
public final class SeedCorpusWriter {
    private SeedCorpusWriter() {
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args[0], "io", "fjord", "protocol", "fuzz");
        Path requests = root.resolve("RequestDecoderFuzzTestInputs").resolve("decodeRequestFrame");
        Files.createDirectories(requests);
        for (ApiSpec spec : Apis.all()) {
            for (short v : new short[] {spec.lowest(), spec.flexibleFrom(), spec.highest()}) {
                if (!spec.supports(v)) continue;
                ByteBuffer frame = Frames.encodeRequest(spec, v, 7, "fuzz-seed", spec.newRequest());
                write(requests.resolve(spec.name() + "-v" + v), frame);
            }
        }
        Path batches = root.resolve("RecordBatchFuzzTestInputs").resolve("validateAndReadBatches");
        Files.createDirectories(batches);
        for (CompressionType c : CompressionType.values()) {
            RecordBatchBuilder b = new RecordBatchBuilder(0, c);
            for (int i = 0; i < 3; i++) b.append(1_700_000_000_000L + i, ("k" + i).getBytes(), ("value-" + i).repeat(4).getBytes());
            write(batches.resolve("plain-" + c.configName), b.build());
        }
        write(batches.resolve("idempotent-none"), new RecordBatchBuilder(10, CompressionType.NONE).producer(42, (short) 1, 0)
                .append(1L, null, "v".getBytes()).build());
        write(batches.resolve("transactional-headers-zstd"), new RecordBatchBuilder(5, CompressionType.ZSTD)
                .producer(43, (short) 0, 7).transactional(true)
                .append(2L, "k".getBytes(), "v".getBytes(), List.of(new Header("h", "x".getBytes()), new Header("n", null)))
                .build());
        write(batches.resolve("commit-marker"), ControlRecords.endTxnMarker(9, 3L, 0, 43, (short) 0, true, 1));
        ByteBuffer one = new RecordBatchBuilder(0, CompressionType.LZ4).append(1L, null, "a".getBytes()).build();
        ByteBuffer two = new RecordBatchBuilder(1, CompressionType.GZIP).append(2L, null, "b".getBytes()).build();
        ByteBuffer both = ByteBuffer.allocate(one.remaining() + two.remaining()).put(one).put(two).flip();
        write(batches.resolve("two-batches"), both);
        // A decompression bomb: 100 MB of zeros as one zstd records section of ~3 KB (see DecompressionBombTest).
        write(batches.resolve("regression-zstd-bomb-100MB"), io.fjord.protocol.record.DecompressionBombTest.batchWithSection(
                CompressionType.ZSTD, io.fjord.protocol.record.DecompressionBombTest.compressedZeros(CompressionType.ZSTD, 100_000_000L)));
    }

    private static void write(Path file, ByteBuffer buf) throws IOException {
        byte[] b = new byte[buf.remaining()];
        buf.duplicate().get(b);
        Files.write(file, b);
    }
}
