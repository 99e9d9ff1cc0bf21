package io.fjord.broker.coordinator;

import io.fjord.protocol.api.Errors;

/** An operation could not run on the shard: the error to answer with (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, ...). */
public final class CoordinatorException extends RuntimeException {
    private final Errors error;

    public CoordinatorException(Errors error, String message) {
        super(message);
        this.error = error;
    }

    public Errors error() {
        return error;
    }

    /** The error a request gets for a failed coordinator operation, as Kafka's coordinators normalise them. */
    public static Errors errorOf(Throwable t) {
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) t = t.getCause();
        if (t instanceof CoordinatorException c) return c.error();
        if (t instanceof io.fjord.broker.replica.Partition.NotLeaderException) return Errors.NOT_COORDINATOR;
        // A write not replicated in time: the client looks the coordinator up again and retries.
        if (t instanceof java.util.concurrent.TimeoutException) return Errors.COORDINATOR_NOT_AVAILABLE;
        return Errors.UNKNOWN_SERVER_ERROR;
    }
}
