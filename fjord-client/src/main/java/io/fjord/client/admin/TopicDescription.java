package io.fjord.client.admin;

import io.fjord.client.common.PartitionInfo;
import java.util.List;
import java.util.UUID;

/** A topic's id and partitions (leader, replicas, in-sync replicas). */
public record TopicDescription(String name, UUID topicId, boolean internal, List<PartitionInfo> partitions) {
}
