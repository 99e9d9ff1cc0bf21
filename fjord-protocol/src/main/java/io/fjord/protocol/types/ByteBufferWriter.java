package io.fjord.protocol.types;

import java.nio.ByteBuffer;

/** Writes into a heap buffer that grows as needed. Not thread-safe. */
public final class ByteBufferWriter implements ProtocolWriter {
    private ByteBuffer buf;

    public ByteBufferWriter(int initialCapacity) {
        buf = ByteBuffer.allocate(Math.max(16, initialCapacity));
    }

    private void ensure(int n) {
        if (buf.remaining() < n) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n));
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }
    }

    /** The bytes written so far, as a buffer positioned at 0. */
    public ByteBuffer toByteBuffer() {
        ByteBuffer out = buf.duplicate();
        out.flip();
        return out;
    }

    @Override
    public void writeByte(int b) {
        ensure(1);
        buf.put((byte) b);
    }

    @Override
    public void writeShort(short s) {
        ensure(2);
        buf.putShort(s);
    }

    @Override
    public void writeInt(int i) {
        ensure(4);
        buf.putInt(i);
    }

    @Override
    public void writeLong(long l) {
        ensure(8);
        buf.putLong(l);
    }

    @Override
    public void writeDouble(double d) {
        ensure(8);
        buf.putDouble(d);
    }

    @Override
    public void writeBytes(byte[] b) {
        ensure(b.length);
        buf.put(b);
    }

    @Override
    public void writeRecords(Records records) {
        ensure(records.sizeInBytes());
        records.copyTo(buf);
    }
}
