package io.fjord.client.serialization;

import io.fjord.client.errors.FjordClientException;

/** A key or value could not be (de)serialized. */
public class SerializationException extends FjordClientException {
    public SerializationException(String message) {
        super(message);
    }

    public SerializationException(String message, Throwable cause) {
        super(message, cause);
    }
}
