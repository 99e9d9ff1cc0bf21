package io.fjord.client.consumer.internals;

import io.fjord.client.errors.FjordClientException;

/** {@code auto.offset.reset}: where a partition without a valid position starts. */
public enum OffsetResetPolicy {
    EARLIEST, LATEST, NONE;

    public static OffsetResetPolicy parse(String value) {
        return switch (value) {
            case "earliest" -> EARLIEST;
            case "latest" -> LATEST;
            case "none" -> NONE;
            default -> throw new FjordClientException("Invalid value " + value + " for auto.offset.reset: expected earliest, latest or none");
        };
    }

    /** The ListOffsets timestamp to reset to, or null for NONE (the consumer must throw instead). */
    public Long resetTimestamp() {
        return switch (this) {
            case EARLIEST -> SubscriptionState.EARLIEST;
            case LATEST -> SubscriptionState.LATEST;
            case NONE -> null;
        };
    }
}
