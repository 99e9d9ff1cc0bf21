package io.fjord.metadata;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the broker needs from the controller: the current {@link ClusterImage} (lock-free) and metadata changes,
 * each made durable before the call returns. {@link LocalController} is the single-node file-backed one; the
 * Raft quorum controller ({@code io.fjord.metadata.raft.RaftController}) replicates the same records.
 */
public interface Controller extends AutoCloseable {
    ClusterImage image();

    /** Called after each applied change, in commit order. */
    void addListener(Consumer<MetadataRecord> listener);

    /** @throws IllegalStateException if the topic exists */
    TopicImage createTopic(String name, List<List<Integer>> replicaAssignment, Map<String, String> configs) throws IOException;

    void setTopicConfigs(String name, Map<String, String> configs) throws IOException;

    TopicImage addPartitions(String name, List<List<Integer>> newReplicaAssignment) throws IOException;

    void setBrokerConfigs(String resource, Map<String, String> configs) throws IOException;

    boolean deleteTopic(String name) throws IOException;

    MetadataRecord.ProducerIdsBlockAllocated allocateProducerIds(int brokerId, int blockSize) throws IOException;

    @Override
    void close() throws IOException;
}
