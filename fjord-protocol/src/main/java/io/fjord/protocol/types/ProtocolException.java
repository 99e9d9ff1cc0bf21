package io.fjord.protocol.types;

/** Bytes that do not follow the protocol: the connection that sent them cannot be trusted to stay in frame. */
public class ProtocolException extends RuntimeException {
    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
