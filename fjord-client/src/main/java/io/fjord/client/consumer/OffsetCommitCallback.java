package io.fjord.client.consumer;

import io.fjord.client.common.TopicPartition;
import java.util.Map;

/** Completion of {@link FjordConsumer#commitAsync}: runs on the polling thread; {@code exception} null on success. */
@FunctionalInterface
public interface OffsetCommitCallback {
    void onComplete(Map<TopicPartition, OffsetAndMetadata> offsets, Exception exception);
}
