package io.fjord.client.errors;

/** The connection to a broker failed or was closed before the response arrived. */
public class DisconnectException extends RetriableException {
    public DisconnectException(String message) {
        super(message);
    }

    public DisconnectException(String message, Throwable cause) {
        super(message, cause);
    }
}
