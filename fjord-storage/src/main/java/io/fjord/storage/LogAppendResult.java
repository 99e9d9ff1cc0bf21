package io.fjord.storage;

/**
 * Outcome of {@link PartitionLog#append}.
 *
 * @param firstOffset       base offset assigned to the first batch
 * @param lastOffset        last offset of the last batch
 * @param logAppendTime     the broker time of the append if any batch uses LogAppendTime, else -1
 * @param segmentBaseOffset base offset of the segment the batches went to
 * @param position          byte position of the first batch in that segment's .log file
 * @param sizeInBytes       bytes written
 * @param batchCount        number of batches written; 0 for a duplicate (see {@link #duplicate})
 */
public record LogAppendResult(long firstOffset, long lastOffset, long logAppendTime, long segmentBaseOffset,
                              int position, int sizeInBytes, int batchCount) {

    /** A retried producer batch already in the log at these offsets: nothing was written. */
    public static LogAppendResult duplicate(long firstOffset, long lastOffset) {
        return new LogAppendResult(firstOffset, lastOffset, -1L, -1L, -1, 0, 0);
    }

    public boolean isDuplicate() {
        return batchCount == 0;
    }
}
