package io.fjord.protocol.record;

import java.nio.ByteBuffer;

/**
 * Byte layout of a record batch, magic 2 (big-endian), and accessors that read one batch's header fields straight
 * from a buffer at a given position, without copying or decoding records.
 *
 * <pre>
 *  0 baseOffset int64          8 batchLength int32 (bytes after this field)   12 partitionLeaderEpoch int32
 * 16 magic int8               17 crc uint32 (CRC-32C of bytes 21..end)       21 attributes int16
 * 23 lastOffsetDelta int32    27 baseTimestamp int64                         35 maxTimestamp int64
 * 43 producerId int64         51 producerEpoch int16                         53 baseSequence int32
 * 57 recordsCount int32       61 records (compressed as one blob when attributes&7 != 0)
 * attributes: bits 0-2 compression, 3 timestamp type (1 = LogAppendTime), 4 transactional, 5 control,
 *             6 delete horizon set
 * </pre>
 */
public final class RecordBatch {
    public static final int BASE_OFFSET_OFFSET = 0;
    public static final int LENGTH_OFFSET = 8;
    /** baseOffset + batchLength: the bytes not counted by batchLength. */
    public static final int LOG_OVERHEAD = 12;
    public static final int PARTITION_LEADER_EPOCH_OFFSET = 12;
    public static final int MAGIC_OFFSET = 16;
    public static final int CRC_OFFSET = 17;
    public static final int ATTRIBUTES_OFFSET = 21;
    public static final int LAST_OFFSET_DELTA_OFFSET = 23;
    public static final int BASE_TIMESTAMP_OFFSET = 27;
    public static final int MAX_TIMESTAMP_OFFSET = 35;
    public static final int PRODUCER_ID_OFFSET = 43;
    public static final int PRODUCER_EPOCH_OFFSET = 51;
    public static final int BASE_SEQUENCE_OFFSET = 53;
    public static final int RECORDS_COUNT_OFFSET = 57;
    public static final int HEADER_SIZE = 61;
    public static final byte MAGIC = 2;

    public static final int COMPRESSION_MASK = 0x07;
    public static final int TIMESTAMP_TYPE_MASK = 0x08;
    public static final int TRANSACTIONAL_MASK = 0x10;
    public static final int CONTROL_MASK = 0x20;
    public static final int DELETE_HORIZON_MASK = 0x40;

    private RecordBatch() {
    }

    public static long baseOffset(ByteBuffer b, int pos) {
        return b.getLong(pos + BASE_OFFSET_OFFSET);
    }

    public static int batchLength(ByteBuffer b, int pos) {
        return b.getInt(pos + LENGTH_OFFSET);
    }

    /** Whole size of the batch in bytes, including offset and length fields. */
    public static int sizeInBytes(ByteBuffer b, int pos) {
        return LOG_OVERHEAD + batchLength(b, pos);
    }

    public static int partitionLeaderEpoch(ByteBuffer b, int pos) {
        return b.getInt(pos + PARTITION_LEADER_EPOCH_OFFSET);
    }

    public static byte magic(ByteBuffer b, int pos) {
        return b.get(pos + MAGIC_OFFSET);
    }

    public static long crc(ByteBuffer b, int pos) {
        return Integer.toUnsignedLong(b.getInt(pos + CRC_OFFSET));
    }

    public static short attributes(ByteBuffer b, int pos) {
        return b.getShort(pos + ATTRIBUTES_OFFSET);
    }

    public static int lastOffsetDelta(ByteBuffer b, int pos) {
        return b.getInt(pos + LAST_OFFSET_DELTA_OFFSET);
    }

    public static long lastOffset(ByteBuffer b, int pos) {
        return baseOffset(b, pos) + lastOffsetDelta(b, pos);
    }

    public static long baseTimestamp(ByteBuffer b, int pos) {
        return b.getLong(pos + BASE_TIMESTAMP_OFFSET);
    }

    public static long maxTimestamp(ByteBuffer b, int pos) {
        return b.getLong(pos + MAX_TIMESTAMP_OFFSET);
    }

    public static long producerId(ByteBuffer b, int pos) {
        return b.getLong(pos + PRODUCER_ID_OFFSET);
    }

    public static short producerEpoch(ByteBuffer b, int pos) {
        return b.getShort(pos + PRODUCER_EPOCH_OFFSET);
    }

    public static int baseSequence(ByteBuffer b, int pos) {
        return b.getInt(pos + BASE_SEQUENCE_OFFSET);
    }

    public static int recordsCount(ByteBuffer b, int pos) {
        return b.getInt(pos + RECORDS_COUNT_OFFSET);
    }

    public static int compressionId(ByteBuffer b, int pos) {
        return attributes(b, pos) & COMPRESSION_MASK;
    }

    public static boolean isLogAppendTime(ByteBuffer b, int pos) {
        return (attributes(b, pos) & TIMESTAMP_TYPE_MASK) != 0;
    }

    public static boolean isTransactional(ByteBuffer b, int pos) {
        return (attributes(b, pos) & TRANSACTIONAL_MASK) != 0;
    }

    public static boolean isControl(ByteBuffer b, int pos) {
        return (attributes(b, pos) & CONTROL_MASK) != 0;
    }

    /** Computes the CRC-32C the batch at {@code pos} should carry: over attributes to the end of the batch. */
    public static long computeCrc(ByteBuffer b, int pos) {
        int size = sizeInBytes(b, pos);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        ByteBuffer view = b.duplicate();
        view.limit(pos + size).position(pos + ATTRIBUTES_OFFSET);
        crc.update(view);
        return crc.getValue();
    }

    /**
     * True if a whole, well-formed magic-2 batch starts at {@code pos} and its CRC matches: the length fits in the
     * buffer and covers at least a header. Used by recovery to find where a torn write begins.
     */
    public static boolean isWholeAndValid(ByteBuffer b, int pos) {
        if (b.limit() - pos < HEADER_SIZE) return false;
        int length = batchLength(b, pos);
        if (length < HEADER_SIZE - LOG_OVERHEAD || (long) pos + LOG_OVERHEAD + length > b.limit()) return false;
        if (magic(b, pos) != MAGIC) return false;
        return crc(b, pos) == computeCrc(b, pos);
    }

    /** Sets the base offset in place; not covered by the CRC, so no checksum changes. */
    public static void setBaseOffset(ByteBuffer b, int pos, long baseOffset) {
        b.putLong(pos + BASE_OFFSET_OFFSET, baseOffset);
    }

    /** Sets the partition leader epoch in place; not covered by the CRC. */
    public static void setPartitionLeaderEpoch(ByteBuffer b, int pos, int epoch) {
        b.putInt(pos + PARTITION_LEADER_EPOCH_OFFSET, epoch);
    }
}
