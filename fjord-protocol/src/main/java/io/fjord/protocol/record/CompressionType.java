package io.fjord.protocol.record;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.xxhash.XXHash32;
import net.jpountz.xxhash.XXHashFactory;
import org.xerial.snappy.SnappyInputStream;
import org.xerial.snappy.SnappyOutputStream;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The codecs a record batch may use for its records section, identified by the low three attribute bits. Each
 * codec's stream framing is the one Kafka clients and brokers read and write, so compressed batches cross over
 * unchanged in both directions.
 */
public enum CompressionType {
    NONE(0, "none"),
    GZIP(1, "gzip"),
    SNAPPY(2, "snappy"),
    LZ4(3, "lz4"),
    ZSTD(4, "zstd");

    private static final LZ4Compressor LZ4_COMPRESSOR = LZ4Factory.fastestInstance().fastCompressor();
    private static final XXHash32 LZ4_CHECKSUM = XXHashFactory.fastestInstance().hash32();

    /** Highest id this enum knows; ids 5..7 fit in the attribute bits but name no codec. */
    public static final int MAX_ID = 4;

    private static final CompressionType[] BY_ID = values();

    public final byte id;
    /** The value of the {@code compression.type} config naming this codec. */
    public final String configName;

    CompressionType(int id, String configName) {
        this.id = (byte) id;
        this.configName = configName;
    }

    public static boolean isKnownId(int id) {
        return id >= 0 && id <= MAX_ID;
    }

    public static CompressionType forId(int id) {
        if (!isKnownId(id)) throw new IllegalArgumentException("unknown compression type id " + id);
        return BY_ID[id];
    }

    public static CompressionType forName(String name) {
        for (CompressionType t : BY_ID) {
            if (t.configName.equalsIgnoreCase(name)) return t;
        }
        throw new IllegalArgumentException("unknown compression type " + name);
    }

    /**
     * Wraps {@code out} so that bytes written to the result come out compressed; closing the result finishes the
     * frame and closes {@code out}. For {@link #NONE} the result writes straight through.
     */
    public OutputStream wrapForOutput(OutputStream out) throws IOException {
        return switch (this) {
            case NONE -> out;
            case GZIP -> new BufferedOutputStream(new GZIPOutputStream(out, 8 * 1024), 16 * 1024);
            case SNAPPY -> new SnappyOutputStream(out);
            case LZ4 -> lz4Output(out);
            case ZSTD -> new BufferedOutputStream(new ZstdOutputStreamNoFinalizer(out, 3), 16 * 1024);
        };
    }

