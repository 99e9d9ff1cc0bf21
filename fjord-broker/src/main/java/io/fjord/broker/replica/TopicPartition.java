package io.fjord.broker.replica;

/** A partition by topic name and index. */
public record TopicPartition(String topic, int partition) {
    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
