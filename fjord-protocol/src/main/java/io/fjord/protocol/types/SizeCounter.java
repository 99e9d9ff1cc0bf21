package io.fjord.protocol.types;

/** A writer that only counts: used to size frames and tagged fields before writing them. Not thread-safe. */
public final class SizeCounter implements ProtocolWriter {
    private int size;

    public int size() {
        return size;
    }

    @Override
    public void writeByte(int b) {
        size += 1;
    }

    @Override
    public void writeShort(short s) {
        size += 2;
    }

    @Override
    public void writeInt(int i) {
        size += 4;
    }

    @Override
    public void writeLong(long l) {
        size += 8;
    }

    @Override
    public void writeDouble(double d) {
        size += 8;
    }

    @Override
    public void writeBytes(byte[] b) {
        size += b.length;
    }

    @Override
    public void writeRecords(Records records) {
        size += records.sizeInBytes();
    }

    @Override
    public void writeUnsignedVarint(int value) {
        size += ProtocolWriter.sizeOfUnsignedVarint(value);
    }
}
