package io.fjord.client.errors;

/** Base of the client's exceptions. */
public class FjordClientException extends RuntimeException {
    public FjordClientException(String message) {
        super(message);
    }

    public FjordClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
