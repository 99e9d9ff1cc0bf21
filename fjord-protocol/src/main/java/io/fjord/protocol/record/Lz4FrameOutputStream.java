package io.fjord.protocol.record;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.xxhash.XXHash32;
import net.jpountz.xxhash.XXHashFactory;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes one LZ4 frame (the LZ4 frame format, magic 0x184D2204) in the shape Kafka uses for record batches:
 * version 1, independent blocks, no block or content checksums, no content size, 64 KiB maximum block size, and
 * the descriptor checksum taken over the FLG and BD bytes only. A block that does not shrink is stored raw.
 */
public final class Lz4FrameOutputStream extends OutputStream {
    static final int MAGIC = 0x184D2204;
    static final int BLOCK_SIZE_ID_64KB = 4;
    static final int FLG_VERSION = 0x40;
    static final int FLG_BLOCK_INDEPENDENCE = 0x20;
    static final int FLG_BLOCK_CHECKSUM = 0x10;
    static final int FLG_CONTENT_SIZE = 0x08;
    static final int FLG_CONTENT_CHECKSUM = 0x04;
    static final int FLG_DICT_ID = 0x01;
    static final int UNCOMPRESSED_BLOCK_BIT = 0x80000000;

    private static final LZ4Compressor COMPRESSOR = LZ4Factory.fastestInstance().fastCompressor();
    static final XXHash32 XXHASH = XXHashFactory.fastestInstance().hash32();

    private final OutputStream out;
    private final byte[] block;
    private final byte[] compressed;
    private int used;
    private boolean closed;

    public Lz4FrameOutputStream(OutputStream out) throws IOException {
        this.out = out;
        int blockSize = blockSize(BLOCK_SIZE_ID_64KB);
        this.block = new byte[blockSize];
        this.compressed = new byte[4 + COMPRESSOR.maxCompressedLength(blockSize)];
        writeFrameHeader();
    }

    static int blockSize(int blockSizeId) {
        return 1 << (2 * blockSizeId + 8);
    }

    /** The descriptor checksum byte: the second byte of the XXH32 (seed 0) of the descriptor. */
    static byte headerChecksum(byte[] descriptor, int off, int len) {
        return (byte) ((XXHASH.hash(descriptor, off, len, 0) >> 8) & 0xff);
    }

    private void writeFrameHeader() throws IOException {
        byte[] header = new byte[7];
        putIntLE(header, 0, MAGIC);
        header[4] = (byte) (FLG_VERSION | FLG_BLOCK_INDEPENDENCE);
        header[5] = (byte) (BLOCK_SIZE_ID_64KB << 4);
        header[6] = headerChecksum(header, 4, 2);
        out.write(header);
    }

    static void putIntLE(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        if (used == block.length) writeBlock();
        block[used++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        while (len > 0) {
            if (used == block.length) writeBlock();
            int n = Math.min(len, block.length - used);
            System.arraycopy(b, off, block, used, n);
            used += n;
            off += n;
            len -= n;
        }
    }

    private void writeBlock() throws IOException {
        if (used == 0) return;
        int size = COMPRESSOR.compress(block, 0, used, compressed, 4);
        if (size >= used) {
            putIntLE(compressed, 0, used | UNCOMPRESSED_BLOCK_BIT);
            out.write(compressed, 0, 4);
            out.write(block, 0, used);
        } else {
            putIntLE(compressed, 0, size);
            out.write(compressed, 0, 4 + size);
        }
        used = 0;
    }

    @Override
    public void flush() throws IOException {
        ensureOpen();
        writeBlock();
        out.flush();
    }

    private void ensureOpen() throws IOException {
        if (closed) throw new IOException("stream closed");
    }

    @Override
    public void close() throws IOException {
        if (closed) return;
        try {
            writeBlock();
            byte[] endMark = new byte[4];
            out.write(endMark);
            out.flush();
        } finally {
            closed = true;
            out.close();
        }
    }
}
