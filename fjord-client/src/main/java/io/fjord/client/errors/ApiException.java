package io.fjord.client.errors;

/**
 * A broker answered with an error code. {@link #retriable()} says whether the same request may succeed later;
 * {@link #errorName()} is Kafka's name for the code.
 */
public class ApiException extends FjordClientException {
    private final short code;
    private final String name;
    private final boolean retriable;

    public ApiException(short code, String name, boolean retriable, String message) {
        super(message == null || message.isEmpty() ? name + " (error code " + code + ")" : name + ": " + message);
        this.code = code;
        this.name = name;
        this.retriable = retriable;
    }

    public short code() {
        return code;
    }

    public String errorName() {
        return name;
    }

    public boolean retriable() {
        return retriable;
    }
}
