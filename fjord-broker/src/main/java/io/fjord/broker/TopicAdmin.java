package io.fjord.broker;

import io.fjord.broker.config.BrokerConfig;
import io.fjord.broker.config.TopicConfigs;
import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.Controller;
import io.fjord.metadata.LocalController;
import io.fjord.metadata.placement.ReplicaPlacer;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Topic creation and deletion as the request handlers need them: validation with Kafka's error codes, defaults
 * from the broker config, replica placement, then the change goes through the controller. Thread-safe (the
 * controller serialises changes).
 */
public final class TopicAdmin {
    private final Controller controller;
    private final java.util.Random random = new java.util.Random();
    private final BrokerConfig config;

    /** Waits until this node applied the metadata written so far (set by the broker; a no-op by default). */
    private volatile Runnable metadataBarrier = () -> { };

    public void setMetadataBarrier(Runnable barrier) {
        this.metadataBarrier = barrier;
    }

    /** Waits (bounded) until this node's replicas reflect every metadata change committed so far. */
    public void awaitMetadataApplied() {
        metadataBarrier.run();
    }

    public TopicAdmin(Controller controller, BrokerConfig config) {
        this.controller = controller;
        this.config = config;
    }

    public record Result(Errors error, String message, TopicImage topic) {
        static Result error(Errors e, String message) {
            return new Result(e, message, null);
        }
    }

    public ClusterImage image() {
        return controller.image();
    }

    /**
     * The ControllerId clients see: the active controller when it is a live broker, else (a controller-only node,
     * which clients cannot reach) this broker, as KRaft brokers answer with a live broker; -1 while there is none.
     */
    public int controllerIdForClients() {
        ClusterImage img = image();
        int c = img.controllerId();
        if (c == -1 || img.liveBrokers().containsKey(c)) return c;
        return brokerConfig().nodeId();
    }

    public BrokerConfig brokerConfig() {
        return config;
    }

    /** Creates a topic the way Metadata and Produce auto-creation do: broker defaults, no configs. */
    public Result autoCreate(String name) {
        if (!config.getBoolean("auto.create.topics.enable")) {
            return Result.error(Errors.UNKNOWN_TOPIC_OR_PARTITION, "auto.create.topics.enable is false");
        }
        Result r = create(name, -1, (short) -1, Map.of(), Map.of(), false);
        if (r.error() == Errors.TOPIC_ALREADY_EXISTS) return new Result(Errors.NONE, null, image().topic(name));
        return r;
    }

