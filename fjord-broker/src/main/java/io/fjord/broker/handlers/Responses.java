package io.fjord.broker.handlers;

import io.fjord.metadata.PartitionState;
import io.fjord.protocol.types.Struct;
import java.util.List;

/** Small helpers shared by handlers that describe partitions. */
final class Responses {
    private Responses() {
    }

    /** Fills the common partition fields of Metadata and DescribeTopicPartitions responses. */
    static Struct describePartition(Struct p, PartitionState state) {
        return p.set("ErrorCode", (short) 0)
                .set("PartitionIndex", state.partition())
                .set("LeaderId", state.leader())
                .set("LeaderEpoch", state.leaderEpoch())
                .set("ReplicaNodes", state.replicas())
                .set("IsrNodes", state.isr())
                .set("OfflineReplicas", List.of());
    }
}
