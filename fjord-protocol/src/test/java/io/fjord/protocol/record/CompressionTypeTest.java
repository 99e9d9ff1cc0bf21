package io.fjord.protocol.record;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.ByteBufferOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Our codec streams against kafka-clients' ones, byte for byte where the format is deterministic. */
class CompressionTypeTest {
    private static final byte MAGIC = 2;

    static byte[] payload() {
        Random rnd = new Random(7);
        byte[] data = new byte[300_000]; // several 64 KiB LZ4 blocks
        for (int i = 0; i < data.length; i++) data[i] = (byte) ('a' + rnd.nextInt(6));
        byte[] noise = new byte[70_000]; // a stored (incompressible) block
        rnd.nextBytes(noise);
        System.arraycopy(noise, 0, data, 100_000, noise.length);
        return data;
    }

    static byte[] kafkaCompress(CompressionType t, byte[] data) throws IOException {
        Compression c = KafkaInterop.kafkaCompression(t);
        ByteBufferOutputStream bytes = new ByteBufferOutputStream(1024);
        try (OutputStream out = c.wrapForOutput(bytes, MAGIC)) {
            out.write(data);
        }
        ByteBuffer b = bytes.buffer().flip();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    static byte[] kafkaDecompress(CompressionType t, byte[] data) throws IOException {
        Compression c = KafkaInterop.kafkaCompression(t);
        try (InputStream in = c.wrapForInput(ByteBuffer.wrap(data), MAGIC, BufferSupplier.create())) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void crossDecompression(CompressionType t) throws IOException {
        byte[] data = payload();
        byte[] ours = t.compress(ByteBuffer.wrap(data));
        assertThat(kafkaDecompress(t, ours)).isEqualTo(data);
        byte[] theirs = kafkaCompress(t, data);
        assertThat(t.decompress(ByteBuffer.wrap(theirs))).isEqualTo(data);
        assertThat(t.decompress(ByteBuffer.wrap(ours))).isEqualTo(data);
        // empty input
        byte[] empty = t.compress(ByteBuffer.allocate(0));
        assertThat(kafkaDecompress(t, empty)).isEmpty();
        assertThat(t.decompress(ByteBuffer.wrap(kafkaCompress(t, new byte[0])))).isEmpty();
    }

    @Test
    void lz4FrameHeaderIsKafkas() throws IOException {
        byte[] ours = CompressionType.LZ4.compress(ByteBuffer.wrap(new byte[10]));
        byte[] theirs = kafkaCompress(CompressionType.LZ4, new byte[10]);
        // magic, FLG, BD and the descriptor checksum
        assertThat(Arrays.copyOf(ours, 7)).isEqualTo(Arrays.copyOf(theirs, 7));
        // end mark
        assertThat(Arrays.copyOfRange(ours, ours.length - 4, ours.length)).containsOnly(0);
    }

    @Test
    void gzipAndSnappyMatchKafkaBytes() throws IOException {
        byte[] data = payload();
        for (CompressionType t : new CompressionType[]{CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY}) {
            assertThat(t.compress(ByteBuffer.wrap(data))).as(t.configName).isEqualTo(kafkaCompress(t, data));
        }
    }

    @Test
    void idsAndNames() {
        for (CompressionType t : CompressionType.values()) {
            org.apache.kafka.common.record.internal.CompressionType k =
                    org.apache.kafka.common.record.internal.CompressionType.forId(t.id);
            assertThat(k.name).isEqualTo(t.configName);
            assertThat(CompressionType.forName(k.name)).isEqualTo(t);
            assertThat(CompressionType.forId(t.id)).isEqualTo(t);
        }
        assertThatThrownBy(() -> CompressionType.forId(5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void corruptStreamsAreRejected() {
        byte[] lz4 = CompressionType.LZ4.compress(ByteBuffer.wrap(payload()));
        lz4[6] ^= 1; // descriptor checksum
        assertThatThrownBy(() -> CompressionType.LZ4.decompress(ByteBuffer.wrap(lz4)))
                .isInstanceOf(InvalidRecordException.class);
        byte[] gz = CompressionType.GZIP.compress(ByteBuffer.wrap(payload()));
        assertThatThrownBy(() -> CompressionType.GZIP.decompress(ByteBuffer.wrap(gz, 0, gz.length / 2)))
                .isInstanceOf(InvalidRecordException.class);
    }
}
