package io.fjord.broker.config;

/** A setting that cannot be used; the message says which and why. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
