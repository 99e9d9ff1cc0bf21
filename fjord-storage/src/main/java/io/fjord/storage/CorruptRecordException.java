package io.fjord.storage;

import io.fjord.protocol.api.Errors;

/**
 * Bytes handed to {@link PartitionLog#appendAsFollower} that are not whole, valid magic-2 batches (framing, CRC-32C,
 * codec); {@link #error()} is the Kafka code (usually CORRUPT_MESSAGE). Nothing was appended.
 */
public final class CorruptRecordException extends IllegalArgumentException {
    private final Errors error;

    public CorruptRecordException(Errors error, String message) {
        super(message);
        this.error = error;
    }

    public Errors error() {
        return error;
    }
}
