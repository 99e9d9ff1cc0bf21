package io.fjord.protocol.record;

import java.nio.ByteBuffer;

/** Zig-zag varint and varlong coding on buffers, as the magic-2 record format uses it. */
final class Varints {
    private Varints() {
    }

    static int readVarint(ByteBuffer b) {
        int raw = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            byte x = b.get();
            raw |= (x & 0x7f) << shift;
            if (x >= 0) return (raw >>> 1) ^ -(raw & 1);
        }
        throw new InvalidRecordException("varint longer than 5 bytes");
    }

    static long readVarlong(ByteBuffer b) {
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            byte x = b.get();
            raw |= (long) (x & 0x7f) << shift;
            if (x >= 0) return (raw >>> 1) ^ -(raw & 1);
        }
        throw new InvalidRecordException("varlong longer than 10 bytes");
    }

    static int sizeOfVarint(int v) {
        return sizeOfUnsignedVarlong(Integer.toUnsignedLong((v << 1) ^ (v >> 31)));
    }

    static int sizeOfVarlong(long v) {
        return sizeOfUnsignedVarlong((v << 1) ^ (v >> 63));
    }

    private static int sizeOfUnsignedVarlong(long u) {
        int n = 1;
        while ((u & ~0x7fL) != 0) {
            u >>>= 7;
            n++;
        }
        return n;
    }
}
