package io.fjord.storage;

import io.fjord.protocol.api.Errors;

/** An append refused by the idempotent-producer checks; {@link #error()} is the code the producer gets. */
public final class ProducerStateException extends RuntimeException {
    private final Errors error;

    public ProducerStateException(Errors error, String message) {
        super(message, null, false, false);
        this.error = error;
    }

    public Errors error() {
        return error;
    }
}
