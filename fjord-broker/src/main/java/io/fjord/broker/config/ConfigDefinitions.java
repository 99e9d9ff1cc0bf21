package io.fjord.broker.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What each broker setting means, for the generated reference {@code docs/configuration.md}: its type, the values it
 * accepts and a one-line description. The default comes from {@link BrokerConfig#DEFAULTS} (one source of truth) and
 * whether it can be changed at run time from {@link TopicConfigs#DYNAMIC_BROKER_KEYS}. {@code ConfigReferenceTest}
 * fails when a key the broker reads has no entry here, or when the document is stale.
 */
public final class ConfigDefinitions {
    /** How a value is parsed. */
    public enum Type { STRING, INT, LONG, DOUBLE, BOOLEAN, LIST, PASSWORD }

    /** One setting; {@code validValues} is free text ("" when any value of the type is accepted). */
    public record Definition(String key, Type type, String validValues, String description) {
        public String defaultValue() {
            return BrokerConfig.DEFAULTS.get(key);
        }

        public boolean dynamic() {
            return TopicConfigs.DYNAMIC_BROKER_KEYS.containsKey(key);
        }
    }

    public static final Map<String, Definition> ALL;

    private static final List<Definition> defs = new ArrayList<>();

    private static void def(String key, Type type, String valid, String description) {
        defs.add(new Definition(key, type, valid, description));
    }

    static {
        Type S = Type.STRING, I = Type.INT, L = Type.LONG, B = Type.BOOLEAN, LIST = Type.LIST, P = Type.PASSWORD;
        // Node, roles, listeners, quorum
        def("node.id", I, ">= 0", "This node's id, unique in the cluster.");
        def("process.roles", LIST, "broker, controller, or both", "What this node runs.");
        def("listeners", LIST, "NAME://host:port,...", "Where the node accepts connections (Kafka listeners, including the controller's).");
        def("advertised.listeners", LIST, "NAME://host:port,...", "Addresses given to clients; empty: the listeners'.");
        def("listener.security.protocol.map", LIST, "NAME:PROTOCOL,...", "Each listener's security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL; a controller listener PLAINTEXT or SSL, which runs the Raft traffic in mutual TLS).");
        def("inter.broker.listener.name", S, "a listener name", "Listener brokers use among themselves; empty: from security.inter.broker.protocol.");
        def("security.inter.broker.protocol", S, "PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL", "Protocol between brokers when no inter-broker listener is named.");
        def("controller.listener.names", LIST, "listener names", "Listeners the KRaft controller serves; the first one's protocol secures all Raft traffic of the node (SASL refused).");
        def("controller.quorum.voters", LIST, "id@host:port,...", "The static controller quorum; empty: a single-node local controller.");
        def("controller.quorum.bootstrap.servers", LIST, "must stay empty", "Kafka's dynamic quorum bootstrap; refused (Fjord's quorum is static).");
        def("controller.quorum.election.timeout.ms", I, "> 0", "Raft election timeout of the controller quorum.");
        def("broker.session.timeout.ms", I, "> 0", "A broker without a heartbeat for this long is fenced.");
        def("broker.heartbeat.interval.ms", I, "> 0", "How often a broker heartbeats to the controller.");
        def("broker.rack", S, "", "This broker's rack, for rack-aware replica placement and client rack awareness.");
        def("fjord.metadata.snapshot.entries", I, "> 0", "Metadata log entries between controller snapshots.");
        def("fjord.metadata.listener", S, "host:port", "Raft listener of a broker-only node (how it follows the metadata log).");
        def("cluster.id", S, "", "The cluster id; empty: read from the formatted log dir or generated.");
        // Logs
        def("log.dirs", LIST, "paths", "Directories holding partition logs; empty: log.dir.");
        def("log.dir", S, "a path", "The log directory when log.dirs is empty.");
        def("num.partitions", I, ">= 1", "Partitions of a topic created without a count.");
        def("default.replication.factor", I, ">= 1", "Replication factor of a topic created without one.");
        def("auto.create.topics.enable", B, "", "Create a topic when a client asks for metadata of a missing one.");
        def("min.insync.replicas", I, ">= 1", "Replicas that must have a write for acks=all to succeed (topic default).");
        def("delete.topic.enable", B, "", "Whether topics can be deleted.");
        def("log.segment.bytes", I, ">= 1024", "Size at which a segment is rolled (topic default segment.bytes).");
        def("log.roll.ms", L, ">= 1", "Age at which a segment is rolled; empty: log.roll.hours.");
        def("log.roll.hours", I, ">= 1", "Age in hours at which a segment is rolled.");
        def("log.index.interval.bytes", I, ">= 0", "Bytes between offset index entries.");
        def("log.index.size.max.bytes", I, ">= 4", "Largest offset/time index file.");
        def("log.retention.ms", L, ">= -1", "How long records are kept; empty: log.retention.minutes or hours; -1: forever.");
        def("log.retention.minutes", I, "", "Retention in minutes when log.retention.ms is empty.");
        def("log.retention.hours", I, "", "Retention in hours when neither of the above is set.");
        def("log.retention.bytes", L, ">= -1", "Largest size of a partition before old segments are deleted; -1: no limit.");
        def("log.retention.check.interval.ms", L, ">= 1", "How often retention is applied.");
        def("log.cleaner.enable", B, "", "Run the log cleaner (compaction of cleanup.policy=compact topics).");
        def("log.cleaner.threads", I, ">= 0", "Log cleaner threads.");
        def("log.cleaner.backoff.ms", L, ">= 0", "Cleaner sleep when no log needs cleaning.");
        def("log.cleaner.io.max.bytes.per.second", Type.DOUBLE, "> 0", "Cleaner read+write throttle.");
        def("log.flush.interval.messages", L, ">= 1", "fsync after this many records (topic default flush.messages).");
        def("log.flush.interval.ms", L, ">= 0", "fsync data older than this (topic default flush.ms); empty: the scheduler interval.");
        def("log.flush.scheduler.interval.ms", L, ">= 0", "How often logs are checked for a time-based flush.");
        def("log.flush.offset.checkpoint.interval.ms", I, ">= 0", "How often recovery points are checkpointed.");
        def("fjord.log.fsync.on.ack", B, "", "fsync a produce's data before acknowledging it.");
        // Network
        def("message.max.bytes", I, ">= 0", "Largest record batch accepted (topic default max.message.bytes).");
        def("socket.request.max.bytes", I, ">= 1", "Largest request frame accepted.");
        def("num.network.threads", I, ">= 1", "Network (event loop) threads per listener group.");
        def("num.io.threads", I, ">= 1", "Request handler threads.");
        def("fjord.network.inline.apis", LIST, "Produce, Fetch", "APIs handled on the connection's network thread instead of a num.io.threads handler (no hand-off; a handler waiting on the disk then delays that thread's other connections).");
        def("fetch.max.bytes", I, ">= 1024", "Upper bound of a fetch answer's size.");
        def("max.incremental.fetch.session.cache.slots", I, ">= 0", "Incremental fetch sessions kept (KIP-227).");
        def("request.timeout.ms", I, "> 0", "Timeout of the broker's own requests to partition leaders (transaction markers).");
        def("connection.failed.authentication.delay.ms", I, ">= 0", "Delay before closing a connection that failed authentication.");
        def("connections.max.reauth.ms", L, ">= 0", "Longest SASL session before re-authentication (KIP-368); 0: never.");
        // Groups
        def("offsets.topic.num.partitions", I, ">= 1", "Partitions of __consumer_offsets.");
        def("offsets.topic.replication.factor", I, ">= 1", "Replication factor of __consumer_offsets (capped by the live brokers).");
        def("offset.metadata.max.bytes", I, ">= 0", "Largest metadata string of a committed offset.");
        def("offsets.retention.minutes", I, ">= 1", "How long committed offsets of an empty group are kept.");
        def("offsets.retention.check.interval.ms", L, ">= 1", "How often expired offsets are removed.");
        def("offsets.commit.timeout.ms", I, ">= 1", "How long a commit waits for its write to be replicated.");
        def("group.initial.rebalance.delay.ms", I, ">= 0", "Wait for more members before the first rebalance of an empty classic group.");
        def("group.min.session.timeout.ms", I, "", "Smallest session timeout a classic member may ask for.");
        def("group.max.session.timeout.ms", I, "", "Largest session timeout a classic member may ask for.");
        def("group.max.size", I, ">= 1", "Most members of a classic group.");
        def("group.coordinator.threads", I, ">= 1", "Threads of the group coordinator runtime.");
        def("group.consumer.session.timeout.ms", I, "within the min/max below", "Session timeout of consumer-protocol (KIP-848) members.");
        def("group.consumer.min.session.timeout.ms", I, "", "Lowest session timeout a group config may set.");
        def("group.consumer.max.session.timeout.ms", I, "", "Highest session timeout a group config may set.");
        def("group.consumer.heartbeat.interval.ms", I, "within the min/max below", "Heartbeat interval given to consumer-protocol members.");
        def("group.consumer.min.heartbeat.interval.ms", I, "", "Lowest heartbeat interval a group config may set.");
        def("group.consumer.max.heartbeat.interval.ms", I, "", "Highest heartbeat interval a group config may set.");
        def("group.consumer.assignors", LIST, "uniform, range", "Server-side assignors; the first is the default.");
        def("group.consumer.max.size", I, ">= 1", "Most members of a consumer-protocol group.");
        def("group.consumer.migration.policy", S, "disabled, downgrade, upgrade, bidirectional", "Online migration between classic and consumer groups.");
        // Transactions
        def("transaction.state.log.num.partitions", I, ">= 1", "Partitions of __transaction_state.");
        def("transaction.state.log.replication.factor", I, ">= 1", "Replication factor of __transaction_state.");
        def("transaction.state.log.min.isr", I, ">= 1", "min.insync.replicas of __transaction_state.");
        def("transaction.state.log.segment.bytes", I, ">= 1", "Segment size of __transaction_state.");
        def("transaction.max.timeout.ms", I, ">= 1", "Largest transaction timeout a producer may ask for.");
        def("transaction.abort.timed.out.transaction.cleanup.interval.ms", I, ">= 1", "How often timed-out transactions are aborted.");
        def("transactional.id.expiration.ms", I, ">= 1", "How long an idle transactional id is kept.");
        def("transaction.remove.expired.transaction.cleanup.interval.ms", I, ">= 1", "How often expired transactional ids are removed.");
        def("transaction.partition.verification.enable", B, "", "Verify with the coordinator that a transactional batch's partition is in the transaction (KIP-890).");
        // Replication
        def("replica.lag.time.max.ms", L, ">= 1", "A follower not caught up for this long leaves the ISR.");
        def("num.replica.fetchers", I, ">= 1", "Fetcher threads per source broker.");
        def("replica.fetch.wait.max.ms", I, ">= 0", "Longest wait of a follower's fetch.");
        def("replica.fetch.min.bytes", I, ">= 1", "Bytes a follower's fetch waits for.");
        def("replica.fetch.max.bytes", I, ">= 0", "Bytes per partition in a follower's fetch.");
        def("replica.fetch.response.max.bytes", I, ">= 0", "Bytes in a follower's fetch answer.");
        def("replica.fetch.backoff.ms", I, ">= 0", "Pause after a failed follower fetch.");
        def("replica.socket.timeout.ms", I, "> 0", "Timeout of a follower's fetch request.");
        def("unclean.leader.election.enable", B, "", "Elect a replica outside the ISR when no ISR member is alive (may lose data).");
        def("auto.leader.rebalance.enable", B, "", "Move leadership back to preferred replicas.");
        def("leader.imbalance.check.interval.seconds", L, ">= 1", "How often leader imbalance is checked.");
        def("leader.imbalance.per.broker.percentage", I, ">= 0", "Imbalance per broker that triggers a preferred election.");
        def("controlled.shutdown.enable", B, "", "Move leadership away before a broker stops.");
        def("fjord.controlled.shutdown.timeout.ms", L, ">= 0", "Longest wait for the controlled shutdown.");
        // Operator experience
        def("fjord.console.listener", S, "none or http://host:port", "Web console and Prometheus /metrics.");
        def("fjord.console.read.only", B, "", "Refuse console mutations (offset resets) while true.");
        // Security
        def("ssl.keystore.type", S, "JKS, PKCS12, PEM", "Keystore format.");
        def("ssl.keystore.location", S, "a path", "Keystore with this broker's certificate.");
        def("ssl.keystore.password", P, "", "Keystore password.");
        def("ssl.key.password", P, "", "Private key password.");
        def("ssl.truststore.type", S, "JKS, PKCS12, PEM", "Truststore format.");
        def("ssl.truststore.location", S, "a path", "Truststore of accepted certificate authorities.");
        def("ssl.truststore.password", P, "", "Truststore password.");
        // Limits against abuse and client quotas.
        def("max.connections", I, ">= 0", "Most client connections per broker (also per listener as listener.name.<l>.max.connections); the inter-broker listener is exempt.");
        def("max.connections.per.ip", I, ">= 0", "Most connections from one address.");
        def("max.connections.per.ip.overrides", LIST, "host:count,...", "Per-address exceptions to max.connections.per.ip.");
        def("max.connection.creation.rate", I, ">= 0", "Most new connections per second (broker-wide and per listener); over it the listener pauses accepting.");
        def("connections.max.idle.ms", L, ">= -1", "Idle connections are closed after this long (-1: never).");
        def("queued.max.requests", I, ">= 1", "Most requests queued for the request threads across the broker; reading pauses beyond it.");
        def("queued.max.request.bytes", L, "-1 or > 0", "Most bytes of queued requests (-1: no bound).");
        def("quota.window.num", I, ">= 2", "Samples in a client quota's rate window.");
        def("quota.window.size.seconds", I, ">= 1", "Length of one quota sample.");
        def("fjord.socket.request.read.timeout.ms", L, ">= 0", "Fjord: a request frame must be complete this long after its first byte (slow clients); 0 = off.");
        // Authorization.
        def("authorizer.class.name", S, "empty or org.apache.kafka.metadata.authorizer.StandardAuthorizer", "Kafka's StandardAuthorizer class name turns on Fjord's ACL authorizer; any other class is refused.");
        def("super.users", S, "User:a;User:b", "Principals allowed everything.");
        def("allow.everyone.if.no.acl.found", B, "true, false", "Whether a resource no ACL names is open to everyone.");
        def("ssl.client.auth", S, "none, requested, required", "Whether TLS clients must present a certificate; required on an SSL controller listener.");
        def("ssl.protocol", S, "TLSv1.2, TLSv1.3", "Protocol of the SSL context.");
        def("ssl.enabled.protocols", LIST, "TLSv1.2, TLSv1.3", "TLS versions accepted.");
        def("ssl.cipher.suites", LIST, "JSSE names", "Cipher suites accepted; empty: the JVM's.");
        def("ssl.principal.mapping.rules", S, "DEFAULT or RULE:...", "How a certificate's subject becomes a principal name.");
        def("ssl.endpoint.identification.algorithm", S, "https or empty", "Host name verification of peers' certificates (replica fetchers; the Raft client on an SSL controller listener).");
        def("sasl.enabled.mechanisms", LIST, "PLAIN, SCRAM-SHA-256, SCRAM-SHA-512", "SASL mechanisms accepted.");
        def("sasl.mechanism.inter.broker.protocol", S, "a SASL mechanism", "Mechanism between brokers.");
        def("sasl.jaas.config", P, "JAAS entry", "Login module settings (per listener: listener.name.<l>.<mechanism>.sasl.jaas.config).");
        Map<String, Definition> m = new LinkedHashMap<>();
        for (Definition d : defs) {
            if (m.put(d.key(), d) != null) throw new IllegalStateException("config " + d.key() + " defined twice");
        }
        ALL = Collections.unmodifiableMap(m);
    }

    private ConfigDefinitions() {
    }

    /** The Markdown reference: one table, keys in definition order (grouped by area). */
    public static String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("# Broker configuration reference\n\n")
                .append("Generated from `io.fjord.broker.config.ConfigDefinitions` and `BrokerConfig.DEFAULTS` by `ConfigReferenceTest`\n")
                .append("(run it with `-Dfjord.config.reference.write=true` to rewrite this file). Kafka's names and semantics.\n")
                .append("*Dynamic*: can be changed at run time with IncrementalAlterConfigs on the broker resource\n")
                .append("(`fjord config set --broker <id> key=value`). Security settings may also be set per listener as\n")
                .append("`listener.name.<listener>.<key>`.\n\n")
                .append("| Key | Type | Default | Valid values | Dynamic | Description |\n")
                .append("|---|---|---|---|---|---|\n");
        for (Definition d : ALL.values()) {
            String def = d.defaultValue();
            String shown = def == null || def.isEmpty() ? "(empty)" : d.type() == Type.PASSWORD ? "(hidden)" : "`" + def + "`";
            b.append("| `").append(d.key()).append("` | ").append(d.type().name().toLowerCase()).append(" | ").append(cell(shown))
                    .append(" | ").append(cell(d.validValues())).append(" | ").append(d.dynamic() ? "yes" : "no").append(" | ")
                    .append(cell(d.description())).append(" |\n");
        }
        return b.toString();
    }

    private static String cell(String s) {
        return s.replace("|", "\\|");
    }
}
