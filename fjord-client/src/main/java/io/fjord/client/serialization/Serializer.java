package io.fjord.client.serialization;

import java.util.Map;

/** Turns keys or values into bytes. Implementations named by class must have a public no-argument constructor. */
public interface Serializer<T> extends AutoCloseable {
    default void configure(Map<String, ?> configs, boolean isKey) {
    }

    byte[] serialize(String topic, T data);

    @Override
    default void close() {
    }
}
