package io.fjord.client.producer;

import io.fjord.client.common.TopicPartition;

/** Where a record landed. The offset is -1 when unknown (acks=0, or a duplicate the broker already had). */
public record RecordMetadata(TopicPartition topicPartition, long offset, long timestamp, int serializedKeySize,
                             int serializedValueSize) {
    public String topic() {
        return topicPartition.topic();
    }

    public int partition() {
        return topicPartition.partition();
    }

    public boolean hasOffset() {
        return offset >= 0;
    }
}
