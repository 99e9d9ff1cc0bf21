package io.fjord.client.consumer;

/** The first offset whose timestamp is at or after the asked-for time, with that record's timestamp. */
public record OffsetAndTimestamp(long offset, long timestamp) {
}
