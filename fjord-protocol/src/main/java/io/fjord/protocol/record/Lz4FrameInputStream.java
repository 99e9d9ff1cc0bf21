package io.fjord.protocol.record;

import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads one LZ4 frame as Kafka writes it for record batches (see {@link Lz4FrameOutputStream}). Also accepts
 * frames that carry block checksums, a content size or a content checksum (the latter is skipped). Dependent blocks and
 * dictionaries are refused, as Kafka does.
 */
public final class Lz4FrameInputStream extends InputStream {
    private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.fastestInstance().safeDecompressor();

    private final InputStream in;
    private final boolean blockChecksum;
    private final boolean contentChecksum;
    private final byte[] raw;
    private final byte[] buf;
    private int pos;
    private int end;
    private boolean finished;

    public Lz4FrameInputStream(InputStream in) throws IOException {
        this.in = in;
        byte[] header = new byte[15];
        readFully(header, 0, 7);
        if (intLE(header, 0) != Lz4FrameOutputStream.MAGIC) throw new IOException("not an LZ4 frame: bad magic");
        int flg = header[4] & 0xff;
        int bd = header[5] & 0xff;
        if ((flg & 0xc0) != Lz4FrameOutputStream.FLG_VERSION) throw new IOException("unsupported LZ4 frame version");
        if ((flg & 0x02) != 0 || (bd & 0x8f) != 0) throw new IOException("reserved LZ4 descriptor bits set");
        if ((flg & Lz4FrameOutputStream.FLG_BLOCK_INDEPENDENCE) == 0) {
            throw new IOException("LZ4 dependent blocks are not supported");
        }
        if ((flg & Lz4FrameOutputStream.FLG_DICT_ID) != 0) throw new IOException("LZ4 dictionaries are not supported");
        int descriptorLen = 2;
        if ((flg & Lz4FrameOutputStream.FLG_CONTENT_SIZE) != 0) {
            readFully(header, 7, 8);
            descriptorLen += 8;
        }
        byte hc = header[4 + descriptorLen];
        if (Lz4FrameOutputStream.headerChecksum(header, 4, descriptorLen) != hc) {
            throw new IOException("LZ4 frame descriptor checksum mismatch");
        }
        int blockSizeId = (bd >> 4) & 0x07;
        if (blockSizeId < 4) throw new IOException("invalid LZ4 block size id " + blockSizeId);
        int blockSize = Lz4FrameOutputStream.blockSize(blockSizeId);
        this.blockChecksum = (flg & Lz4FrameOutputStream.FLG_BLOCK_CHECKSUM) != 0;
        this.contentChecksum = (flg & Lz4FrameOutputStream.FLG_CONTENT_CHECKSUM) != 0;
        this.raw = new byte[blockSize];
        this.buf = new byte[blockSize];
    }

    private static int intLE(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    private void readFully(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = in.read(b, off, len);
            if (n < 0) throw new EOFException("truncated LZ4 frame");
            off += n;
            len -= n;
        }
    }

    private int readIntLE() throws IOException {
        byte[] b = new byte[4];
        readFully(b, 0, 4);
        return intLE(b, 0);
    }

    /** Loads the next block into {@code buf}; returns false at the end mark. */
    private boolean nextBlock() throws IOException {
        if (finished) return false;
        int word = readIntLE();
        if (word == 0) {
            finished = true;
            if (contentChecksum) readIntLE();
            return false;
        }
        boolean uncompressed = (word & Lz4FrameOutputStream.UNCOMPRESSED_BLOCK_BIT) != 0;
        int size = word & ~Lz4FrameOutputStream.UNCOMPRESSED_BLOCK_BIT;
        if (size > raw.length) throw new IOException("LZ4 block larger than the frame's block size");
        if (uncompressed) {
            readFully(buf, 0, size);
            end = size;
        } else {
            readFully(raw, 0, size);
            try {
                end = DECOMPRESSOR.decompress(raw, 0, size, buf, 0, buf.length);
            } catch (LZ4Exception e) {
                throw new IOException("corrupt LZ4 block", e);
            }
        }
        if (blockChecksum) {
            int expected = readIntLE();
            byte[] data = uncompressed ? buf : raw;
            if (Lz4FrameOutputStream.XXHASH.hash(data, 0, size, 0) != expected) {
                throw new IOException("LZ4 block checksum mismatch");
            }
        }
        pos = 0;
        return true;
    }

    @Override
    public int read() throws IOException {
        while (pos == end) {
            if (!nextBlock()) return -1;
        }
        return buf[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        while (pos == end) {
            if (!nextBlock()) return -1;
        }
        int n = Math.min(len, end - pos);
        System.arraycopy(buf, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return end - pos;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
