package io.fjord.storage;

/**
 * One aborted transaction of one partition, as the transaction index keeps it.
 *
 * @param producerId       the transaction's producer
 * @param firstOffset      offset of its first data batch in this partition
 * @param lastOffset       offset of its ABORT marker
 * @param lastStableOffset the partition's last stable offset once the marker was written: the first offset of the
 *                         next transaction still open then, or {@code lastOffset + 1}; a fetch whose range ends at or
 *                         below it needs to look no further for aborted transactions
 */
public record AbortedTxn(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {
}
