package io.fjord.client.errors;

/** An operation did not finish in its time bound (max.block.ms, request.timeout.ms, delivery.timeout.ms, ...). */
public class TimeoutException extends RetriableException {
    public TimeoutException(String message) {
        super(message);
    }
}
