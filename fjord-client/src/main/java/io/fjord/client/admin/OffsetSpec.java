package io.fjord.client.admin;

/** What listOffsets asks for: the earliest, the latest, the max timestamp, or the first at/after a timestamp. */
public record OffsetSpec(long timestamp) {
    public static OffsetSpec earliest() {
        return new OffsetSpec(-2L);
    }

    public static OffsetSpec latest() {
        return new OffsetSpec(-1L);
    }

    public static OffsetSpec maxTimestamp() {
        return new OffsetSpec(-3L);
    }

    public static OffsetSpec forTimestamp(long ts) {
        if (ts < 0) throw new IllegalArgumentException("timestamp must not be negative");
        return new OffsetSpec(ts);
    }
}
