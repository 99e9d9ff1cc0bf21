package io.fjord.client.common;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** An immutable snapshot of the cluster metadata the client knows: brokers, and the partitions of some topics. */
public final class Cluster {
    public static final Cluster EMPTY = new Cluster(null, -1, List.of(), List.of(), Map.of());

    private final String clusterId;
    private final int controllerId;
    private final Map<Integer, Node> nodes = new HashMap<>();
    private final Map<String, List<PartitionInfo>> partitionsByTopic = new HashMap<>();
    private final Map<TopicPartition, PartitionInfo> byPartition = new HashMap<>();
    private final Map<Integer, List<PartitionInfo>> byLeader = new HashMap<>();
    private final Map<String, UUID> topicIds;

    public Cluster(String clusterId, int controllerId, List<Node> nodes, List<PartitionInfo> partitions,
                   Map<String, UUID> topicIds) {
        this.clusterId = clusterId;
        this.controllerId = controllerId;
        for (Node n : nodes) this.nodes.put(n.id(), n);
        for (PartitionInfo p : partitions) {
            partitionsByTopic.computeIfAbsent(p.topic(), t -> new ArrayList<>()).add(p);
            byPartition.put(new TopicPartition(p.topic(), p.partition()), p);
            if (p.leader() >= 0) byLeader.computeIfAbsent(p.leader(), l -> new ArrayList<>()).add(p);
        }
        partitionsByTopic.values().forEach(l -> l.sort((a, b) -> Integer.compare(a.partition(), b.partition())));
        this.topicIds = Map.copyOf(topicIds);
    }

    public String clusterId() {
        return clusterId;
    }

    public int controllerId() {
        return controllerId;
    }

    public List<Node> nodes() {
        return List.copyOf(nodes.values());
    }

    public Node node(int id) {
        return nodes.get(id);
    }

    public Set<String> topics() {
        return Collections.unmodifiableSet(partitionsByTopic.keySet());
    }

    /** The partitions of {@code topic} by index, or an empty list if the topic is unknown. */
    public List<PartitionInfo> partitionsForTopic(String topic) {
        return partitionsByTopic.getOrDefault(topic, List.of());
    }

    public Integer partitionCount(String topic) {
        List<PartitionInfo> l = partitionsByTopic.get(topic);
        return l == null ? null : l.size();
    }

    public PartitionInfo partition(TopicPartition tp) {
        return byPartition.get(tp);
    }

    /** The node leading {@code tp}, or null when unknown or leaderless. */
    public Node leaderFor(TopicPartition tp) {
        PartitionInfo p = byPartition.get(tp);
        return p == null || p.leader() < 0 ? null : nodes.get(p.leader());
    }

    public List<PartitionInfo> partitionsForNode(int nodeId) {
        return byLeader.getOrDefault(nodeId, List.of());
    }

    public UUID topicId(String topic) {
        return topicIds.get(topic);
    }
}