    /**
     * @param numPartitions -1 for {@code num.partitions}
     * @param replicationFactor -1 for {@code default.replication.factor}
     * @param assignments explicit replica lists by partition (then counts must be -1), or empty
     */
    public Result create(String name, int numPartitions, short replicationFactor, Map<Integer, List<Integer>> assignments,
                         Map<String, String> configs, boolean validateOnly) {
        String bad = LocalController.invalidTopicName(name);
        if (bad != null) return Result.error(Errors.INVALID_TOPIC_EXCEPTION, bad);
        if (image().topic(name) != null) return Result.error(Errors.TOPIC_ALREADY_EXISTS, "Topic '" + name + "' already exists.");
        for (Map.Entry<String, String> e : configs.entrySet()) {
            String why = TopicConfigs.invalid(e.getKey(), e.getValue());
            if (why != null) return Result.error(Errors.INVALID_CONFIG, why);
        }
        Set<Integer> brokers = image().brokers().keySet();
        List<List<Integer>> placement;
        if (!assignments.isEmpty()) {
            if (numPartitions != -1 || replicationFactor != -1) {
                return Result.error(Errors.INVALID_REQUEST, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.");
            }
            placement = new ArrayList<>();
            Map<Integer, List<Integer>> sorted = new TreeMap<>(assignments);
            int expect = 0;
            for (Map.Entry<Integer, List<Integer>> e : sorted.entrySet()) {
                if (e.getKey() != expect++) return Result.error(Errors.INVALID_REPLICA_ASSIGNMENT, "Partitions must be numbered 0 to n-1 without gaps.");
                List<Integer> replicas = e.getValue();
                if (replicas.isEmpty() || new HashSet<>(replicas).size() != replicas.size()) {
                    return Result.error(Errors.INVALID_REPLICA_ASSIGNMENT, "Partition " + e.getKey() + " has an empty or duplicate replica list.");
                }
                for (int b : replicas) {
                    if (!brokers.contains(b)) return Result.error(Errors.INVALID_REPLICA_ASSIGNMENT, "Broker " + b + " is not part of the cluster.");
                }
                placement.add(List.copyOf(replicas));
            }
        } else {
            int partitions = numPartitions == -1 ? config.getInt("num.partitions") : numPartitions;
            int rf = replicationFactor == -1 ? config.getInt("default.replication.factor") : replicationFactor;
            if (partitions <= 0) return Result.error(Errors.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
            if (rf <= 0) return Result.error(Errors.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0.");
            try {
                placement = ReplicaPlacer.place(placementBrokers(image()), partitions, rf, -1, -1, 0, random);
            } catch (ReplicaPlacer.PlacementException e) {
                return Result.error(Errors.INVALID_REPLICATION_FACTOR, e.getMessage());
            }
        }
        if (validateOnly) {
            return new Result(Errors.NONE, null, null);
        }
        try {
            TopicImage created = controller.createTopic(name, placement, configs);
            awaitMetadataApplied();
            return new Result(Errors.NONE, null, created);
        } catch (IllegalStateException e) {
            return Result.error(Errors.TOPIC_ALREADY_EXISTS, e.getMessage());
        } catch (IllegalArgumentException e) { // a partition whose replicas are all fenced (Kafka's answer)
            return Result.error(Errors.INVALID_REPLICA_ASSIGNMENT, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Brokers that may receive new replicas: registered and unfenced. */
    public static List<ReplicaPlacer.Broker> placementBrokers(ClusterImage image) {
        List<ReplicaPlacer.Broker> out = new ArrayList<>();
        for (var b : image.liveBrokers().values()) out.add(new ReplicaPlacer.Broker(b.id(), b.rack()));
        return out;
    }

    /** Placement for {@code added} new partitions of {@code topic}, continuing its pattern. */
    public List<List<Integer>> placeAdded(TopicImage topic, int added, int rf) {
        var p0 = topic.partition(0);
        return ReplicaPlacer.continuing(placementBrokers(image()), p0 == null ? null : p0.replicas(), topic.partitionCount(),
                added, rf, random);
    }

    /** Creates an internal topic (such as __consumer_offsets) with the broker's own settings. */
    public Result createInternal(String name, int partitions, short replicationFactor, Map<String, String> configs) {
        return create(name, partitions, replicationFactor, Map.of(), configs, false);
    }

    /** Topics Fjord keeps for itself; Metadata marks them internal. */
    public static boolean isInternal(String topic) {
        return topic.equals("__consumer_offsets") || topic.equals("__transaction_state");
    }

    public Errors delete(String name) {
        if (!config.getBoolean("delete.topic.enable")) return Errors.POLICY_VIOLATION;
        try {
            boolean deleted = controller.deleteTopic(name);
            if (deleted) awaitMetadataApplied();
            return deleted ? Errors.NONE : Errors.UNKNOWN_TOPIC_OR_PARTITION;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Map<String, TopicConfigs.Value> effectiveConfigs(TopicImage topic) {
        return effectiveConfigs(topic.configs());
    }

    /** A topic's effective settings given its overrides, with this broker's and the cluster's dynamic settings. */
    public Map<String, TopicConfigs.Value> effectiveConfigs(Map<String, String> overrides) {
        return TopicConfigs.effective(overrides, config, dynamic());
    }

    /** This broker's dynamic settings and the cluster-wide dynamic defaults, from the current image. */
    public TopicConfigs.Dynamic dynamic() {
        ClusterImage img = image();
        return new TopicConfigs.Dynamic(img.brokerConfigs(Integer.toString(config.nodeId())), img.brokerConfigs(""));
    }

    Controller controller() {
        return controller;
    }
}
