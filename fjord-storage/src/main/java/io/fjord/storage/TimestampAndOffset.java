package io.fjord.storage;

/**
 * Answer of {@link PartitionLog#offsetForTimestamp}: the base offset of the first batch whose max timestamp is
 * at or after the searched timestamp, and that batch's max timestamp.
 */
public record TimestampAndOffset(long timestamp, long offset) {
}
