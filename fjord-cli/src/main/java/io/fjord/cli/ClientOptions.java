package io.fjord.cli;

import io.fjord.client.errors.FjordClientException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every client subcommand shares. */
final class ClientOptions {
    @Option(names = "--bootstrap-server", paramLabel = "host:port", defaultValue = "localhost:9092",
            description = "Broker(s) to connect to, comma-separated (default: ${DEFAULT-VALUE}).")
    String bootstrapServer;

    @Option(names = "--command-config", paramLabel = "key=value",
            description = "A client property (Kafka's names), repeatable.")
    List<String> properties = List.of();

    @Option(names = "--timeout-ms", paramLabel = "ms", defaultValue = "30000",
            description = "Bound for each call to the cluster (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    Map<String, Object> config() {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", bootstrapServer);
        c.put("default.api.timeout.ms", timeoutMs);
        c.put("max.block.ms", timeoutMs);
        c.put("request.timeout.ms", Math.min(timeoutMs, 30000));
        c.putAll(parsePairs(properties, "--command-config"));
        return c;
    }

    static Map<String, String> parsePairs(List<String> pairs, String flag) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String kv : pairs) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new FjordClientException(flag + " expects key=value, got '" + kv + "'");
            out.put(kv.substring(0, eq).trim(), kv.substring(eq + 1));
        }
        return out;
    }
}
