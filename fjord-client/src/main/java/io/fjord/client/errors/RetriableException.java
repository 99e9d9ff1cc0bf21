package io.fjord.client.errors;

/** A failure that may go away if the same operation is tried again (leader moved, connection lost, timeout). */
public class RetriableException extends FjordClientException {
    public RetriableException(String message) {
        super(message);
    }

    public RetriableException(String message, Throwable cause) {
        super(message, cause);
    }
}
