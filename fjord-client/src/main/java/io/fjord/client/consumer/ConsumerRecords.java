package io.fjord.client.consumer;

import io.fjord.client.common.TopicPartition;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What one {@code poll} returned, by partition, each partition's records in offset order. */
public final class ConsumerRecords<K, V> implements Iterable<ConsumerRecord<K, V>> {
    private final Map<TopicPartition, List<ConsumerRecord<K, V>>> records;

    public ConsumerRecords(Map<TopicPartition, List<ConsumerRecord<K, V>>> records) {
        this.records = records;
    }

    public static <K, V> ConsumerRecords<K, V> empty() {
        return new ConsumerRecords<>(new LinkedHashMap<>());
    }

    public List<ConsumerRecord<K, V>> records(TopicPartition tp) {
        return records.getOrDefault(tp, List.of());
    }

    public Set<TopicPartition> partitions() {
        return records.keySet();
    }

    public int count() {
        int n = 0;
        for (List<ConsumerRecord<K, V>> l : records.values()) n += l.size();
        return n;
    }

    public boolean isEmpty() {
        return count() == 0;
    }

    @Override
    public Iterator<ConsumerRecord<K, V>> iterator() {
        List<ConsumerRecord<K, V>> all = new ArrayList<>();
        records.values().forEach(all::addAll);
        return all.iterator();
    }
}
