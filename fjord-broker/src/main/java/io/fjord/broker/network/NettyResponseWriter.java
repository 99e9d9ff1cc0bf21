package io.fjord.broker.network;

import io.fjord.protocol.types.ProtocolWriter;
import io.fjord.protocol.types.Records;
import io.fjord.storage.FileRecordsSlice;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes a response into pooled buffers, and passes file-backed records on as {@link SharedFileRegion}s so the
 * kernel sends log bytes from the page cache to the socket (sendfile) without a copy through the heap. On a TLS
 * connection the bytes must pass through the TLS engine, so there they are copied into buffers (zero-copy is lost
 * under TLS, as in Kafka).
 * The output is a list of ByteBufs and FileRegions to write in order. Not thread-safe; one per response.
 */
final class NettyResponseWriter implements ProtocolWriter {
    private static final int REGION_THRESHOLD = 1024;
    private final ByteBufAllocator alloc;
    private final List<Object> parts = new ArrayList<>(4);
    private final int expectedSize;
    private ByteBuf current;

    /** False on TLS connections: file regions would bypass the TLS engine, so log bytes are copied instead. */
    private final boolean fileRegions;

    NettyResponseWriter(ByteBufAllocator alloc, int expectedSize, boolean fileRegions) {
        this.alloc = alloc;
        this.fileRegions = fileRegions;
        this.expectedSize = expectedSize;
        this.current = alloc.ioBuffer(Math.min(expectedSize, 64 * 1024));
    }

    List<Object> finish() {
        if (current.isReadable()) parts.add(current); else current.release();
        current = null;
        return parts;
    }

    void releaseAll() {
        if (current != null) current.release();
        for (Object o : parts) io.netty.util.ReferenceCountUtil.release(o);
    }

    @Override
    public void writeByte(int b) {
        current.writeByte(b);
    }

    @Override
    public void writeShort(short s) {
        current.writeShort(s);
    }

    @Override
    public void writeInt(int i) {
        current.writeInt(i);
    }

    @Override
    public void writeLong(long l) {
        current.writeLong(l);
    }

    @Override
    public void writeDouble(double d) {
        current.writeDouble(d);
    }

    @Override
    public void writeBytes(byte[] b) {
        current.writeBytes(b);
    }

    @Override
    public void writeRecords(Records records) {
        if (fileRegions && records instanceof FileRecordsSlice slice && slice.sizeInBytes() >= REGION_THRESHOLD) {
            parts.add(current);
            parts.add(new SharedFileRegion(slice.channel(), slice.position(), slice.sizeInBytes()));
            current = alloc.ioBuffer(256);
        } else if (records instanceof FileRecordsSlice slice) {
            // TLS: read the log bytes straight into the pooled output buffer (one copy, no heap detour)
            int size = slice.sizeInBytes();
            current.ensureWritable(size);
            int done = 0;
            try {
                while (done < size) {
                    int n = current.writeBytes(slice.channel(), slice.position() + done, size - done);
                    if (n < 0) throw new java.io.EOFException("log segment ended before " + size + " bytes");
                    done += n;
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        } else {
            java.nio.ByteBuffer tmp = java.nio.ByteBuffer.allocate(records.sizeInBytes());
            records.copyTo(tmp);
            tmp.flip();
            current.writeBytes(tmp);
        }
    }
}
