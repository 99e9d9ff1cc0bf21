package io.fjord.client.producer;

/** Told once per record, on the producer's sender thread, whether it was written: exactly one argument is null. */
@FunctionalInterface
public interface Callback {
    void onCompletion(RecordMetadata metadata, Exception exception);
}
