package io.fjord.broker.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The broker's static settings, under Kafka's key names, read from a {@code server.properties} file plus
 * {@code --override key=value} pairs. Unknown keys are kept (and shown by DescribeConfigs) but ignored. Immutable.
 */
public final class BrokerConfig {
    /** Keys Fjord reads, with Kafka's defaults. */
    public static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("node.id", "1");
        d.put("process.roles", "broker,controller");
        d.put("listeners", "PLAINTEXT://localhost:9092");
        d.put("controller.quorum.voters", "");
        d.put("controller.listener.names", "CONTROLLER");
        d.put("controller.quorum.bootstrap.servers", ""); // refused: Fjord's quorum is static (controller.quorum.voters)
        d.put("listener.security.protocol.map", ListenerLayout.DEFAULT_SECURITY_PROTOCOL_MAP);
        d.put("inter.broker.listener.name", "");
        d.put("security.inter.broker.protocol", "PLAINTEXT");
        d.put("controller.quorum.election.timeout.ms", "150");
        d.put("broker.session.timeout.ms", "9000");
        d.put("broker.heartbeat.interval.ms", "2000");
        d.put("fjord.metadata.snapshot.entries", "1000");
        d.put("fjord.metadata.listener", ""); // host:port of a broker-only node's Raft listener
        d.put("advertised.listeners", "");
        d.put("log.dirs", "");
        d.put("log.dir", "/tmp/kafka-logs");
        d.put("num.partitions", "1");
        d.put("default.replication.factor", "1");
        d.put("auto.create.topics.enable", "true");
        d.put("min.insync.replicas", "1");
        d.put("log.segment.bytes", "1073741824");
        d.put("log.roll.ms", "");
        d.put("log.roll.hours", "168");
        d.put("log.index.interval.bytes", "4096");
        d.put("log.index.size.max.bytes", "10485760");
        d.put("log.retention.ms", "");
        d.put("log.retention.minutes", "");
        d.put("log.retention.hours", "168");
        d.put("log.retention.bytes", "-1");
        d.put("log.cleaner.enable", "true");
        d.put("log.cleaner.threads", "1");
        d.put("log.cleaner.backoff.ms", "15000");
        d.put("log.cleaner.io.max.bytes.per.second", "1.7976931348623157E308");
        d.put("log.retention.check.interval.ms", "300000");
        d.put("log.flush.interval.messages", "9223372036854775807");
        d.put("log.flush.interval.ms", "");
        d.put("log.flush.scheduler.interval.ms", "9223372036854775807");
        d.put("log.flush.offset.checkpoint.interval.ms", "60000");
        d.put("fjord.log.fsync.on.ack", "false");
        d.put("fjord.network.inline.apis", "Produce,Fetch");
        d.put("message.max.bytes", "1048588");
        d.put("socket.request.max.bytes", "104857600");
        d.put("num.network.threads", "3");
        // Limits against abuse (Kafka's names and defaults; see network.ConnectionLimits).
        d.put("max.connections", "2147483647");
        d.put("max.connections.per.ip", "2147483647");
        d.put("max.connections.per.ip.overrides", "");
        d.put("max.connection.creation.rate", "2147483647");
        d.put("connections.max.idle.ms", "600000");
        d.put("queued.max.requests", "500");
        d.put("queued.max.request.bytes", "-1");
        d.put("quota.window.num", "11");
        d.put("quota.window.size.seconds", "1");
        // Fjord's own: how long a request frame may stay incomplete (slowloris); 0 turns it off.
        d.put("fjord.socket.request.read.timeout.ms", "60000");
        d.put("num.io.threads", "8");
        d.put("fetch.max.bytes", "57671680");
        d.put("max.incremental.fetch.session.cache.slots", "1000");
        d.put("delete.topic.enable", "true");
        d.put("cluster.id", "");
        d.put("offsets.topic.num.partitions", "50");
        d.put("offsets.topic.replication.factor", "3");
        d.put("offset.metadata.max.bytes", "4096");
        d.put("offsets.retention.minutes", "10080");
        d.put("offsets.retention.check.interval.ms", "600000");
        d.put("offsets.commit.timeout.ms", "5000");
        d.put("group.initial.rebalance.delay.ms", "3000");
        d.put("group.min.session.timeout.ms", "6000");
        d.put("group.max.session.timeout.ms", "1800000");
        d.put("group.max.size", "2147483647");
        d.put("group.coordinator.threads", "4");
        // KIP-848 consumer groups: defaults and the bounds a group's own config (GROUP resource) must stay in.
        d.put("group.consumer.session.timeout.ms", "45000");
        d.put("group.consumer.min.session.timeout.ms", "45000");
        d.put("group.consumer.max.session.timeout.ms", "60000");
        d.put("group.consumer.heartbeat.interval.ms", "5000");
        d.put("group.consumer.min.heartbeat.interval.ms", "5000");
        d.put("group.consumer.max.heartbeat.interval.ms", "15000");
        // The consumer group protocol (KIP-848): Kafka's names and defaults.
        d.put("group.consumer.assignors", "uniform,range");
        d.put("group.consumer.max.size", "2147483647");
        d.put("group.consumer.migration.policy", "bidirectional");
        // Transaction coordinator (Kafka's names and defaults).
        d.put("transaction.state.log.num.partitions", "50");
        d.put("transaction.state.log.replication.factor", "3");
        d.put("transaction.state.log.min.isr", "2");
        d.put("transaction.state.log.segment.bytes", "104857600");
        d.put("transaction.max.timeout.ms", "900000");
        d.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "10000");
        d.put("transactional.id.expiration.ms", "604800000");
        d.put("transaction.remove.expired.transaction.cleanup.interval.ms", "3600000");
        d.put("transaction.partition.verification.enable", "true");
        d.put("request.timeout.ms", "30000"); // the marker channel's requests to partition leaders
        // Replication (Kafka's names and defaults).
        d.put("replica.lag.time.max.ms", "30000");
        d.put("num.replica.fetchers", "1");
        d.put("replica.fetch.wait.max.ms", "500");
        d.put("replica.fetch.min.bytes", "1");
        d.put("replica.fetch.max.bytes", "1048576");
        d.put("replica.fetch.response.max.bytes", "10485760");
        d.put("replica.fetch.backoff.ms", "1000");
        d.put("replica.socket.timeout.ms", "30000");
        // Replication control (the active controller's own settings; Kafka's names and defaults).
        d.put("unclean.leader.election.enable", "false");
        d.put("auto.leader.rebalance.enable", "true");
        d.put("leader.imbalance.check.interval.seconds", "300");
        d.put("leader.imbalance.per.broker.percentage", "10");
        d.put("controlled.shutdown.enable", "true");
        d.put("fjord.controlled.shutdown.timeout.ms", "30000"); // Kafka bounds it by the whole shutdown's timeout
        // Operator experience: the console listener (web console and Prometheus /metrics); none turns it off.
        d.put("fjord.console.listener", "http://localhost:8080");
        d.put("fjord.console.read.only", "true");
        // Security (Kafka's names and defaults; each may be set per listener as listener.name.<l>.<key>).
        d.put("authorizer.class.name", ""); // Kafka's org.apache.kafka.metadata.authorizer.StandardAuthorizer turns ACLs on
        d.put("super.users", "");
        d.put("allow.everyone.if.no.acl.found", "false");
        d.put("ssl.keystore.type", "JKS");
        d.put("ssl.keystore.location", "");
        d.put("ssl.keystore.password", "");
        d.put("ssl.key.password", "");
        d.put("ssl.truststore.type", "JKS");
        d.put("ssl.truststore.location", "");
        d.put("ssl.truststore.password", "");
        d.put("ssl.client.auth", "none");
        d.put("ssl.protocol", "TLSv1.3");
        d.put("ssl.enabled.protocols", "TLSv1.2,TLSv1.3");
        d.put("ssl.cipher.suites", "");
        d.put("ssl.principal.mapping.rules", "DEFAULT");
        d.put("ssl.endpoint.identification.algorithm", "https");
        d.put("sasl.enabled.mechanisms", "GSSAPI");
        d.put("sasl.mechanism.inter.broker.protocol", "GSSAPI");
        d.put("sasl.jaas.config", "");
        d.put("connection.failed.authentication.delay.ms", "100");
        d.put("connections.max.reauth.ms", "0");
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    private final Map<String, String> values;
    /** Set once by {@link #validate()}, before the config is handed out. */
    private ListenerLayout listenerLayout;
    /** Set once by {@link #validate()}: each Kafka listener's protocol, TLS and SASL settings. */
    private Map<String, io.fjord.broker.security.ListenerSecurity> listenerSecurity;
    private io.fjord.metadata.raft.RaftTls raftTls;

    private BrokerConfig(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    public static BrokerConfig of(Map<String, String> settings) {
        Map<String, String> v = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : settings.entrySet()) v.put(e.getKey().trim(), e.getValue().trim());
        BrokerConfig c = new BrokerConfig(v);
        c.validate();
        return c;
    }

    /** Reads a properties file (if given) and applies the overrides on top. */
    public static BrokerConfig load(Path file, Map<String, String> overrides) throws IOException {
        Map<String, String> v = new LinkedHashMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            }
            for (String k : p.stringPropertyNames()) v.put(k, p.getProperty(k));
        }
        v.putAll(overrides);
        return of(v);
    }

    /**
     * {@code fjord.network.inline.apis}: the API keys whose handlers run on the network thread. Only Produce and
     * Fetch qualify: every other handler may block on the controller or a coordinator.
     */
    public java.util.Set<Short> inlineApis() {
        java.util.Set<Short> keys = new java.util.HashSet<>();
        for (String name : get("fjord.network.inline.apis").split(",")) {
            String n = name.trim();
            if (n.isEmpty()) continue;
            switch (n) {
                case "Produce" -> keys.add(io.fjord.protocol.api.ProduceApi.KEY);
                case "Fetch" -> keys.add(io.fjord.protocol.api.FetchApi.KEY);
                default -> throw new ConfigException("fjord.network.inline.apis: " + n
                        + " cannot run on the network thread (only Produce and Fetch can)");
            }
        }
        return keys;
    }

    private void validate() {
        for (String k : List.of("node.id", "num.partitions", "default.replication.factor", "min.insync.replicas",
                "log.index.interval.bytes", "log.index.size.max.bytes", "message.max.bytes", "socket.request.max.bytes",
                "num.io.threads", "num.network.threads", "fetch.max.bytes", "max.incremental.fetch.session.cache.slots")) {
            getInt(k);
        }
        getLong("log.segment.bytes");
        for (String k : List.of("log.retention.check.interval.ms", "log.flush.scheduler.interval.ms",
                "log.flush.offset.checkpoint.interval.ms", "log.retention.bytes", "log.flush.interval.messages")) {
            getLong(k);
        }
        if (getLong("log.retention.check.interval.ms") < 1 || getLong("log.flush.scheduler.interval.ms") < 1
                || getLong("log.flush.offset.checkpoint.interval.ms") < 1) {
            throw new ConfigException("log.retention.check.interval.ms and log.flush.*.interval.ms must be at least 1");
        }
        logRetentionMs();
        getBoolean("fjord.log.fsync.on.ack");
        inlineApis();
        getBoolean("fjord.console.read.only");
        io.fjord.broker.security.acl.AclAuthorizer.checkClassName(get("authorizer.class.name"));
        io.fjord.broker.security.acl.AclAuthorizer.parseSuperUsers(get("super.users"));
        getBoolean("allow.everyone.if.no.acl.found");
        try {
            io.fjord.broker.console.ConsoleServer.parseListener(get("fjord.console.listener"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        for (String k : List.of("unclean.leader.election.enable", "auto.leader.rebalance.enable", "controlled.shutdown.enable")) {
            getBoolean(k);
        }
        if (getLong("leader.imbalance.check.interval.seconds") < 1) {
            throw new ConfigException("leader.imbalance.check.interval.seconds must be at least 1");
        }
        if (getInt("leader.imbalance.per.broker.percentage") < 0) {
            throw new ConfigException("leader.imbalance.per.broker.percentage must be at least 0");
        }
        if (getLong("fjord.controlled.shutdown.timeout.ms") < 0) {
            throw new ConfigException("fjord.controlled.shutdown.timeout.ms must be at least 0");
        }
        for (String k : List.of("controller.quorum.election.timeout.ms", "broker.session.timeout.ms",
                "broker.heartbeat.interval.ms", "fjord.metadata.snapshot.entries")) {
            if (getLong(k) < 1) throw new ConfigException(k + " must be at least 1");
        }
        listenerLayout = ListenerLayout.resolve(this);
        Map<String, io.fjord.broker.security.ListenerSecurity> security = new LinkedHashMap<>();
        for (Listener l : listenerLayout.brokerListeners()) {
            security.put(l.name(), io.fjord.broker.security.ListenerSecurity.create(this, l,
                    listenerLayout.securityProtocols().get(l.name())));
        }
        listenerSecurity = Collections.unmodifiableMap(security);
        if (listenerLayout.isBroker()) io.fjord.broker.security.InterBrokerClient.settings(this); // checks the inter-broker login
        raftTls = io.fjord.broker.security.RaftTransportSecurity.create(this);
        if (getInt("num.partitions") < 1) throw new ConfigException("num.partitions must be at least 1");
        if (getInt("socket.request.max.bytes") < 1024) throw new ConfigException("socket.request.max.bytes must be at least 1024");
        if (getInt("queued.max.requests") < 1) throw new ConfigException("queued.max.requests must be at least 1");
        getLong("queued.max.request.bytes");
        if (getLong("connections.max.idle.ms") < -1) throw new ConfigException("connections.max.idle.ms must be at least -1");
        if (getLong("fjord.socket.request.read.timeout.ms") < 0) throw new ConfigException("fjord.socket.request.read.timeout.ms must be at least 0");
        if (getInt("quota.window.num") < 2) throw new ConfigException("quota.window.num must be at least 2");
        if (getInt("quota.window.size.seconds") < 1) throw new ConfigException("quota.window.size.seconds must be at least 1");
        io.fjord.broker.network.ConnectionLimits.parseOverrides(get("max.connections.per.ip.overrides"));
    }

    public String get(String key) {
        String v = values.get(key);
        return v != null ? v : DEFAULTS.get(key);
    }

    public int getInt(String key) {
        String v = get(key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException | NullPointerException e) {
            throw new ConfigException("Invalid value '" + v + "' for configuration " + key + ": not an integer");
        }
    }

    public long getLong(String key) {
        String v = get(key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException | NullPointerException e) {
            throw new ConfigException("Invalid value '" + v + "' for configuration " + key + ": not a number");
        }
    }

    public boolean getBoolean(String key) {
        String v = get(key);
        if ("true".equalsIgnoreCase(v)) return true;
        if ("false".equalsIgnoreCase(v)) return false;
        throw new ConfigException("Invalid value '" + v + "' for configuration " + key + ": not true or false");
    }

    public int nodeId() {
        return getInt("node.id");
    }

    public List<Path> logDirs() {
        String dirs = get("log.dirs");
        if (dirs == null || dirs.isBlank()) dirs = get("log.dir");
        List<Path> out = new ArrayList<>();
        for (String d : dirs.split(",")) if (!d.isBlank()) out.add(Path.of(d.trim()));
        return out;
    }

    /**
     * The Kafka (broker) listeners this node serves, in {@code listeners} order: the listeners not named in
     * {@code controller.listener.names} (those are the Raft server's). Empty on a controller-only node.
     */
    public List<Listener> listeners() {
        return listenerLayout.brokerListeners();
    }

    /** Where clients are told to connect: advertised.listeners if set, else the listeners themselves (never a controller listener). */
    public List<Listener> advertisedListeners() {
        return listenerLayout.advertisedBrokerListeners();
    }

    /** Roles, listener purposes, security protocols and the Raft bind address, as resolved and checked at load. */
    /** How the Kafka listener of this name secures its connections (checked when the config loaded). */
    public io.fjord.broker.security.ListenerSecurity listenerSecurity(String listenerName) {
        return listenerSecurity.get(listenerName);
    }

    public ListenerLayout listenerLayout() {
        return listenerLayout;
    }

    /** The mutual TLS of this node's Raft traffic (null: PLAINTEXT); see {@code security.RaftTransportSecurity}. */
    public io.fjord.metadata.raft.RaftTls raftTls() {
        return raftTls;
    }

    public long logRollMs() {
        String ms = get("log.roll.ms");
        return ms == null || ms.isBlank() ? getLong("log.roll.hours") * 3_600_000L : getLong("log.roll.ms");
    }

    /** log.retention.ms, else log.retention.minutes, else log.retention.hours (Kafka's precedence); -1 = forever. */
    public long logRetentionMs() {
        String ms = get("log.retention.ms");
        if (ms != null && !ms.isBlank()) return getLong("log.retention.ms");
        String min = get("log.retention.minutes");
        if (min != null && !min.isBlank()) return getLong("log.retention.minutes") * 60_000L;
        long h = getLong("log.retention.hours");
        return h < 0 ? -1 : h * 3_600_000L;
    }

    /** Every setting, explicit or default, for DescribeConfigs. */
    public Map<String, String> all() {
        Map<String, String> m = new TreeMap<>(DEFAULTS);
        m.putAll(values);
        return m;
    }

    public boolean isExplicit(String key) {
        return values.containsKey(key);
    }

    /** A listener endpoint such as PLAINTEXT://localhost:9092. */
    public record Listener(String name, String host, int port) {
        static List<Listener> parseAll(String spec) {
            List<Listener> out = new ArrayList<>();
            for (String s : spec.split(",")) {
                if (s.isBlank()) continue;
                int sep = s.indexOf("://");
                int colon = s.lastIndexOf(':');
                if (sep <= 0 || colon <= sep + 2) throw new ConfigException("Invalid listener '" + s.trim() + "': expected NAME://host:port");
                String name = s.substring(0, sep).trim().toUpperCase(java.util.Locale.ROOT); // Kafka normalises names
                String host = s.substring(sep + 3, colon).trim();
                int port;
                try {
                    port = Integer.parseInt(s.substring(colon + 1).trim());
                } catch (NumberFormatException e) {
                    throw new ConfigException("Invalid port in listener '" + s.trim() + "'");
                }
                if (port < 0 || port > 65535) throw new ConfigException("Invalid port in listener '" + s.trim() + "'");
                out.add(new Listener(name, host.isEmpty() ? "0.0.0.0" : host, port));
            }
            if (out.isEmpty()) throw new ConfigException("listeners is empty");
            return out;
        }
    }
}
