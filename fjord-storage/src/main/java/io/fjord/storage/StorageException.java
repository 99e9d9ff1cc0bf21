package io.fjord.storage;

/** An I/O failure of the log files; the partition should be taken offline. */
public class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    public StorageException(String message) {
        super(message);
    }
}