    /**
     * Kafka frames v2 batches in the standard LZ4 frame format, written by lz4-java's own frame stream in Kafka's
     * shape: 64 KiB blocks, independent, no block or content checksum, no content size (the FLG, BD and
     * descriptor-checksum bytes equal kafka-clients'). Kafka's own frame code exists only for magic 0/1's broken
     * header checksum, and Fjord refuses magic 0/1.
     */
    private static OutputStream lz4Output(OutputStream out) throws IOException {
        return new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB, -1L, LZ4_COMPRESSOR, LZ4_CHECKSUM,
                LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE);
    }

    /** Wraps {@code in} so that reading the result yields the decompressed bytes. */
    public InputStream wrapForInput(InputStream in) throws IOException {
        return switch (this) {
            case NONE -> in;
            case GZIP -> new BufferedInputStream(new GZIPInputStream(in, 8 * 1024), 16 * 1024);
            case SNAPPY -> new SnappyInputStream(in);
            case LZ4 -> new LZ4FrameInputStream(in);
            case ZSTD -> new BufferedInputStream(new ZstdInputStreamNoFinalizer(in), 16 * 1024);
        };
    }

    /** Compresses the remaining bytes of {@code src} (its position is not moved) into a new array. */
    public byte[] compress(ByteBuffer src) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(64, src.remaining() / 2));
        try (OutputStream out = wrapForOutput(bytes)) {
            ByteBufferStreams.copy(src.duplicate(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * The most one batch's records section may decompress to (32 MiB). Kafka has no such bound; without one a
     * batch of a few kilobytes (100 MB of zeros gzip to ~100 KB, zstd to ~3 KB) makes the reader allocate and
     * inflate whatever the stream says. 32 times the default {@code message.max.bytes} leaves room for any real
     * compression ratio of a full-size batch; a larger section is refused as an invalid record.
     */
    public static final int MAX_DECOMPRESSED_BYTES = 32 * 1024 * 1024;

    /**
     * Decompresses the remaining bytes of {@code src} (its position is not moved) into a new array of at most
     * {@link #MAX_DECOMPRESSED_BYTES}.
     *
     * @throws InvalidRecordException if the bytes are not a well-formed stream of this codec or inflate to more
     */
    public byte[] decompress(ByteBuffer src) {
        return decompress(src, MAX_DECOMPRESSED_BYTES);
    }

    /** As {@link #decompress(ByteBuffer)} with another bound ({@code maxBytes} > 0). */
    public byte[] decompress(ByteBuffer src, int maxBytes) {
        if (maxBytes <= 0) throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
        if (this == SNAPPY) checkSnappyLengths(src);
        try (InputStream in = wrapForInput(new ByteBufferStreams.Input(src.duplicate()))) {
            return readAtMost(in, maxBytes, src.remaining());
        } catch (IOException | RuntimeException e) {
            throw new InvalidRecordException("cannot decompress " + configName + " records: " + e.getMessage(), e);
        }
    }

    /**
     * Reads {@code in} to its end into an array that grows by doubling but never past {@code max}; one byte more
     * stops the read. So a bomb costs at most about three times {@code max} in allocations, and the inflating
     * stops at the bound instead of running to the stream's end.
     */
    private static byte[] readAtMost(InputStream in, int max, int compressedSize) throws IOException {
        byte[] buf = new byte[(int) Math.min(max, Math.max(1024L, 4L * compressedSize))];
        int n = 0;
        while (true) {
            if (n == buf.length) {
                if (buf.length >= max) {
                    if (in.read() < 0) return buf;
                    throw new InvalidRecordException("records decompress to more than " + max + " bytes");
                }
                buf = java.util.Arrays.copyOf(buf, (int) Math.min(max, 2L * buf.length));
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) return n == buf.length ? buf : java.util.Arrays.copyOf(buf, n);
            n += r;
        }
    }

    /** snappy-java's stream header: magic, then int32 version and int32 oldest compatible version. */
    private static final byte[] SNAPPY_MAGIC = {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
    private static final int SNAPPY_HEADER_SIZE = 16;
    /** A snappy element of n input bytes yields at most ~21n output bytes (a 3-byte copy tag copies 64). */
    private static final int SNAPPY_MAX_EXPANSION = 32;

    /**
     * snappy-java's stream allocates each chunk's buffers from the chunk's length fields before reading it, and
     * accepts chunks up to 512 MiB, so a batch of a few bytes could make the broker allocate gigabytes. Checked
     * here first: after the header, each chunk is int32 compressed length + raw snappy bytes, whose leading varint
     * is the uncompressed length; a compressed length beyond the input, or an uncompressed length beyond what
     * snappy can expand that chunk to, is refused. A stream without the header is one raw snappy block.
     * (Concatenated streams repeat the header between chunks.)
     */
    private static void checkSnappyLengths(ByteBuffer src) {
        ByteBuffer b = src.duplicate();
        if (!startsWithSnappyMagic(b, b.position())) {
            checkSnappyBlock(b, b.position(), b.remaining());
            return;
        }
        int pos = b.position();
        while (b.limit() - pos > 0) {
            if (startsWithSnappyMagic(b, pos)) {
                pos += Math.min(SNAPPY_HEADER_SIZE, b.limit() - pos);
                continue;
            }
            if (b.limit() - pos < 4) return; // the stream itself reports the torn length
            int length = b.getInt(pos);
            pos += 4;
            if (length < 0 || length > b.limit() - pos) {
                throw new InvalidRecordException("snappy chunk of " + length + " bytes overruns the "
                        + (b.limit() - pos) + " bytes left");
            }
            checkSnappyBlock(b, pos, length);
            pos += length;
        }
    }

    private static boolean startsWithSnappyMagic(ByteBuffer b, int pos) {
        if (b.limit() - pos < SNAPPY_MAGIC.length) return false;
        for (int i = 0; i < SNAPPY_MAGIC.length; i++) {
            if (b.get(pos + i) != SNAPPY_MAGIC[i]) return false;
        }
        return true;
    }

    private static void checkSnappyBlock(ByteBuffer b, int pos, int length) {
        long uncompressed = 0;
        for (int shift = 0, i = 0; i < Math.min(5, length); i++, shift += 7) {
            int v = b.get(pos + i) & 0xff;
            uncompressed |= (long) (v & 0x7f) << shift;
            if ((v & 0x80) == 0) break;
        }
        if (uncompressed > (long) SNAPPY_MAX_EXPANSION * length) {
            throw new InvalidRecordException("snappy block of " + length + " bytes claims " + uncompressed
                    + " uncompressed bytes");
        }
    }

    @Override
    public String toString() {
        return configName;
    }
}
