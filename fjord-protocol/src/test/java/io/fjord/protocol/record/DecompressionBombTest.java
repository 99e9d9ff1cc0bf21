package io.fjord.protocol.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.management.ThreadMXBean;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Decompression bombs: a batch whose records section is a small stream of a codec that inflates to far more than
 * {@link CompressionType#MAX_DECOMPRESSED_BYTES} (100 MB of zeros: ~100 KB gzip, ~400 KB lz4, a few KB zstd) is
 * refused as an {@link InvalidRecordException} after inflating at most the bound, and what the reader allocates
 * stays a small multiple of the bound, never the stream's claim. Snappy cannot expand more than ~21 times, so its
 * bomb is checked against a smaller bound through the same code.
 */
public class DecompressionBombTest {
    private static final long HUNDRED_MB = 100L * 1000 * 1000;

    /** A one-record batch header of {@code codec} followed by {@code section} as its records section, CRC fixed. */
    public static ByteBuffer batchWithSection(CompressionType codec, byte[] section) {
        ByteBuffer small = new RecordBatchBuilder(0, codec).append(1_700_000_000_000L, "k".getBytes(StandardCharsets.UTF_8),
                "v".getBytes(StandardCharsets.UTF_8)).build();
        ByteBuffer out = ByteBuffer.allocate(RecordBatch.HEADER_SIZE + section.length);
        out.put(small.duplicate().limit(RecordBatch.HEADER_SIZE)).put(section).flip();
        out.putInt(RecordBatch.LENGTH_OFFSET, out.limit() - RecordBatch.LOG_OVERHEAD);
        out.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(out, 0));
        return out;
    }

    /** {@code zeros} zero bytes compressed with {@code codec}, streamed so the test never holds them. */
    public static byte[] compressedZeros(CompressionType codec, long zeros) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = codec.wrapForOutput(bytes)) {
            for (long left = zeros; left > 0; left -= chunk.length) out.write(chunk, 0, (int) Math.min(chunk.length, left));
        }
        return bytes.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"GZIP", "LZ4", "ZSTD"})
    void hundredMegabytesOfZerosAreRefusedAtTheBound(CompressionType codec) throws IOException {
        byte[] bomb = compressedZeros(codec, HUNDRED_MB);
        assertThat(bomb.length).as("compressed size").isLessThan(1024 * 1024); // fits one default-sized request
        ByteBuffer batch = batchWithSection(codec, bomb);
        assertThat(BatchValidator.validateProduce(batch.duplicate()).isOk()).as("header and CRC pass").isTrue();
        long allocated = allocatedBy(() -> assertThatThrownBy(() -> new RecordBatchReader(batch, 0))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("more than " + CompressionType.MAX_DECOMPRESSED_BYTES));
        assertThat(allocated).as("bytes allocated reading a %d-byte %s bomb", bomb.length, codec)
                .isLessThan(4L * CompressionType.MAX_DECOMPRESSED_BYTES).isLessThan(HUNDRED_MB * 2);
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"GZIP", "SNAPPY", "LZ4", "ZSTD"})
    void theBoundIsExactAndSmallerBoundsWork(CompressionType codec) throws IOException {
        int bound = 1024 * 1024;
        byte[] atBound = compressedZeros(codec, bound);
        assertThat(codec.decompress(ByteBuffer.wrap(atBound), bound)).hasSize(bound);
        byte[] oneMore = compressedZeros(codec, bound + 1);
        assertThatThrownBy(() -> codec.decompress(ByteBuffer.wrap(oneMore), bound))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("more than " + bound);
        byte[] bomb = compressedZeros(codec, 4L * bound);
        assertThatThrownBy(() -> new RecordBatchReader(batchWithSection(codec, bomb), 0, bound))
                .isInstanceOf(InvalidRecordException.class);
    }

    private static long allocatedBy(Runnable r) {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(id);
        r.run();
        return mx.getThreadAllocatedBytes(id) - before;
    }
}
