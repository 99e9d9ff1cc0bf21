package io.fjord.storage;

/**
 * Outcome of {@link PartitionLog#read}.
 *
 * @param records        whole batches from one segment (possibly empty)
 * @param firstOffset    base offset of the first returned batch, or -1 when {@code records} is empty; it may be
 *                       below the requested offset when that offset lies inside a batch
 * @param logStartOffset log start offset when the read began
 * @param logEndOffset   log end offset when the read began
 */
public record LogReadResult(FileRecordsSlice records, long firstOffset, long logStartOffset, long logEndOffset) {
}
