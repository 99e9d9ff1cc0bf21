package io.fjord.broker.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A consumer group's own settings: the GROUP config resource of KIP-848 (resource type 32), set with
 * IncrementalAlterConfigs / {@code kafka-configs.sh --entity-type groups} and stored in the metadata log. Each key
 * defaults to a broker setting ({@code group.<key>}) and must stay within the broker's min/max bounds for it, as
 * Kafka checks. Kafka's share-group and streams-group keys are refused by name: Fjord has no share or streams
 * groups, and accepting a setting that nothing reads would be silently ignoring it. Stateless.
 */
public final class GroupConfigs {
    public static final String SESSION_TIMEOUT = "consumer.session.timeout.ms";
    public static final String HEARTBEAT_INTERVAL = "consumer.heartbeat.interval.ms";
    /** The keys Fjord serves, in the order DescribeConfigs lists them. */
    public static final List<String> KEYS = List.of(SESSION_TIMEOUT, HEARTBEAT_INTERVAL);
    /** Keys Kafka 4 defines for the GROUP resource that belong to group types Fjord does not have. */
    private static final Set<String> UNSUPPORTED_KAFKA_KEYS = Set.of("consumer.assignment.interval.ms",
            "consumer.assignor.offload.enable", "share.session.timeout.ms", "share.heartbeat.interval.ms",
            "share.record.lock.duration.ms", "share.delivery.count.limit", "share.partition.max.record.locks",
            "share.auto.offset.reset", "share.isolation.level", "share.renew.acknowledge.enable",
            "share.assignment.interval.ms", "share.assignor.offload.enable", "streams.session.timeout.ms",
            "streams.heartbeat.interval.ms", "streams.num.standby.replicas", "streams.initial.rebalance.delay.ms",
            "streams.assignment.interval.ms", "streams.rack.aware.assignment.tags", "streams.assignor.offload.enable",
            "streams.task.offset.interval.ms", "streams.num.warmup.replicas", "streams.acceptable.recovery.lag",
            "streams.assignor.name", "errors.deadletterqueue.topic.name", "errors.deadletterqueue.copy.record.enable");

    private GroupConfigs() {
    }

    /** The broker setting that gives {@code key}'s default. */
    public static String brokerKey(String key) {
        return "group." + key;
    }

    /** Every served key with its value for a group with these overrides: the override, else the broker's setting. */
    public static Map<String, String> effective(Map<String, String> overrides, BrokerConfig broker) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : KEYS) out.put(k, overrides.containsKey(k) ? overrides.get(k) : broker.get(brokerKey(k)));
        return out;
    }

    /** The session timeout this group's KIP-848 members get. */
    public static int sessionTimeoutMs(Map<String, String> overrides, BrokerConfig broker) {
        return Integer.parseInt(effective(overrides, broker).get(SESSION_TIMEOUT));
    }

    /** The heartbeat interval this group's KIP-848 members are told to use. */
    public static int heartbeatIntervalMs(Map<String, String> overrides, BrokerConfig broker) {
        return Integer.parseInt(effective(overrides, broker).get(HEARTBEAT_INTERVAL));
    }

    /** Why {@code key=value} cannot be a group's setting, or null if it can. */
    public static String invalid(String key, String value, BrokerConfig broker) {
        if (UNSUPPORTED_KAFKA_KEYS.contains(key)) {
            return "Group config " + key + " is not supported by Fjord (it has no share or streams groups, and assigns on the coordinator)";
        }
        if (!KEYS.contains(key)) return "Unknown group config name: " + key;
        long v;
        try {
            v = Long.parseLong(value == null ? "" : value.trim());
        } catch (NumberFormatException e) {
            return "Invalid value " + value + " for configuration " + key + ": Not a number of type INT";
        }
        String bound = key.equals(SESSION_TIMEOUT) ? "session.timeout.ms" : "heartbeat.interval.ms";
        long min = broker.getLong("group.consumer.min." + bound);
        long max = broker.getLong("group.consumer.max." + bound);
        if (v < min) return key + " must be greater than or equal to group.consumer.min." + bound + " (" + min + ")";
        if (v > max) return key + " must be less than or equal to group.consumer.max." + bound + " (" + max + ")";
        return null;
    }

    /** Why a whole set of overrides is inconsistent (the heartbeat must come well inside the session), or null. */
    public static String inconsistent(Map<String, String> overrides, BrokerConfig broker) {
        Map<String, String> e = effective(overrides, broker);
        long session = Long.parseLong(e.get(SESSION_TIMEOUT));
        long heartbeat = Long.parseLong(e.get(HEARTBEAT_INTERVAL));
        if (heartbeat >= session) {
            return HEARTBEAT_INTERVAL + " (" + heartbeat + ") must be less than " + SESSION_TIMEOUT + " (" + session + ")";
        }
        return null;
    }
}
