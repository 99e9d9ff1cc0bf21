package io.fjord.client.consumer;

import io.fjord.protocol.record.Header;
import java.util.List;

/** A record read from a partition. Sizes are -1 for a null key or value. */
public record ConsumerRecord<K, V>(String topic, int partition, long offset, long timestamp, K key, V value,
                                   List<Header> headers, int serializedKeySize, int serializedValueSize) {
}
