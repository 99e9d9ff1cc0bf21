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
    /** Dynamic broker settings by resource: {@code ""} the cluster default, else a broker id. */
    private final Map<String, Map<String, String>> brokerConfigs;
    /** Registered brokers that are fenced (missed heartbeats): not shown to clients, lead nothing. */
    private final java.util.Set<Integer> fenced;
    /** Incarnation id of each registered broker's current process. */
    private final Map<Integer, String> incarnations;
    /** First producer id of the next block the controller hands out. */
    private final long nextProducerIdBlock;
    /** Fenced brokers in controlled shutdown: they stay fenced until they register again. */
    private final java.util.Set<Integer> shuttingDown;
    /** Consumer group config overrides (KIP-848's GROUP config resource) by group id. */
    private final Map<String, Map<String, String>> groupConfigs;
    /** SCRAM credentials by user, then mechanism name. */
    private final Map<String, Map<String, MetadataRecord.ScramCredentialUpserted>> scramCredentials;
    /** Every ACL binding (Kafka's codes; a binding is its own identity, so a set). */
    private final java.util.Set<MetadataRecord.AclCreated> acls;
    /** Client quotas (Kafka's keys, e.g. producer_byte_rate) by entity; an entity without quotas is absent. */
    private final Map<QuotaEntity, Map<String, Double>> clientQuotas;
    /** The finalized feature levels (metadata.version, group.version, transaction.version) and their epoch. */
    private final FeaturesImage features;

    public ClusterImage(String clusterId, int controllerId, Map<Integer, BrokerNode> brokers, Collection<TopicImage> topics) {
        this(clusterId, controllerId, brokers, topics, Map.of());
    }

    public ClusterImage(String clusterId, int controllerId, Map<Integer, BrokerNode> brokers, Collection<TopicImage> topics,
                        Map<String, Map<String, String>> brokerConfigs) {
        this(clusterId, controllerId, brokers, topics, brokerConfigs, java.util.Set.of(), Map.of(), 0);
    }

    public ClusterImage(String clusterId, int controllerId, Map<Integer, BrokerNode> brokers, Collection<TopicImage> topics,
                        Map<String, Map<String, String>> brokerConfigs, java.util.Set<Integer> fenced,
                        Map<Integer, String> incarnations, long nextProducerIdBlock) {
        this(clusterId, controllerId, brokers, topics, brokerConfigs, fenced, incarnations, nextProducerIdBlock,
                java.util.Set.of(), Map.of(), Map.of(), java.util.Set.of(), Map.of(), FeaturesImage.DEFAULT);
    }

    private ClusterImage(String clusterId, int controllerId, Map<Integer, BrokerNode> brokers, Collection<TopicImage> topics,
                         Map<String, Map<String, String>> brokerConfigs, java.util.Set<Integer> fenced,
                         Map<Integer, String> incarnations, long nextProducerIdBlock, java.util.Set<Integer> shuttingDown,
                         Map<String, Map<String, String>> groupConfigs,
                         Map<String, Map<String, MetadataRecord.ScramCredentialUpserted>> scramCredentials,
                         java.util.Set<MetadataRecord.AclCreated> acls, Map<QuotaEntity, Map<String, Double>> clientQuotas,
                         FeaturesImage features) {
        this.acls = java.util.Set.copyOf(acls);
        this.clientQuotas = Map.copyOf(clientQuotas);
        this.features = features;
        this.groupConfigs = Map.copyOf(groupConfigs);
        this.scramCredentials = Map.copyOf(scramCredentials);
        this.shuttingDown = java.util.Set.copyOf(shuttingDown);
        this.fenced = java.util.Set.copyOf(fenced);
        this.incarnations = Map.copyOf(incarnations);
        this.nextProducerIdBlock = nextProducerIdBlock;
        this.brokerConfigs = Map.copyOf(brokerConfigs);
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
        return new ClusterImage(clusterId, controllerId, brokers, next.values(), brokerConfigs, fenced, incarnations, nextProducerIdBlock, shuttingDown, groupConfigs, scramCredentials, acls, clientQuotas, features);
    }

    public ClusterImage withoutTopic(String name) {
        Map<String, TopicImage> next = new TreeMap<>(topicsByName);
        next.remove(name);
        return new ClusterImage(clusterId, controllerId, brokers, next.values(), brokerConfigs, fenced, incarnations, nextProducerIdBlock, shuttingDown, groupConfigs, scramCredentials, acls, clientQuotas, features);
    }

    /** Dynamic broker settings of {@code resource} ({@code ""} = cluster default, or a broker id); empty if none. */
    public Map<String, String> brokerConfigs(String resource) {
        return brokerConfigs.getOrDefault(resource, Map.of());
    }

    public ClusterImage withBrokerConfigs(String resource, Map<String, String> configs) {
        Map<String, Map<String, String>> next = new HashMap<>(brokerConfigs);
        if (configs.isEmpty()) next.remove(resource);
        else next.put(resource, Map.copyOf(configs));
        return new ClusterImage(clusterId, controllerId, brokers, topicsByName.values(), next, fenced, incarnations, nextProducerIdBlock, shuttingDown, groupConfigs, scramCredentials, acls, clientQuotas, features);
    }

    /** The config overrides of consumer group {@code group}; empty if none. */
    public Map<String, String> groupConfigs(String group) {
        return groupConfigs.getOrDefault(group, Map.of());
    }

    /** Every group with config overrides. */
    public Map<String, Map<String, String>> allGroupConfigs() {
        return groupConfigs;
    }

    public ClusterImage withGroupConfigs(String group, Map<String, String> configs) {
        Map<String, Map<String, String>> next = new HashMap<>(groupConfigs);
        if (configs.isEmpty()) next.remove(group);
        else next.put(group, Map.copyOf(configs));
        return new ClusterImage(clusterId, controllerId, brokers, topicsByName.values(), brokerConfigs, fenced, incarnations,
                nextProducerIdBlock, shuttingDown, next, scramCredentials, acls, clientQuotas, features);
    }

    /** Every dynamic broker settings resource with its settings. */
    public Map<String, Map<String, String>> allBrokerConfigs() {
        return brokerConfigs;
    }

    /**
     * The broker epoch of {@code brokerId}'s current process, -1 if unregistered: a number derived from its
     * incarnation id, so it changes with every restart (Kafka uses the registration's offset; Fjord's
     * registrations carry a random incarnation instead). Followers send it in Fetch (ReplicaEpoch) and leaders
     * pass it on in AlterPartition, so a replica that restarted since the leader saw it is not added (KIP-903).
     */
    public long brokerEpoch(int brokerId) {
        return epochOf(incarnations.get(brokerId));
    }

    public static long epochOf(String incarnation) {
        if (incarnation == null || incarnation.isEmpty()) return -1;
        try {
            UUID u = UUID.fromString(incarnation);
            return (u.getMostSignificantBits() ^ u.getLeastSignificantBits()) & Long.MAX_VALUE;
        } catch (IllegalArgumentException e) {
            return incarnation.hashCode() & 0x7fffffffL;
        }
    }

    public boolean isFenced(int brokerId) {
        return fenced.contains(brokerId);
    }

    public java.util.Set<Integer> fenced() {
        return fenced;
    }

    /** Registered, unfenced brokers: the ones clients see and replicas go to. */
    public Map<Integer, BrokerNode> liveBrokers() {
        if (fenced.isEmpty()) return brokers;
        Map<Integer, BrokerNode> live = new TreeMap<>(brokers);
        live.keySet().removeAll(fenced);
        return java.util.Collections.unmodifiableMap(live);
    }

    public String incarnation(int brokerId) {
        return incarnations.get(brokerId);
    }

    public long nextProducerIdBlock() {
        return nextProducerIdBlock;
    }

    public ClusterImage withController(int id) {
        return new ClusterImage(clusterId, id, brokers, topicsByName.values(), brokerConfigs, fenced, incarnations, nextProducerIdBlock, shuttingDown, groupConfigs, scramCredentials, acls, clientQuotas, features);
    }

    public ClusterImage withNextProducerIdBlock(long next) {
        return new ClusterImage(clusterId, controllerId, brokers, topicsByName.values(), brokerConfigs, fenced, incarnations, next, shuttingDown, groupConfigs, scramCredentials, acls, clientQuotas, features);
    }

    /**
     * A broker (re)registered: its endpoint and incarnation replace the old ones; it starts unfenced and no longer
     * shutting down.
     */
    public ClusterImage withBroker(BrokerNode node, String incarnation) {
        Map<Integer, BrokerNode> b = new HashMap<>(brokers);
        b.put(node.id(), node);
        Map<Integer, String> inc = new HashMap<>(incarnations);
        if (incarnation != null) inc.put(node.id(), incarnation);
        java.util.Set<Integer> f = new java.util.HashSet<>(fenced);
        f.remove(node.id());
        java.util.Set<Integer> down = new java.util.HashSet<>(shuttingDown);
        down.remove(node.id());
        return new ClusterImage(clusterId, controllerId, b, topicsByName.values(), brokerConfigs, f, inc, nextProducerIdBlock, down, groupConfigs, scramCredentials, acls, clientQuotas, features);
    }

    /** A broker was unregistered (decommissioned): no endpoint, incarnation, fencing or shutdown state is left. */
    public ClusterImage withoutBroker(int brokerId) {
        Map<Integer, BrokerNode> b = new HashMap<>(brokers);
        b.remove(brokerId);
        Map<Integer, String> inc = new HashMap<>(incarnations);
        inc.remove(brokerId);
        java.util.Set<Integer> f = new java.util.HashSet<>(fenced);
        f.remove(brokerId);
        java.util.Set<Integer> down = new java.util.HashSet<>(shuttingDown);
        down.remove(brokerId);
        return new ClusterImage(clusterId, controllerId, b, topicsByName.values(), brokerConfigs, f, inc, nextProducerIdBlock, down, groupConfigs, scramCredentials, acls, clientQuotas, features);
    }

    public ClusterImage withFenced(int brokerId, boolean isFenced) {
        java.util.Set<Integer> f = new java.util.HashSet<>(fenced);
        if (isFenced) f.add(brokerId);
        else f.remove(brokerId);
        return new ClusterImage(clusterId, controllerId, brokers, topicsByName.values(), brokerConfigs, f, incarnations, nextProducerIdBlock, shuttingDown, groupConfigs, scramCredentials, acls, clientQuotas, features);
    }

    /** A broker began a controlled shutdown: fenced, and kept fenced until it registers again. */
    public ClusterImage withShuttingDown(int brokerId) {
        java.util.Set<Integer> f = new java.util.HashSet<>(fenced);
        f.add(brokerId);
        java.util.Set<Integer> down = new java.util.HashSet<>(shuttingDown);
        down.add(brokerId);
        return new ClusterImage(clusterId, controllerId, brokers, topicsByName.values(), brokerConfigs, f, incarnations,
                nextProducerIdBlock, down, groupConfigs, scramCredentials, acls, clientQuotas, features);
    }

    /** The user's SCRAM credential for the mechanism (e.g. {@code SCRAM-SHA-256}), or null. */
    public MetadataRecord.ScramCredentialUpserted scramCredential(String user, String mechanism) {
        Map<String, MetadataRecord.ScramCredentialUpserted> byMechanism = scramCredentials.get(user);
        return byMechanism == null ? null : byMechanism.get(mechanism);
    }

    /** Every SCRAM credential, by user and mechanism. */
    public Map<String, Map<String, MetadataRecord.ScramCredentialUpserted>> scramCredentials() {
        return scramCredentials;
    }

    public ClusterImage withScramCredential(MetadataRecord.ScramCredentialUpserted c) {
        Map<String, Map<String, MetadataRecord.ScramCredentialUpserted>> all = new HashMap<>(scramCredentials);
        Map<String, MetadataRecord.ScramCredentialUpserted> mine = new HashMap<>(all.getOrDefault(c.user(), Map.of()));
        mine.put(c.mechanism(), c);
        all.put(c.user(), Map.copyOf(mine));
        return new ClusterImage(clusterId, controllerId, brokers, topicsByName.values(), brokerConfigs, fenced, incarnations,
                nextProducerIdBlock, shuttingDown, groupConfigs, all, acls, clientQuotas, features);
    }

    public ClusterImage withoutScramCredential(String user, String mechanism) {
        if (scramCredential(user, mechanism) == null) return this;
        Map<String, Map<String, MetadataRecord.ScramCredentialUpserted>> all = new HashMap<>(scramCredentials);
        Map<String, MetadataRecord.ScramCredentialUpserted> mine = new HashMap<>(all.get(user));
        mine.remove(mechanism);
        if (mine.isEmpty()) all.remove(user);
        else all.put(user, Map.copyOf(mine));
        return new ClusterImage(clusterId, controllerId, brokers, topicsByName.values(), brokerConfigs, fenced, incarnations,
                nextProducerIdBlock, shuttingDown, groupConfigs, all, acls, clientQuotas, features);
    }

    /** Every ACL binding. */
    public java.util.Set<MetadataRecord.AclCreated> acls() {
        return acls;
    }

    public ClusterImage withAcl(MetadataRecord.AclCreated acl) {
        if (acls.contains(acl)) return this;
        java.util.Set<MetadataRecord.AclCreated> next = new java.util.HashSet<>(acls);
        next.add(acl);
        return new ClusterImage(clusterId, controllerId, brokers, topicsByName.values(), brokerConfigs, fenced, incarnations,
                nextProducerIdBlock, shuttingDown, groupConfigs, scramCredentials, next, clientQuotas, features);
    }

    public ClusterImage withoutAcl(MetadataRecord.AclCreated acl) {
        if (!acls.contains(acl)) return this;
        java.util.Set<MetadataRecord.AclCreated> next = new java.util.HashSet<>(acls);
        next.remove(acl);
        return new ClusterImage(clusterId, controllerId, brokers, topicsByName.values(), brokerConfigs, fenced, incarnations,
                nextProducerIdBlock, shuttingDown, groupConfigs, scramCredentials, next, clientQuotas, features);
    }

    /** Every entity's client quotas. */
    public Map<QuotaEntity, Map<String, Double>> clientQuotas() {
        return clientQuotas;
    }

    /** The image with {@code c} applied: the entity's quota for the key set to the value, or removed. */
    public ClusterImage withClientQuota(MetadataRecord.ClientQuotaChanged c) {
        Map<QuotaEntity, Map<String, Double>> all = new HashMap<>(clientQuotas);
        Map<String, Double> mine = new HashMap<>(all.getOrDefault(c.entity(), Map.of()));
        if (c.value() == null) mine.remove(c.key()); else mine.put(c.key(), c.value());
        if (mine.isEmpty()) all.remove(c.entity()); else all.put(c.entity(), Map.copyOf(mine));
        return new ClusterImage(clusterId, controllerId, brokers, topicsByName.values(), brokerConfigs, fenced, incarnations,
                nextProducerIdBlock, shuttingDown, groupConfigs, scramCredentials, acls, all, features);
    }

    public boolean isShuttingDown(int brokerId) {
        return shuttingDown.contains(brokerId);
    }

    public java.util.Set<Integer> shuttingDown() {
        return shuttingDown;
    }

    /**
     * A broker that may lead and be in an ISR: registered and not fenced (a broker in controlled shutdown is
     * fenced too). Kafka's "active" broker.
     */
    public boolean isEligible(int brokerId) {
        return brokers.containsKey(brokerId) && !fenced.contains(brokerId);
    }

    /** The finalized features: the bootstrap levels overlaid with every {@link MetadataRecord.FeatureLevel} applied. */
    public FeaturesImage features() {
        return features;
    }

    public ClusterImage withFeatureLevel(MetadataRecord.FeatureLevel r) {
        return new ClusterImage(clusterId, controllerId, brokers, topicsByName.values(), brokerConfigs, fenced, incarnations,
                nextProducerIdBlock, shuttingDown, groupConfigs, scramCredentials, acls, clientQuotas, features.with(r));
    }
}
