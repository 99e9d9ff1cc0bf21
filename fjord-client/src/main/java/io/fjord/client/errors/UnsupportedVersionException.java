package io.fjord.client.errors;

/** The broker does not speak an API (or any version of it) that the client needs. */
public class UnsupportedVersionException extends FjordClientException {
    public UnsupportedVersionException(String message) {
        super(message);
    }
}
