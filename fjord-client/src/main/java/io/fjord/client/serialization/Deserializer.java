package io.fjord.client.serialization;

import java.util.Map;

/** Turns bytes back into keys or values. Implementations named by class need a public no-argument constructor. */
public interface Deserializer<T> extends AutoCloseable {
    default void configure(Map<String, ?> configs, boolean isKey) {
    }

    T deserialize(String topic, byte[] data);

    @Override
    default void close() {
    }
}
