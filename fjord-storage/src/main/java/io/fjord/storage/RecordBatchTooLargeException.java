package io.fjord.storage;

/** An append is larger than a whole segment ({@code segment.bytes}) and can never be stored. */
public class RecordBatchTooLargeException extends RuntimeException {
    public RecordBatchTooLargeException(String message) {
        super(message);
    }
}
