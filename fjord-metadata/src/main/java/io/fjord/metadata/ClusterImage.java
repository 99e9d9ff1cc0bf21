package io.fjord.metadata;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * An immutable picture of the cluster at one point of the metadata history: brokers, the active controller,
 * and topics by name and by id. Changes make a new image ({@code withTopic}, {@code withoutTopic}), so request
 * handlers read one consistent picture without locks, however the image is produced (a local file today, the
 * controller quorum's log later).
 */
public final class ClusterImage {
    private final String clusterId;
    private final int controllerId;
    private final Map<Integer, BrokerNode> brokers;
    private final Map<String, TopicImage> topicsByName;
    private final Map<UUID, TopicImage> topicsById;

    public ClusterImage(String clusterId, int controllerId, Map<Integer, BrokerNode> brokers, Collection<TopicImage> topics) {
        this.clusterId = clusterId;
        this.controllerId = controllerId;
        this.brokers = Map.copyOf(new TreeMap<>(brokers));
        Map<String, TopicImage> byName = new TreeMap<>();
        Map<UUID, TopicImage> byId = new HashMap<>();
        for (TopicImage t : topics) {
            byName.put(t.name(), t);
            byId.put(t.id(), t);
        }
        this.topicsByName = java.util.Collections.unmodifiableMap(byName);
        this.topicsById = Map.copyOf(byId);
    }

    public String clusterId() {
        return clusterId;
    }

    public int controllerId() {
        return controllerId;
    }

    public Map<Integer, BrokerNode> brokers() {
        return brokers;
    }

    public BrokerNode broker(int id) {
        return brokers.get(id);
    }

    /** Topics sorted by name. */
    public Collection<TopicImage> topics() {
        return topicsByName.values();
    }

    public TopicImage topic(String name) {
        return name == null ? null : topicsByName.get(name);
    }

    public TopicImage topic(UUID id) {
        return id == null ? null : topicsById.get(id);
    }

    public ClusterImage withTopic(TopicImage topic) {
        Map<String, TopicImage> next = new TreeMap<>(topicsByName);
        next.put(topic.name(), topic);
        return new ClusterImage(clusterId, controllerId, brokers, next.values());
    }

    public ClusterImage withoutTopic(String name) {
        Map<String, TopicImage> next = new TreeMap<>(topicsByName);
        next.remove(name);
        return new ClusterImage(clusterId, controllerId, brokers, next.values());
    }
}
