package io.fjord.protocol.record;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * One decoded record: its absolute offset and timestamp, key and value (nullable; read-only views, compared by
 * content) and headers.
 */
public record Record(long offset, long timestamp, ByteBuffer key, ByteBuffer value, List<Header> headers) {
    public Record {
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    public static Record of(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
        return new Record(offset, timestamp, key == null ? null : ByteBuffer.wrap(key),
                value == null ? null : ByteBuffer.wrap(value), headers);
    }

    public boolean hasKey() {
        return key != null;
    }

    public boolean hasValue() {
        return value != null;
    }

    /** A copy of the key, or null. */
    public byte[] keyBytes() {
        return copy(key);
    }

    /** A copy of the value, or null. */
    public byte[] valueBytes() {
        return copy(value);
    }

    private static byte[] copy(ByteBuffer b) {
        if (b == null) return null;
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
