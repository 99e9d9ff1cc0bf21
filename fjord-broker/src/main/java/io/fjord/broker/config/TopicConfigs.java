package io.fjord.broker.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Topic-level settings (Kafka's names) and the broker setting each one falls back to. A topic's effective config
 * is its overrides on top of the broker's values.
 */
public final class TopicConfigs {
    /** Where a value came from, with DescribeConfigs' ConfigSource codes. */
    public enum Source {
        TOPIC(1), DYNAMIC_BROKER(2), DYNAMIC_DEFAULT_BROKER(3), STATIC_BROKER(4), DEFAULT(5);

        public final byte code;

        Source(int code) {
            this.code = (byte) code;
        }
    }

    public record Value(String value, Source source) {
    }

    private enum Kind { INT, LONG, BOOLEAN, STRING }

    private record Key(String brokerKey, String kafkaDefault, Kind kind) {
    }

    private static final Map<String, Key> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("cleanup.policy", new Key("log.cleanup.policy", "delete", Kind.STRING));
        KEYS.put("compression.type", new Key("compression.type", "producer", Kind.STRING));
        KEYS.put("delete.retention.ms", new Key("log.cleaner.delete.retention.ms", "86400000", Kind.LONG));
        KEYS.put("file.delete.delay.ms", new Key("log.segment.delete.delay.ms", "60000", Kind.LONG));
        KEYS.put("flush.messages", new Key("log.flush.interval.messages", "9223372036854775807", Kind.LONG));
        KEYS.put("flush.ms", new Key("log.flush.interval.ms", "9223372036854775807", Kind.LONG));
        KEYS.put("index.interval.bytes", new Key("log.index.interval.bytes", "4096", Kind.INT));
        KEYS.put("max.compaction.lag.ms", new Key("log.cleaner.max.compaction.lag.ms", "9223372036854775807", Kind.LONG));
        KEYS.put("max.message.bytes", new Key("message.max.bytes", "1048588", Kind.INT));
        KEYS.put("message.timestamp.type", new Key("log.message.timestamp.type", "CreateTime", Kind.STRING));
        KEYS.put("min.cleanable.dirty.ratio", new Key("log.cleaner.min.cleanable.ratio", "0.5", Kind.STRING));
        KEYS.put("min.compaction.lag.ms", new Key("log.cleaner.min.compaction.lag.ms", "0", Kind.LONG));
        KEYS.put("min.insync.replicas", new Key("min.insync.replicas", "1", Kind.INT));
        KEYS.put("retention.bytes", new Key("log.retention.bytes", "-1", Kind.LONG));
        KEYS.put("retention.ms", new Key("log.retention.ms", "604800000", Kind.LONG));
        KEYS.put("segment.bytes", new Key("log.segment.bytes", "1073741824", Kind.INT));
        KEYS.put("segment.index.bytes", new Key("log.index.size.max.bytes", "10485760", Kind.INT));
        KEYS.put("segment.ms", new Key("log.roll.ms", "604800000", Kind.LONG));
        KEYS.put("unclean.leader.election.enable", new Key("unclean.leader.election.enable", "false", Kind.BOOLEAN));
    }

    private TopicConfigs() {
    }

    public static boolean isKnown(String key) {
        return KEYS.containsKey(key);
    }

    /**
     * The broker settings that can be changed at run time (AlterConfigs/IncrementalAlterConfigs on a broker
     * resource) and the topic setting each one is the default of. Deliberately small: settings every log re-reads
     * on a config update, and {@code unclean.leader.election.enable}, which the active controller reads from the
     * image (the cluster-wide default) on every pass.
     */
    public static final Map<String, String> DYNAMIC_BROKER_KEYS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("log.retention.ms", "retention.ms");
        d.put("log.retention.bytes", "retention.bytes");
        d.put("log.segment.bytes", "segment.bytes");
        d.put("log.roll.ms", "segment.ms");
        d.put("log.index.interval.bytes", "index.interval.bytes");
        d.put("log.flush.interval.messages", "flush.messages");
        d.put("log.flush.interval.ms", "flush.ms");
        d.put("unclean.leader.election.enable", "unclean.leader.election.enable"); // read by the active controller
        DYNAMIC_BROKER_KEYS = java.util.Collections.unmodifiableMap(d);
    }

    /** Why {@code value} is not acceptable for the dynamic broker setting {@code key}, or null if it is. */
    public static String invalidDynamicBroker(String key, String value) {
        String topicKey = DYNAMIC_BROKER_KEYS.get(key);
        if (topicKey == null) return "Cannot update broker config " + key + " dynamically (Fjord supports "
                + String.join(", ", DYNAMIC_BROKER_KEYS.keySet()) + ")";
        String why = invalid(topicKey, value);
        return why == null ? null : why.replace(topicKey, key);
    }

    /** The broker key a topic setting falls back to. */
    public static String brokerKey(String topicKey) {
        return KEYS.get(topicKey).brokerKey;
    }

    /** Dynamic broker settings: this broker's own and the cluster-wide default (both may be empty). */
    public record Dynamic(Map<String, String> broker, Map<String, String> clusterDefault) {
        public static final Dynamic NONE = new Dynamic(Map.of(), Map.of());
    }

    /** Why {@code value} is not acceptable for {@code key}, or null if it is. */
    public static String invalid(String key, String value) {
        Key k = KEYS.get(key);
        if (k == null) return "Unknown topic config name: " + key;
        if (value == null) return "Null value not supported for topic config " + key;
        try {
            switch (k.kind) {
                case INT -> Integer.parseInt(value.trim());
                case LONG -> Long.parseLong(value.trim());
                case BOOLEAN -> {
                    if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) return "Invalid value " + value + " for configuration " + key + ": Expected value to be either true or false";
                }
                case STRING -> {
                    if (key.equals("message.timestamp.type") && !value.equals("CreateTime") && !value.equals("LogAppendTime")) {
                        return "Invalid value " + value + " for configuration " + key + ": String must be one of: CreateTime, LogAppendTime";
                    }
                }
            }
        } catch (NumberFormatException e) {
            return "Invalid value " + value + " for configuration " + key + ": Not a number of type " + k.kind.name();
        }
        if (key.equals("cleanup.policy")) {
            for (String p : value.split(",")) {
                if (!p.trim().equals("compact") && !p.trim().equals("delete")) {
                    return "Invalid value " + value + " for configuration cleanup.policy: String must be one of: compact, delete";
                }
            }
        }
        if (key.equals("min.cleanable.dirty.ratio")) {
            try {
                double d = Double.parseDouble(value.trim());
                if (!(d >= 0 && d <= 1)) throw new NumberFormatException();
            } catch (NumberFormatException e) {
                return "Invalid value " + value + " for configuration min.cleanable.dirty.ratio: Value must be between 0 and 1";
            }
        }
        if ((key.equals("delete.retention.ms") || key.equals("min.compaction.lag.ms")) && Long.parseLong(value.trim()) < 0) {
            return "Invalid value " + value + " for configuration " + key + ": Value must be at least 0";
        }
        if (key.equals("segment.bytes") && Integer.parseInt(value.trim()) < 1024) {
            return "Invalid value " + value + " for configuration segment.bytes: Value must be at least 1024";
        }
        if (key.equals("segment.index.bytes") && Integer.parseInt(value.trim()) < 12) {
            return "Invalid value " + value + " for configuration segment.index.bytes: Value must be at least 12";
        }
        if ((key.equals("retention.ms") || key.equals("retention.bytes")) && Long.parseLong(value.trim()) < -1) {
            return "Invalid value " + value + " for configuration " + key + ": Value must be at least -1";
        }
        if (key.equals("flush.ms") && Long.parseLong(value.trim()) < 0) {
            return "Invalid value " + value + " for configuration " + key + ": Value must be at least 0";
        }
        if ((key.equals("segment.ms") || key.equals("flush.messages")) && Long.parseLong(value.trim()) < 1) {
            return "Invalid value " + value + " for configuration " + key + ": Value must be at least 1";
        }
        return null;
    }

    /** Every topic setting with its effective value and where it came from. */
    public static Map<String, Value> effective(Map<String, String> overrides, BrokerConfig broker) {
        return effective(overrides, broker, Dynamic.NONE);
    }

    /**
     * Every topic setting with its effective value and source, by precedence: topic override, this broker's
     * dynamic setting, the cluster-wide dynamic default, the static broker setting, the default.
     */
    public static Map<String, Value> effective(Map<String, String> overrides, BrokerConfig broker, Dynamic dynamic) {
        Map<String, Value> out = new TreeMap<>();
        for (Map.Entry<String, Key> e : KEYS.entrySet()) out.put(e.getKey(), resolve(e.getKey(), e.getValue(), overrides, broker, dynamic));
        return out;
    }

    private static Value resolve(String name, Key k, Map<String, String> overrides, BrokerConfig broker, Dynamic dynamic) {
        if (overrides.containsKey(name)) return new Value(overrides.get(name), Source.TOPIC);
        if (dynamic.broker().containsKey(k.brokerKey)) return new Value(dynamic.broker().get(k.brokerKey), Source.DYNAMIC_BROKER);
        if (dynamic.clusterDefault().containsKey(k.brokerKey)) {
            return new Value(dynamic.clusterDefault().get(k.brokerKey), Source.DYNAMIC_DEFAULT_BROKER);
        }
        if (broker.isExplicit(k.brokerKey) || name.equals("retention.ms")
                && (broker.isExplicit("log.retention.minutes") || broker.isExplicit("log.retention.hours"))) {
            return new Value(brokerValue(name, broker), Source.STATIC_BROKER);
        }
        return new Value(brokerDefault(name, broker), Source.DEFAULT);
    }

    private static String brokerValue(String name, BrokerConfig broker) {
        if (name.equals("segment.ms")) return Long.toString(broker.logRollMs());
        if (name.equals("retention.ms")) return Long.toString(broker.logRetentionMs());
        return broker.get(KEYS.get(name).brokerKey);
    }

    private static String brokerDefault(String name, BrokerConfig broker) {
        if (name.equals("segment.ms")) return Long.toString(broker.logRollMs());
        if (name.equals("retention.ms")) return Long.toString(broker.logRetentionMs());
        String b = BrokerConfig.DEFAULTS.get(KEYS.get(name).brokerKey);
        return b != null && !b.isEmpty() ? b : KEYS.get(name).kafkaDefault;
    }

    public static String get(Map<String, String> overrides, BrokerConfig broker, String name) {
        // One key resolved, not the whole map: the produce path asks for three keys per partition per request.
        Key k = KEYS.get(name);
        if (k == null) throw new IllegalArgumentException("not a topic config: " + name);
        return resolve(name, k, overrides, broker, Dynamic.NONE).value();
    }
}
