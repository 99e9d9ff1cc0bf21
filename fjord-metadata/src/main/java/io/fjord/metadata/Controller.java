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

    /**
     * The metadata quorum as its leader sees it (DescribeQuorum). A node that is not the leader asks the leader.
     *
     * @throws IOException if there is no leader to ask, or it does not answer
     */
    QuorumInfo describeQuorum() throws IOException;

    /** Replaces the config overrides of consumer group {@code group} (empty removes them). */
    void setGroupConfigs(String group, Map<String, String> configs) throws IOException;

    boolean deleteTopic(String name) throws IOException;

    MetadataRecord.ProducerIdsBlockAllocated allocateProducerIds(int brokerId, int blockSize) throws IOException;

    /**
     * A partition leader's ISR change (KIP-497), committed only if the request's leader and partition epochs are
     * still the partition's when it is applied; see {@link ReplicationControl#alterPartition} for the answers.
     * Blocks until committed and applied here (up to the metadata write timeout); call it off the request path.
     *
     * @throws IOException if the change could not be written (no quorum, timeout)
     */
    AlterPartitionResult alterPartition(AlterPartitionRequest request) throws IOException;

    /**
     * Moves leaderships and ISR memberships off {@code brokerId} before it stops, and marks it shutting down so
     * it is not elected again until it re-registers ({@link ReplicationControl#controlledShutdown}). Waits at most
     * {@code timeoutMs}. Returns false if nothing was done (nothing to move, no quorum to ask, or a single node).
     *
     * @throws IOException if the change was attempted but not committed in time
     */
    boolean controlledShutdown(int brokerId, long timeoutMs) throws IOException;

    /**
     * UnregisterBroker: removes {@code brokerId}'s registration for good ({@link ReplicationControl#unregisterBroker}).
     * Returns NONE or BROKER_ID_NOT_REGISTERED.
     *
     * @throws IOException if the change could not be committed (no quorum, timeout)
     */
    io.fjord.protocol.api.Errors unregisterBroker(int brokerId) throws IOException;

    /**
     * AddRaftVoter (KIP-853): makes node {@code voterId}, which already follows the metadata log at the Raft
     * endpoint {@code host:port}, a voter. Nodes without a Raft quorum answer INVALID_REQUEST.
     */
    default VoterChangeResult addRaftVoter(int voterId, String host, int port, long timeoutMs) {
        return new VoterChangeResult(io.fjord.protocol.api.Errors.INVALID_REQUEST, "this node runs no Raft metadata quorum");
    }

    /** RemoveRaftVoter (KIP-853): removes voter {@code voterId}; nodes without a Raft quorum answer INVALID_REQUEST. */
    default VoterChangeResult removeRaftVoter(int voterId, long timeoutMs) {
        return new VoterChangeResult(io.fjord.protocol.api.Errors.INVALID_REQUEST, "this node runs no Raft metadata quorum");
    }

    /** ElectLeaders (KIP-460); {@code partitions} null means all. See {@link ReplicationControl#electLeaders}. */
    List<ElectionResult> electLeaders(ElectionType type, List<TopicPartitionRef> partitions) throws IOException;

    /** AlterPartitionReassignments (KIP-455); see {@link Reassignments}. */
    List<ReassignmentResult> alterPartitionReassignments(List<ReassignmentRequest> requests) throws IOException;

    /** ListPartitionReassignments: the reassignments in progress among {@code partitions} (null: all). */
    default List<OngoingReassignment> listPartitionReassignments(List<TopicPartitionRef> partitions) {
        return Reassignments.list(image(), partitions);
    }

    /**
     * Applies SCRAM credential changes ({@link MetadataRecord.ScramCredentialUpserted} and
     * {@link MetadataRecord.ScramCredentialDeleted} only) as one committed batch.
     */
    void alterScramCredentials(List<MetadataRecord> changes) throws IOException;

    /** Applies client quota changes (AlterClientQuotas) as one committed batch, seen by every node from the image. */
    void alterClientQuotas(List<MetadataRecord.ClientQuotaChanged> changes) throws IOException;
    /** Writes finalized feature levels (UpdateFeatures; checked by the caller against {@link FeaturesImage}) as one batch. */
    void updateFeatures(List<MetadataRecord.FeatureLevel> changes) throws IOException;

    /** Applies ACL changes ({@link MetadataRecord.AclCreated} and {@link MetadataRecord.AclDeleted} only) as one batch. */
    void alterAcls(List<MetadataRecord> changes) throws IOException;

    @Override
    void close() throws IOException;
}
