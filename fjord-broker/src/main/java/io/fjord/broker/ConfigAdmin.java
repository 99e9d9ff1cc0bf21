package io.fjord.broker;

import io.fjord.broker.config.TopicConfigs;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Config changes and partition additions as AlterConfigs, IncrementalAlterConfigs and CreatePartitions need them:
 * validation with Kafka's error codes, then one metadata record through the controller (TopicConfigsSet,
 * BrokerConfigsSet, PartitionsAdded), which the replica manager applies to the logs at once and which a restart
 * replays. Thread-safe (the controller serialises changes).
 */
public final class ConfigAdmin {
    public static final byte TOPIC = 2;
    public static final byte BROKER = 4;
    public static final byte GROUP = 32;
    public static final byte OP_SET = 0;
    public static final byte OP_DELETE = 1;
    public static final byte OP_APPEND = 2;
    public static final byte OP_SUBTRACT = 3;
    /** Topic settings whose values are comma-separated lists (APPEND / SUBTRACT apply). */
    private static final Set<String> LIST_KEYS = Set.of("cleanup.policy");

    private final TopicAdmin topics;

    public ConfigAdmin(TopicAdmin topics) {
        this.topics = topics;
    }

    public record Result(Errors error, String message) {
        public static final Result OK = new Result(Errors.NONE, null);
    }

    /** One operation of IncrementalAlterConfigs. */
    public record Op(String name, byte op, String value) {
    }

    /** AlterConfigs: {@code configs} become the resource's complete set of overrides. */
    public Result replace(byte type, String name, Map<String, String> configs, boolean validateOnly) {
        return apply(type, name, current -> new LinkedHashMap<>(configs), validateOnly);
    }

    /** IncrementalAlterConfigs: each operation on one key of the current overrides. */
    public Result incremental(byte type, String name, List<Op> ops, boolean validateOnly) {
        Set<String> seen = new HashSet<>();
        for (Op op : ops) {
            if (!seen.add(op.name())) {
                return new Result(Errors.INVALID_REQUEST, "Error due to duplicate config keys: " + op.name());
            }
            if (op.op() < OP_SET || op.op() > OP_SUBTRACT) {
                return new Result(Errors.INVALID_REQUEST, "Unknown config operation " + op.op());
            }
            if ((op.op() == OP_APPEND || op.op() == OP_SUBTRACT) && (type != TOPIC || !LIST_KEYS.contains(op.name()))) {
                return new Result(Errors.INVALID_CONFIG, "Config value append is not allowed for config key: " + op.name());
            }
        }
        return apply(type, name, current -> {
            Map<String, String> next = new LinkedHashMap<>(current);
            for (Op op : ops) {
                switch (op.op()) {
                    case OP_SET -> next.put(op.name(), op.value());
                    case OP_DELETE -> next.remove(op.name());
                    default -> {
                        String base = next.containsKey(op.name()) ? next.get(op.name())
                                : topics.effectiveConfigs(Map.of()).get(op.name()).value();
                        Set<String> items = new java.util.LinkedHashSet<>();
                        for (String v : base.split(",")) if (!v.isBlank()) items.add(v.trim());
                        for (String v : (op.value() == null ? "" : op.value()).split(",")) {
                            if (v.isBlank()) continue;
                            if (op.op() == OP_APPEND) items.add(v.trim());
                            else items.remove(v.trim());
                        }
                        next.put(op.name(), String.join(",", items));
                    }
                }
            }
            return next;
        }, validateOnly);
    }

