package io.fjord.client.consumer;

import java.util.Map;

/** Sees (and may replace) the records {@code poll} is about to return. Exceptions are logged and ignored. */
public interface ConsumerInterceptor<K, V> extends AutoCloseable {
    ConsumerRecords<K, V> onConsume(ConsumerRecords<K, V> records);

    default void configure(Map<String, ?> configs) {
    }

    @Override
    default void close() {
    }
}
