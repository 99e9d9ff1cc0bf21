package io.fjord.protocol.types;

import java.nio.ByteBuffer;

/** Record batches held in a buffer; the buffer is a read-only view shared with whoever gave it. */
public final class MemoryRecords implements Records {
    public static final MemoryRecords EMPTY = new MemoryRecords(ByteBuffer.allocate(0));
    private final ByteBuffer buffer;

    private MemoryRecords(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    public static MemoryRecords wrap(ByteBuffer buffer) {
        return new MemoryRecords(buffer.slice());
    }

    /** A view of the bytes, positioned at 0; callers may move its position freely. */
    public ByteBuffer buffer() {
        return buffer.duplicate();
    }

    @Override
    public int sizeInBytes() {
        return buffer.remaining();
    }

    @Override
    public void copyTo(ByteBuffer dst) {
        dst.put(buffer.duplicate());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MemoryRecords m && m.buffer.equals(buffer);
    }

    @Override
    public int hashCode() {
        return buffer.hashCode();
    }

    @Override
    public String toString() {
        return "MemoryRecords(" + buffer.remaining() + " bytes)";
    }
}
