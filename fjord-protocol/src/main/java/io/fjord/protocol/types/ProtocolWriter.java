package io.fjord.protocol.types;

/**
 * Where encoded bytes go. Implementations: {@link SizeCounter} (measures), {@link ByteBufferWriter} (copies), and
 * the broker's Netty writer, which passes file-backed {@link Records} on as file regions.
 */
public interface ProtocolWriter {
    void writeByte(int b);

    void writeShort(short s);

    void writeInt(int i);

    void writeLong(long l);

    void writeDouble(double d);

    void writeBytes(byte[] b);

    void writeRecords(Records records);

    default void writeUnsignedVarint(int value) {
        while ((value & 0xffffff80) != 0) {
            writeByte((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        writeByte(value);
    }

    /** Zig-zag encoded signed varint, as used inside records. */
    default void writeVarint(int value) {
        writeUnsignedVarint((value << 1) ^ (value >> 31));
    }

    default void writeUnsignedVarlong(long value) {
        while ((value & 0xffffffffffffff80L) != 0L) {
            writeByte(((int) value & 0x7f) | 0x80);
            value >>>= 7;
        }
        writeByte((int) value);
    }

    default void writeVarlong(long value) {
        writeUnsignedVarlong((value << 1) ^ (value >> 63));
    }

    static int sizeOfUnsignedVarint(int value) {
        int bytes = 1;
        while ((value & 0xffffff80) != 0) {
            bytes++;
            value >>>= 7;
        }
        return bytes;
    }

    static int sizeOfVarint(int value) {
        return sizeOfUnsignedVarint((value << 1) ^ (value >> 31));
    }

    static int sizeOfVarlong(long value) {
        long v = (value << 1) ^ (value >> 63);
        int bytes = 1;
        while ((v & 0xffffffffffffff80L) != 0L) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }
}
