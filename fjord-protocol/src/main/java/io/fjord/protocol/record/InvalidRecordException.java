package io.fjord.protocol.record;

/** A record batch or a record inside it cannot be decoded: malformed, truncated or badly compressed. */
public class InvalidRecordException extends RuntimeException {
    public InvalidRecordException(String message) {
        super(message);
    }

    public InvalidRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
