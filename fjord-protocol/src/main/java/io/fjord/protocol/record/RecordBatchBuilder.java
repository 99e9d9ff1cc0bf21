package io.fjord.protocol.record;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Builds one magic-2 record batch with CreateTime timestamps. Records are appended in offset order; {@link #build()}
 * compresses the records section if asked, fills in the header and CRC-32C, and returns the batch positioned at 0.
 * Producer id, epoch and base sequence default to -1 (no producer), the partition leader epoch to -1.
 */
public final class RecordBatchBuilder {
    public static final long NO_TIMESTAMP = -1L;

    private final long baseOffset;
    private final CompressionType compression;
    private long producerId = -1L;
    private short producerEpoch = -1;
    private int baseSequence = -1;
    private int partitionLeaderEpoch = -1;
    private boolean transactional;
    private boolean control;
    private long deleteHorizonMs = -1L;

    private ByteBuffer records;
    private int count;
    private long lastOffset = -1;
    private long baseTimestamp;
    private long maxTimestamp = NO_TIMESTAMP;

    public RecordBatchBuilder(long baseOffset, CompressionType compression) {
        this(baseOffset, compression, 256);
    }

    /**
     * With room for {@code initialCapacity} bytes of records before the buffer has to grow (a producer knows its
     * batch size: sized up front, the records are copied once instead of at every doubling).
     */
    public RecordBatchBuilder(long baseOffset, CompressionType compression, int initialCapacity) {
        if (baseOffset < 0) throw new IllegalArgumentException("negative base offset " + baseOffset);
        this.baseOffset = baseOffset;
        this.compression = compression;
        this.records = ByteBuffer.allocate(Math.max(64, initialCapacity));
    }

    public RecordBatchBuilder producer(long producerId, short producerEpoch, int baseSequence) {
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.baseSequence = baseSequence;
        return this;
    }

    public RecordBatchBuilder partitionLeaderEpoch(int epoch) {
        this.partitionLeaderEpoch = epoch;
        return this;
    }

    public RecordBatchBuilder transactional(boolean transactional) {
        this.transactional = transactional;
        return this;
    }

    /** Marks the batch as a control batch (attribute bit 5): transaction markers, see {@link ControlRecords}. */
    public RecordBatchBuilder control(boolean control) {
        this.control = control;
        return this;
    }

    /**
     * Marks the batch with a delete horizon (attribute bit 6): the base timestamp field then holds
     * {@code deleteHorizonMs} and record timestamps are stored relative to it. Used by log compaction; must be
     * called before the first record is appended.
     */
    public RecordBatchBuilder deleteHorizon(long deleteHorizonMs) {
        if (count > 0) throw new IllegalStateException("set the delete horizon before appending records");
        if (deleteHorizonMs < 0) throw new IllegalArgumentException("negative delete horizon " + deleteHorizonMs);
        this.deleteHorizonMs = deleteHorizonMs;
        return this;
    }

    public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value) {
        return append(timestamp, key, value, List.of());
    }

    public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value, List<Header> headers) {
        return append(timestamp, wrap(key), wrap(value), headers);
    }

    /** Appends a record at the next offset (the base offset for the first one). */
    public RecordBatchBuilder append(long timestamp, ByteBuffer key, ByteBuffer value, List<Header> headers) {
        return appendWithOffset(count == 0 ? baseOffset : lastOffset + 1, timestamp, key, value, headers);
    }

    /** Appends a record keeping its offset, which must be above the previous one's. */
    public RecordBatchBuilder append(Record r) {
        return appendWithOffset(r.offset(), r.timestamp(), r.key(), r.value(), r.headers());
    }

    /** Appends a record at {@code offset}, which must be at least the base offset and above the previous one. */
    public RecordBatchBuilder appendWithOffset(long offset, long timestamp, ByteBuffer key, ByteBuffer value,
                                               List<Header> headers) {
        if (offset < baseOffset || (count > 0 && offset <= lastOffset)) {
            throw new IllegalArgumentException("offset " + offset + " out of order (last " + lastOffset + ")");
        }
        if (offset - baseOffset > Integer.MAX_VALUE) throw new IllegalArgumentException("offset delta overflow");
        if (count == 0) baseTimestamp = deleteHorizonMs >= 0 ? deleteHorizonMs : timestamp;
        if (timestamp > maxTimestamp) maxTimestamp = timestamp;
        int offsetDelta = (int) (offset - baseOffset);
        long timestampDelta = timestamp - baseTimestamp;
        if (headers == null) headers = List.of();

        int keySize = key == null ? -1 : key.remaining();
        int valueSize = value == null ? -1 : value.remaining();
        int bodySize = 1 + Varints.sizeOfVarlong(timestampDelta) + Varints.sizeOfVarint(offsetDelta)
                + Varints.sizeOfVarint(keySize) + Math.max(0, keySize)
                + Varints.sizeOfVarint(valueSize) + Math.max(0, valueSize)
                + Varints.sizeOfVarint(headers.size());
        byte[][] headerKeys = new byte[headers.size()][];
        for (int i = 0; i < headerKeys.length; i++) {
            Header h = headers.get(i);
            byte[] k = h.key().getBytes(StandardCharsets.UTF_8);
            headerKeys[i] = k;
            int vs = h.value() == null ? -1 : h.value().length;
            bodySize += Varints.sizeOfVarint(k.length) + k.length + Varints.sizeOfVarint(vs) + Math.max(0, vs);
        }
        ensure(Varints.sizeOfVarint(bodySize) + bodySize);
        putVarlong(bodySize);
        records.put((byte) 0);
        putVarlong(timestampDelta);
        putVarlong(offsetDelta);
        putBytes(key);
        putBytes(value);
        putVarlong(headers.size());
        for (int i = 0; i < headerKeys.length; i++) {
            putVarlong(headerKeys[i].length);
            records.put(headerKeys[i]);
            byte[] v = headers.get(i).value();
            if (v == null) {
                putVarlong(-1);
            } else {
                putVarlong(v.length);
                records.put(v);
            }
        }
        count++;
        lastOffset = offset;
        return this;
    }

    public int numRecords() {
        return count;
    }

    /** Size of the batch if built uncompressed. */
    public int uncompressedSizeInBytes() {
        return RecordBatch.HEADER_SIZE + records.position();
    }

    /**
     * Returns the batch, positioned at 0 with the limit at its end.
     *
     * @throws IllegalStateException if no record was appended
     */
    public ByteBuffer build() {
        if (count == 0) throw new IllegalStateException("a record batch needs at least one record");
        ByteBuffer body = records.duplicate().flip();
        byte[] compressed = compression == CompressionType.NONE ? null : compression.compress(body);
        int bodySize = compressed == null ? body.remaining() : compressed.length;
        ByteBuffer out = ByteBuffer.allocate(RecordBatch.HEADER_SIZE + bodySize);
        int attributes = compression.id;
        if (transactional) attributes |= RecordBatch.TRANSACTIONAL_MASK;
        if (control) attributes |= RecordBatch.CONTROL_MASK;
        if (deleteHorizonMs >= 0) attributes |= RecordBatch.DELETE_HORIZON_MASK;
        out.putLong(baseOffset)
                .putInt(RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD + bodySize)
                .putInt(partitionLeaderEpoch)
                .put(RecordBatch.MAGIC)
                .putInt(0)
                .putShort((short) attributes)
                .putInt((int) (lastOffset - baseOffset))
                .putLong(baseTimestamp)
                .putLong(maxTimestamp)
                .putLong(producerId)
                .putShort(producerEpoch)
                .putInt(baseSequence)
                .putInt(count);
        if (compressed == null) out.put(body);
        else out.put(compressed);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), RecordBatch.ATTRIBUTES_OFFSET, out.position() - RecordBatch.ATTRIBUTES_OFFSET);
        out.putInt(RecordBatch.CRC_OFFSET, (int) crc.getValue());
        return out.flip();
    }

    private static ByteBuffer wrap(byte[] b) {
        return b == null ? null : ByteBuffer.wrap(b);
    }

    private void ensure(int n) {
        if (records.remaining() >= n) return;
        int cap = Math.max(records.capacity() * 2, records.position() + n);
        ByteBuffer bigger = ByteBuffer.allocate(cap);
        bigger.put(records.flip());
        records = bigger;
    }

    private void putBytes(ByteBuffer b) {
        if (b == null) {
            putVarlong(-1);
        } else {
            putVarlong(b.remaining());
            records.put(b.duplicate());
        }
    }

    /** Zig-zag varlong; also writes varints, whose encoding is the same for values in int range. */
    private void putVarlong(long v) {
        long u = (v << 1) ^ (v >> 63);
        while ((u & ~0x7fL) != 0) {
            records.put((byte) ((u & 0x7f) | 0x80));
            u >>>= 7;
        }
        records.put((byte) u);
    }
}
