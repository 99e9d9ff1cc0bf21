package io.fjord.protocol.record;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The snappy length checks found by {@code RecordBatchFuzzTest} (seed regression-snappy-chunk-16MiB): snappy-java
 * allocates a chunk's buffers from its length fields before reading it, so a few bytes claiming a 16 MiB chunk
 * made the reader allocate 16 MiB. Such streams are now refused before snappy-java sees them.
 */
class SnappyLengthCheckTest {
    private static final byte[] HEADER = {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};

    @Test
    void chunkLongerThanTheInputIsRefused() {
        ByteBuffer stream = ByteBuffer.allocate(HEADER.length + 4 + 8).put(HEADER).putInt(1 << 24).put(new byte[8]).flip();
        assertThatThrownBy(() -> CompressionType.SNAPPY.decompress(stream))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("overruns");
    }

    @Test
    void chunkClaimingMoreThanSnappyCanExpandIsRefused() {
        // raw snappy block: varint uncompressed length 2^30, then a few bytes
        byte[] block = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04, 0, 0, 0};
        ByteBuffer stream = ByteBuffer.allocate(HEADER.length + 4 + block.length).put(HEADER).putInt(block.length)
                .put(block).flip();
        assertThatThrownBy(() -> CompressionType.SNAPPY.decompress(stream))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("claims");
    }

    @Test
    void wellFormedStreamsStillDecompress() {
        byte[] data = "fjord ".repeat(50_000).getBytes(StandardCharsets.US_ASCII); // several chunks, high ratio
        byte[] compressed = CompressionType.SNAPPY.compress(ByteBuffer.wrap(data));
        assertThat(CompressionType.SNAPPY.decompress(ByteBuffer.wrap(compressed))).isEqualTo(data);
        ByteBuffer twice = ByteBuffer.allocate(2 * compressed.length).put(compressed).put(compressed).flip();
        assertThat(CompressionType.SNAPPY.decompress(twice)).hasSize(2 * data.length); // concatenated streams
    }
}
