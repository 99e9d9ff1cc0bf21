package io.fjord.protocol.record;

import java.nio.ByteBuffer;

/**
 * Control batches that end a transaction (COMMIT / ABORT markers), in Kafka's layout.
 *
 * <p>A marker is a batch with attributes transactional (0x10) and control (0x20), no compression, the transaction's
 * producer id and epoch, base sequence -1, and exactly one record:
 * <pre>
 * key   (4 bytes): int16 version (0), int16 type (0 = ABORT, 1 = COMMIT; 2-6 are KRaft-only control types)
 * value (6 bytes): int16 version (0), int32 coordinator epoch
 * </pre>
 * Readers take a higher key or value version as version 0 (the fields they know come first), as Kafka's do.
 */
public final class ControlRecords {
    public static final short ABORT = 0;
    public static final short COMMIT = 1;
    static final short KEY_VERSION = 0;
    static final short VALUE_VERSION = 0;

    /** The decoded marker of a control batch: whether it commits, and the coordinator epoch that wrote it. */
    public record EndTxnMarker(short type, int coordinatorEpoch) {
        public boolean isCommit() {
            return type == COMMIT;
        }

        public boolean isAbort() {
            return type == ABORT;
        }
    }

    private ControlRecords() {
    }

    /**
     * Builds a COMMIT or ABORT marker batch at {@code baseOffset} (the log assigns the real offset on append).
     *
     * @param timestamp            the record's timestamp (the broker's clock)
     * @param partitionLeaderEpoch stamped by the leader; -1 if unknown yet
     */
    public static ByteBuffer endTxnMarker(long baseOffset, long timestamp, int partitionLeaderEpoch, long producerId,
                                          short producerEpoch, boolean commit, int coordinatorEpoch) {
        ByteBuffer key = ByteBuffer.allocate(4).putShort(KEY_VERSION).putShort(commit ? COMMIT : ABORT).flip();
        ByteBuffer value = ByteBuffer.allocate(6).putShort(VALUE_VERSION).putInt(coordinatorEpoch).flip();
        return new RecordBatchBuilder(baseOffset, CompressionType.NONE)
                .producer(producerId, producerEpoch, -1)
                .partitionLeaderEpoch(partitionLeaderEpoch)
                .transactional(true)
                .control(true)
                .append(timestamp, key, value, java.util.List.of())
                .build();
    }

    /**
     * Reads the marker of the control batch at {@code pos} of {@code batch} (which must hold the whole batch).
     * Returns null if the batch is not a control batch or its first record is not an end-of-transaction marker
     * (another control type).
     *
     * @throws InvalidRecordException if the record cannot be decoded
     */
    public static EndTxnMarker readMarker(ByteBuffer batch, int pos) {
        if (!RecordBatch.isControl(batch, pos)) return null;
        RecordBatchReader reader = new RecordBatchReader(batch, pos);
        if (!reader.hasNext()) return null;
        Record r = reader.next();
        ByteBuffer key = r.key();
        if (key == null || key.remaining() < 4) throw new InvalidRecordException("control record key too short");
        short type = key.getShort(key.position() + 2);
        if (type != ABORT && type != COMMIT) return null;
        ByteBuffer value = r.value();
        if (value == null || value.remaining() < 6) throw new InvalidRecordException("end-txn marker value too short");
        return new EndTxnMarker(type, value.getInt(value.position() + 2));
    }
}
