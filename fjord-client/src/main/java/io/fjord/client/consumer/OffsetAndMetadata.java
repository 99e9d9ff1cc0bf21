package io.fjord.client.consumer;

/** A committed offset (the next record to consume) with its optional metadata string. */
public record OffsetAndMetadata(long offset, String metadata) {
    public OffsetAndMetadata {
        if (offset < 0) throw new IllegalArgumentException("Invalid negative offset " + offset);
    }

    public OffsetAndMetadata(long offset) {
        this(offset, "");
    }
}
