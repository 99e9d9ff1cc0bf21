package io.fjord.storage;

import io.fjord.protocol.record.BatchValidator;
import io.fjord.protocol.record.RecordBatch;

import java.nio.ByteBuffer;

/**
 * What {@link PartitionLog} learns about the bytes of one append before it writes them: framing is checked for
 * both kinds of append; a follower append also has every batch's CRC-32C and codec checked (the leader's produce
 * handler already did that for client batches) and its leader-assigned offsets checked to increase.
 *
 * @param batchCount    number of batches
 * @param records       number of offsets the batches span (sum of lastOffsetDelta + 1)
 * @param firstOffset   first batch's base offset as given by the leader (-1 from {@link #frame}: offsets are
 *                      assigned by the log)
 * @param lastOffset    last batch's last offset as given by the leader (-1 from {@link #frame})
 * @param logAppendTime whether any batch uses LogAppendTime
 */
record AppendBatches(int batchCount, long records, long firstOffset, long lastOffset, boolean logAppendTime) {

    /**
     * Checks the framing of whole magic-2 batches from position to limit (no CRC).
     *
     * @throws IllegalArgumentException if the buffer does not hold whole magic-2 batches
     */
    static AppendBatches frame(ByteBuffer batches) {
        int p = batches.position();
        int limit = batches.limit();
        int count = 0;
        long records = 0;
        boolean logAppendTime = false;
        while (p < limit) {
            if (limit - p < RecordBatch.HEADER_SIZE) throw new IllegalArgumentException("partial batch header at " + p);
            int length = RecordBatch.batchLength(batches, p);
            if (length < RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD
                    || (long) p + RecordBatch.LOG_OVERHEAD + length > limit) {
                throw new IllegalArgumentException("bad batch length " + length + " at " + p);
            }
            if (RecordBatch.magic(batches, p) != RecordBatch.MAGIC) {
                throw new IllegalArgumentException("unsupported magic " + RecordBatch.magic(batches, p));
            }
            int delta = RecordBatch.lastOffsetDelta(batches, p);
            if (delta < 0) throw new IllegalArgumentException("negative lastOffsetDelta " + delta);
            records += delta + 1L;
            logAppendTime |= RecordBatch.isLogAppendTime(batches, p);
            count++;
            p += RecordBatch.LOG_OVERHEAD + length;
        }
        return new AppendBatches(count, records, -1, -1, logAppendTime);
    }

    /**
     * Validates batches fetched from the leader: each one whole, magic 2, CRC-32C and codec right
     * ({@link BatchValidator#validateBatch}), base offsets strictly after the previous batch's last offset.
     *
     * @throws CorruptRecordException          if a batch is torn or invalid
     * @throws UnexpectedAppendOffsetException if the offsets do not increase
     */
    static AppendBatches validateFollower(ByteBuffer batches) {
        int p = batches.position();
        int limit = batches.limit();
        int count = 0;
        long records = 0;
        long first = -1;
        long prevLast = -1;
        boolean logAppendTime = false;
        while (p < limit) {
            BatchValidator.Result r = BatchValidator.validateBatch(batches, p, limit);
            if (!r.isOk()) {
                throw new CorruptRecordException(r.error(), "batch " + count + " at byte " + (p - batches.position())
                        + ": " + r.message());
            }
            long base = RecordBatch.baseOffset(batches, p);
            if (base < 0 || base <= prevLast) {
                throw new UnexpectedAppendOffsetException("batch " + count + " starts at offset " + base
                        + ", not after the previous batch's last offset " + prevLast, base, -1);
            }
            if (count == 0) first = base;
            prevLast = base + r.lastOffsetDelta();
            records += r.lastOffsetDelta() + 1L;
            logAppendTime |= RecordBatch.isLogAppendTime(batches, p);
            count++;
            p += r.sizeInBytes();
        }
        return new AppendBatches(count, records, first, prevLast, logAppendTime);
    }
}
