package io.fjord.client.producer;

import java.util.Map;

/**
 * Sees (and may replace) each record before it is serialized, and each acknowledgement before the user's
 * callback. Exceptions thrown here are logged and otherwise ignored.
 */
public interface ProducerInterceptor<K, V> extends AutoCloseable {
    ProducerRecord<K, V> onSend(ProducerRecord<K, V> record);

    void onAcknowledgement(RecordMetadata metadata, Exception exception);

    default void configure(Map<String, ?> configs) {
    }

    @Override
    default void close() {
    }
}
