package io.fjord.client.consumer;

import io.fjord.client.common.TopicPartition;
import java.util.Map;

/**
 * Sees (and may replace) the records {@code poll} is about to return, and hears of committed offsets. Runs on the
 * polling thread. Exceptions are logged and ignored.
 */
public interface ConsumerInterceptor<K, V> extends AutoCloseable {
    ConsumerRecords<K, V> onConsume(ConsumerRecords<K, V> records);

    /** Offsets the group coordinator accepted (sync, async or auto-commit). */
    default void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
    }

    default void configure(Map<String, ?> configs) {
    }

    @Override
    default void close() {
    }
}
