package io.fjord.cli;

/** Kafka's DescribeConfigs ConfigSource codes, printed with the names kafka-configs.sh uses. */
final class ConfigSources {
    private ConfigSources() {
    }

    static String name(byte source) {
        return switch (source) {
            case 1 -> "DYNAMIC_TOPIC_CONFIG";
            case 2 -> "DYNAMIC_BROKER_CONFIG";
            case 3 -> "DYNAMIC_DEFAULT_BROKER_CONFIG";
            case 4 -> "STATIC_BROKER_CONFIG";
            case 5 -> "DEFAULT_CONFIG";
            case 6 -> "DYNAMIC_BROKER_LOGGER_CONFIG";
            case 7 -> "CLIENT_METRICS_CONFIG";
            case 8 -> "GROUP_CONFIG";
            default -> "UNKNOWN";
        };
    }
}