    private Result apply(byte type, String name, java.util.function.UnaryOperator<Map<String, String>> change,
                         boolean validateOnly) {
        try {
            if (type == TOPIC) {
                TopicImage t = topics.image().topic(name);
                if (t == null) return new Result(Errors.UNKNOWN_TOPIC_OR_PARTITION, "Topic " + name + " does not exist");
                Map<String, String> next = change.apply(t.configs());
                for (Map.Entry<String, String> e : next.entrySet()) {
                    String why = TopicConfigs.invalid(e.getKey(), e.getValue());
                    if (why != null) return new Result(Errors.INVALID_CONFIG, why);
                }
                if (!validateOnly) topics.controller().setTopicConfigs(name, next);
                return Result.OK;
            }
            if (type == BROKER) {
                String self = Integer.toString(topics.brokerConfig().nodeId());
                if (!name.isEmpty() && !name.equals(self)) {
                    return new Result(Errors.INVALID_REQUEST, "Unexpected broker id, expected " + self + " or empty string, but received " + name);
                }
                Map<String, String> next = change.apply(topics.image().brokerConfigs(name));
                for (Map.Entry<String, String> e : next.entrySet()) {
                    String why = TopicConfigs.invalidDynamicBroker(e.getKey(), e.getValue());
                    if (why != null) return new Result(Errors.INVALID_CONFIG, why);
                }
                if (!validateOnly) topics.controller().setBrokerConfigs(name, next);
                return Result.OK;
            }
            if (type == GROUP) {
                if (name == null || name.isEmpty()) return new Result(Errors.INVALID_GROUP_ID, "Group id must not be empty");
                Map<String, String> next = change.apply(topics.image().groupConfigs(name));
                for (Map.Entry<String, String> e : next.entrySet()) {
                    String why = io.fjord.broker.config.GroupConfigs.invalid(e.getKey(), e.getValue(), topics.brokerConfig());
                    if (why != null) return new Result(Errors.INVALID_CONFIG, why);
                }
                String why = io.fjord.broker.config.GroupConfigs.inconsistent(next, topics.brokerConfig());
                if (why != null) return new Result(Errors.INVALID_CONFIG, why);
                if (!validateOnly) topics.controller().setGroupConfigs(name, next);
                return Result.OK;
            }
            return new Result(Errors.INVALID_REQUEST, "Unsupported resource type " + type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** CreatePartitions for one topic: raise its count to {@code count}, optionally with explicit replica lists. */
    public Result createPartitions(String name, int count, List<List<Integer>> assignments, boolean validateOnly) {
        TopicImage t = topics.image().topic(name);
        if (t == null) return new Result(Errors.UNKNOWN_TOPIC_OR_PARTITION, "The topic '" + name + "' does not exist.");
        int current = t.partitionCount();
        if (count < current) {
            return new Result(Errors.INVALID_PARTITIONS, "The topic " + name + " currently has " + current
                    + " partition(s); " + count + " would not be an increase.");
        }
        if (count == current) {
            return new Result(Errors.INVALID_PARTITIONS, "Topic already has " + current + " partition(s).");
        }
        int rf = t.partition(0).replicas().size();
        Set<Integer> brokers = topics.image().brokers().keySet();
        List<List<Integer>> placement = new ArrayList<>();
        if (assignments != null) {
            if (assignments.size() != count - current) {
                return new Result(Errors.INVALID_REPLICA_ASSIGNMENT, "Attempted to add " + (count - current)
                        + " additional partition(s), but only " + assignments.size() + " assignment(s) were specified.");
            }
            for (List<Integer> replicas : assignments) {
                if (replicas.isEmpty() || new HashSet<>(replicas).size() != replicas.size()) {
                    return new Result(Errors.INVALID_REPLICA_ASSIGNMENT, "Duplicate or empty replica list " + replicas);
                }
                if (replicas.size() != rf) {
                    return new Result(Errors.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes a partition with "
                            + replicas.size() + " replica(s), but this is not consistent with previous partitions, which have " + rf + " replica(s).");
                }
                for (int b : replicas) {
                    if (!brokers.contains(b)) return new Result(Errors.INVALID_REPLICA_ASSIGNMENT, "Broker " + b + " is not part of the cluster.");
                }
                placement.add(List.copyOf(replicas));
            }
        } else {
            try {
                placement.addAll(topics.placeAdded(t, count - current, rf));
            } catch (io.fjord.metadata.placement.ReplicaPlacer.PlacementException e) {
                return new Result(Errors.INVALID_REPLICATION_FACTOR, e.getMessage());
            }
        }
        if (validateOnly) return Result.OK;
        try {
            topics.controller().addPartitions(name, placement);
        } catch (IllegalArgumentException e) { // a partition whose replicas are all fenced (Kafka's answer)
            return new Result(Errors.INVALID_REPLICA_ASSIGNMENT, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Result.OK;
    }
}
