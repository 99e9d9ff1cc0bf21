package io.fjord.protocol.types;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads protocol values from a buffer. Any read past the end, or a malformed varint, is a {@link ProtocolException}.
 * Not thread-safe.
 */
public final class ProtocolReader {
    private final ByteBuffer buf;

    public ProtocolReader(ByteBuffer buf) {
        this.buf = buf;
    }

    public int remaining() {
        return buf.remaining();
    }

    public ByteBuffer buffer() {
        return buf;
    }

    private void need(int n) {
        // A negative length (e.g. a varint size above 2^31) must not move the position backwards.
        if (n < 0) throw new ProtocolException("negative length " + n);
        if (buf.remaining() < n) throw new ProtocolException("needed " + n + " bytes, " + buf.remaining() + " left");
    }

    public byte readByte() {
        need(1);
        return buf.get();
    }

    public short readShort() {
        need(2);
        return buf.getShort();
    }

    public int readInt() {
        need(4);
        return buf.getInt();
    }

    public long readLong() {
        need(8);
        return buf.getLong();
    }

    public double readDouble() {
        need(8);
        return buf.getDouble();
    }

    public String readString(int len) {
        need(len);
        if (buf.hasArray()) {
            String s = new String(buf.array(), buf.arrayOffset() + buf.position(), len, StandardCharsets.UTF_8);
            buf.position(buf.position() + len);
            return s;
        }
        return new String(readBytes(len), StandardCharsets.UTF_8);
    }

    public byte[] readBytes(int len) {
        need(len);
        byte[] b = new byte[len];
        buf.get(b);
        return b;
    }

    /** A view of the next {@code len} bytes, without copying. */
    public ByteBuffer readSlice(int len) {
        need(len);
        ByteBuffer slice = buf.slice();
        slice.limit(len);
        buf.position(buf.position() + len);
        return slice;
    }

    public void skip(int len) {
        need(len);
        buf.position(buf.position() + len);
    }

    public int readUnsignedVarint() {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            byte b = readByte();
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new ProtocolException("varint longer than 5 bytes");
    }

    public int readVarint() {
        int raw = readUnsignedVarint();
        return (raw >>> 1) ^ -(raw & 1);
    }

    public long readUnsignedVarlong() {
        long value = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            byte b = readByte();
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new ProtocolException("varlong longer than 10 bytes");
    }

    public long readVarlong() {
        long raw = readUnsignedVarlong();
        return (raw >>> 1) ^ -(raw & 1);
    }

}
