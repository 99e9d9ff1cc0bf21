package io.fjord.client.admin;

import io.fjord.client.common.ClientConfig;
import io.fjord.client.common.ExponentialBackoff;
import io.fjord.client.common.Time;
import io.fjord.client.common.Cluster;
import io.fjord.client.common.Node;
import io.fjord.client.common.PartitionInfo;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.OffsetAndMetadata;
import io.fjord.client.consumer.OffsetAndTimestamp;
import io.fjord.client.errors.ApiException;
import io.fjord.client.errors.ClientErrors;
import io.fjord.client.errors.FjordClientException;
import io.fjord.client.errors.RetriableException;
import io.fjord.client.errors.TimeoutException;
import io.fjord.client.network.ClientResponse;
import io.fjord.client.network.Metadata;
import io.fjord.client.network.NetworkClient;
import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.api.CreatePartitionsApi;
import io.fjord.protocol.api.CreateTopicsApi;
import io.fjord.protocol.api.DeleteRecordsApi;
import io.fjord.protocol.api.DeleteTopicsApi;
import io.fjord.protocol.api.DescribeClusterApi;
import io.fjord.protocol.api.DescribeConfigsApi;
import io.fjord.protocol.api.DescribeGroupsApi;
import io.fjord.protocol.api.DescribeQuorumApi;
import io.fjord.protocol.api.FindCoordinatorApi;
import io.fjord.protocol.api.ListGroupsApi;
import io.fjord.protocol.api.OffsetCommitApi;
import io.fjord.protocol.api.OffsetDeleteApi;
import io.fjord.protocol.api.OffsetFetchApi;
import io.fjord.protocol.api.IncrementalAlterConfigsApi;
import io.fjord.protocol.api.ListOffsetsApi;
import io.fjord.protocol.api.MetadataApi;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Fjord's admin client: topics (create, delete, list, describe, create partitions, delete records), cluster,
 * configs (describe, incremental alter), offsets and groups (list, describe, committed offsets, alter and delete
 * a group's offsets). Calls block up to {@code default.api.timeout.ms}, retrying retriable failures (lost
 * connections, NOT_CONTROLLER, ...) after the retry backoff ({@code retry.backoff.ms} doubling up to
 * {@code retry.backoff.max.ms}, jittered); per-item broker errors are thrown as
 * {@link ApiException}. Thread-safe.
 */
public final class FjordAdmin implements AutoCloseable {
    private final NetworkClient network;
    private final Metadata metadata;
    private final long apiTimeoutMs;
    private final ExponentialBackoff retryBackoff;
    private final Time time;
    private final int requestTimeoutMs;

    public FjordAdmin(Properties props) {
        this(ClientConfig.of(props));
    }

    public FjordAdmin(Map<String, ?> configs) {
        this(new ClientConfig(configs));
    }

    private FjordAdmin(ClientConfig config) {
        this(config, Time.SYSTEM, new Random());
    }

    /** With the clock and the randomness (backoff jitter, node choice) passed in, for tests. */
    FjordAdmin(ClientConfig config, Time time, Random random) {
        this.time = time;
        this.apiTimeoutMs = config.getLong("default.api.timeout.ms", 60000);
        this.retryBackoff = ExponentialBackoff.retry(config, random);
        this.requestTimeoutMs = config.getInt("request.timeout.ms", 30000);
        this.metadata = new Metadata(config.getLong("metadata.max.age.ms", 300000), retryBackoff, false, time);
        metadata.setAllTopics(true);
        this.network = new NetworkClient(config, config.getString("client.id", "fjord-admin") + "-network", time, random);
        metadata.attach(network);
    }

    /** Sends to any broker, retrying retriable failures until the API timeout. */
    private ClientResponse call(ApiSpec spec, short maxVersion, Function<Short, Struct> body) {
        long deadline = time.milliseconds() + apiTimeoutMs;
        RuntimeException last = null;
        int failures = 0;
        while (true) {
            long left = deadline - time.milliseconds();
            if (left <= 0) {
                throw new TimeoutException(spec.name() + " timed out after " + apiTimeoutMs + " ms"
                        + (last == null ? "" : ": " + last.getMessage()));
            }
            Integer node = network.leastLoadedNode();
            if (node == null) {
                sleep(Math.min(left, Math.max(1, network.timeToNextConnectAttempt())));
                continue;
            }
            try {
                return network.send(node, spec, maxVersion, body, true).get(left, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                last = new TimeoutException("no answer from node " + node);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FjordClientException("interrupted");
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException re)) {
                    throw e.getCause() instanceof RuntimeException r ? r : new FjordClientException(spec.name() + " failed", e.getCause());
                }
                last = re;
                sleep(Math.min(retryBackoff.backoffMs(++failures), Math.max(0, deadline - time.milliseconds())));
            }
        }
    }

    private void sleep(long ms) {
        time.sleep(ms); // backoff before retrying
    }

    private static void check(short code, String message, String what) {
        if (code != 0) {
            ApiException e = ClientErrors.exception(code, message == null ? what : what + ": " + message);
            throw e;
        }
    }

    /** Creates the topics; returns their ids (null where the broker's version gives none). */
    public Map<String, UUID> createTopics(Collection<NewTopic> topics) {
        return createTopics(topics, false);
    }

    public Map<String, UUID> createTopics(Collection<NewTopic> topics, boolean validateOnly) {
        ClientResponse resp = call(CreateTopicsApi.SPEC, CreateTopicsApi.SPEC.highest(), v -> {
            Struct req = CreateTopicsApi.SPEC.newRequest().set("timeoutMs", requestTimeoutMs).set("validateOnly", validateOnly);
            for (NewTopic t : topics) {
                Struct ts = req.child("Topics").set("Name", t.name()).set("NumPartitions", t.numPartitions())
                        .set("ReplicationFactor", t.replicationFactor());
                t.configs().forEach((k, val) -> ts.add("Configs", ts.child("Configs").set("Name", k).set("Value", val)));
                req.add("Topics", ts);
            }
            return req;
        });
        Map<String, UUID> out = new LinkedHashMap<>();
        for (Struct t : resp.body().getStructs("Topics")) {
            check(t.getShort("ErrorCode"), t.getString("ErrorMessage"), "creating topic " + t.getString("Name"));
            out.put(t.getString("Name"), resp.version() >= 7 ? t.getUuid("TopicId") : null);
        }
        metadata.requestUpdate();
        return out;
    }

    public void deleteTopics(Collection<String> names) {
        ClientResponse resp = call(DeleteTopicsApi.SPEC, DeleteTopicsApi.SPEC.highest(), v -> {
            Struct req = DeleteTopicsApi.SPEC.newRequest().set("TimeoutMs", requestTimeoutMs);
            if (v >= 6) {
                for (String n : names) req.add("Topics", req.child("Topics").set("Name", n).set("TopicId", new UUID(0, 0)));
            } else {
                req.set("TopicNames", new ArrayList<>(names));
            }
            return req;
        });
        for (Struct t : resp.body().getStructs("Responses")) {
            check(t.getShort("ErrorCode"), t.getString("ErrorMessage"), "deleting topic " + t.getString("Name"));
        }
        metadata.requestUpdate();
    }

    private Struct fetchMetadata(List<String> topics) {
        return call(MetadataApi.SPEC, (short) 12, v -> {
            Struct req = MetadataApi.SPEC.newRequest().set("AllowAutoTopicCreation", false);
            if (topics == null) {
                req.set("Topics", null);
            } else {
                for (String t : topics) req.add("Topics", req.child("Topics").set("Name", t));
            }
            return req;
        }).body();
    }

    /** Names of the topics, internal ones left out unless asked for. */
    public Set<String> listTopics(boolean includeInternal) {
        Set<String> out = new TreeSet<>();
        for (Struct t : fetchMetadata(null).getStructs("Topics")) {
            if (t.getShort("ErrorCode") == 0 && (includeInternal || !t.getBool("IsInternal"))) out.add(t.getString("Name"));
        }
        return out;
    }

    public Map<String, TopicDescription> describeTopics(Collection<String> names) {
        Struct body = fetchMetadata(new ArrayList<>(names));
        Cluster c = Metadata.parse(body);
        Map<String, TopicDescription> out = new LinkedHashMap<>();
        for (Struct t : body.getStructs("Topics")) {
            String name = t.getString("Name");
            check(t.getShort("ErrorCode"), null, "describing topic " + name);
            out.put(name, new TopicDescription(name, c.topicId(name), t.getBool("IsInternal"), c.partitionsForTopic(name)));
        }
        return out;
    }

    public ClusterDescription describeCluster() {
        Struct b = call(DescribeClusterApi.SPEC, DescribeClusterApi.SPEC.highest(), v -> DescribeClusterApi.SPEC.newRequest()).body();
        check(b.getShort("ErrorCode"), b.getString("ErrorMessage"), "describing the cluster");
        List<Node> nodes = new ArrayList<>();
        for (Struct n : b.getStructs("Brokers")) {
            nodes.add(new Node(n.getInt("BrokerId"), n.getString("Host"), n.getInt("Port"), n.getString("Rack")));
        }
        return new ClusterDescription(b.getString("ClusterId"), b.getInt("ControllerId"), nodes);
    }

    /** The metadata quorum ({@code __cluster_metadata-0}) as its leader sees it: leader, epoch, high watermark, replicas. */
    public QuorumInfo describeQuorum() {
        Struct b = call(DescribeQuorumApi.SPEC, DescribeQuorumApi.SPEC.highest(), v -> {
            Struct req = DescribeQuorumApi.SPEC.newRequest();
            Struct t = req.child("Topics").set("TopicName", "__cluster_metadata");
            t.add("Partitions", t.child("Partitions").set("PartitionIndex", 0));
            req.add("Topics", t);
            return req;
        }).body();
        check(b.getShort("ErrorCode"), null, "describing the metadata quorum");
        Struct p = b.getStructs("Topics").get(0).getStructs("Partitions").get(0);
        check(p.getShort("ErrorCode"), null, "describing the metadata quorum");
        return new QuorumInfo(p.getInt("LeaderId"), p.getInt("LeaderEpoch"), p.getLong("HighWatermark"),
                replicas(p.getStructs("CurrentVoters")), replicas(p.getStructs("Observers")));
    }

    private static List<QuorumInfo.ReplicaState> replicas(List<Struct> states) {
        List<QuorumInfo.ReplicaState> out = new ArrayList<>();
        for (Struct s : states) {
            out.add(new QuorumInfo.ReplicaState(s.getInt("ReplicaId"), s.getLong("LogEndOffset"),
                    s.getLong("LastFetchTimestamp"), s.getLong("LastCaughtUpTimestamp")));
        }
        return out;
    }

    public Map<ConfigResource, List<ConfigEntry>> describeConfigs(Collection<ConfigResource> resources) {
        Struct b = call(DescribeConfigsApi.SPEC, DescribeConfigsApi.SPEC.highest(), v -> {
            Struct req = DescribeConfigsApi.SPEC.newRequest();
            for (ConfigResource r : resources) {
                req.add("Resources", req.child("Resources").set("ResourceType", r.type().id).set("ResourceName", r.name())
                        .set("ConfigurationKeys", null));
            }
            return req;
        }).body();
        Map<ConfigResource, List<ConfigEntry>> out = new LinkedHashMap<>();
        for (Struct r : b.getStructs("Results")) {
            check(r.getShort("ErrorCode"), r.getString("ErrorMessage"), "describing configs of " + r.getString("ResourceName"));
            ConfigResource res = new ConfigResource(ConfigResource.Type.of(r.getByte("ResourceType")), r.getString("ResourceName"));
            List<ConfigEntry> entries = new ArrayList<>();
            for (Struct c : r.getStructs("Configs")) {
                entries.add(new ConfigEntry(c.getString("Name"), c.getString("Value"), c.getBool("ReadOnly"),
                        c.getBool("IsSensitive"), c.getByte("ConfigSource")));
            }
            out.put(res, entries);
        }
        return out;
    }

    public void incrementalAlterConfigs(Map<ConfigResource, List<AlterConfigOp>> changes) {
        Struct b = call(IncrementalAlterConfigsApi.SPEC, IncrementalAlterConfigsApi.SPEC.highest(), v -> {
            Struct req = IncrementalAlterConfigsApi.SPEC.newRequest();
            changes.forEach((res, ops) -> {
                Struct r = req.child("Resources").set("ResourceType", res.type().id).set("ResourceName", res.name());
                for (AlterConfigOp op : ops) {
                    r.add("Configs", r.child("Configs").set("Name", op.name()).set("ConfigOperation", op.op().id)
                            .set("Value", op.value()));
                }
                req.add("Resources", r);
            });
            return req;
        }).body();
        for (Struct r : b.getStructs("Responses")) {
            check(r.getShort("ErrorCode"), r.getString("ErrorMessage"), "altering configs of " + r.getString("ResourceName"));
        }
    }

    /** Offsets per partition (null for a timestamp after every record), asked of each partition's leader. */
    public Map<TopicPartition, OffsetAndTimestamp> listOffsets(Map<TopicPartition, OffsetSpec> specs) {
        Set<String> topics = new TreeSet<>();
        specs.keySet().forEach(tp -> topics.add(tp.topic()));
        Cluster cluster = metadata.awaitUntil(c -> specs.keySet().stream().allMatch(tp -> c.leaderFor(tp) != null),
                apiTimeoutMs, "Leaders of " + specs.keySet());
        Map<Integer, Map<TopicPartition, Long>> byNode = new HashMap<>();
        specs.forEach((tp, s) -> byNode.computeIfAbsent(cluster.leaderFor(tp).id(), k -> new LinkedHashMap<>()).put(tp, s.timestamp()));
        Map<TopicPartition, OffsetAndTimestamp> out = new LinkedHashMap<>();
        for (Map.Entry<Integer, Map<TopicPartition, Long>> e : byNode.entrySet()) {
            ClientResponse resp;
            try {
                resp = network.send(e.getKey(), ListOffsetsApi.SPEC, ListOffsetsApi.SPEC.highest(), v -> {
                    Struct req = ListOffsetsApi.SPEC.newRequest().set("ReplicaId", -1).set("TimeoutMs", requestTimeoutMs);
                    Map<String, Struct> ts = new LinkedHashMap<>();
                    e.getValue().forEach((tp, t) -> {
                        Struct s = ts.computeIfAbsent(tp.topic(), n -> req.child("Topics").set("Name", n));
                        s.add("Partitions", s.child("Partitions").set("PartitionIndex", tp.partition()).set("Timestamp", t));
                    });
                    ts.values().forEach(s -> req.add("Topics", s));
                    return req;
                }, true).get(apiTimeoutMs, TimeUnit.MILLISECONDS);
            } catch (Exception ex) {
                throw new FjordClientException("ListOffsets failed: " + ex.getMessage(), ex);
            }
            for (Struct t : resp.body().getStructs("Topics")) {
                for (Struct p : t.getStructs("Partitions")) {
                    TopicPartition tp = new TopicPartition(t.getString("Name"), p.getInt("PartitionIndex"));
                    check(p.getShort("ErrorCode"), null, "listing offsets of " + tp);
                    long off = p.getLong("Offset");
                    out.put(tp, off < 0 ? null : new OffsetAndTimestamp(off, p.getLong("Timestamp")));
                }
            }
        }
        return out;
    }

    /** Every group of every broker (ListGroups to each). */
    public List<GroupListing> listGroups() {
        Set<Integer> brokers = new TreeSet<>();
        for (Node n : describeCluster().nodes()) {
            network.updateNodes(List.of(n));
            brokers.add(n.id());
        }
        List<GroupListing> out = new ArrayList<>();
        for (int b : brokers) {
            Struct body = send(b, ListGroupsApi.SPEC, ListGroupsApi.SPEC.highest(), v -> ListGroupsApi.SPEC.newRequest()
                    .set("StatesFilter", List.of()).set("TypesFilter", List.of()));
            check(body.getShort("ErrorCode"), null, "listing groups");
            for (Struct g : body.getStructs("Groups")) {
                out.add(new GroupListing(g.getString("GroupId"), g.getString("ProtocolType"), stateOf(g)));
            }
        }
        out.sort(java.util.Comparator.comparing(GroupListing::groupId));
        return out;
    }

    private static String stateOf(Struct g) {
        try {
            return g.getString("GroupState");
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The group's coordinator (FindCoordinator, retried). */
    private int coordinator(String groupId) {
        ClientResponse r = call(FindCoordinatorApi.SPEC, FindCoordinatorApi.SPEC.highest(), v -> {
            Struct req = FindCoordinatorApi.SPEC.newRequest().set("KeyType", (byte) 0);
            return v >= 4 ? req.set("CoordinatorKeys", List.of(groupId)) : req.set("Key", groupId);
        });
        Struct b = r.body();
        Struct c = r.version() >= 4 ? b.getStructs("Coordinators").get(0) : b;
        check(c.getShort("ErrorCode"), c.getString("ErrorMessage"), "finding the coordinator of group " + groupId);
        network.updateNodes(List.of(new Node(c.getInt("NodeId"), c.getString("Host"), c.getInt("Port"))));
        return c.getInt("NodeId");
    }

    private Struct send(int node, ApiSpec spec, short maxVersion, Function<Short, Struct> body) {
        try {
            return network.send(node, spec, maxVersion, body, true).get(apiTimeoutMs, TimeUnit.MILLISECONDS).body();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TimeoutException(spec.name() + " timed out after " + apiTimeoutMs + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FjordClientException("interrupted");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new FjordClientException(spec.name() + " failed", e.getCause());
        }
    }

    /** Groups' state, protocol and members with (consumer groups) their assignments; a missing group is "Dead". */
    public Map<String, GroupDescription> describeGroups(Collection<String> groupIds) {
        Map<String, GroupDescription> out = new LinkedHashMap<>();
        for (String id : groupIds) {
            int node = coordinator(id);
            Struct body = send(node, DescribeGroupsApi.SPEC, DescribeGroupsApi.SPEC.highest(), v -> DescribeGroupsApi.SPEC.newRequest()
                    .set("Groups", List.of(id)).set("IncludeAuthorizedOperations", false));
            for (Struct g : body.getStructs("Groups")) {
                check(g.getShort("ErrorCode"), null, "describing group " + id);
                List<MemberDescription> members = new ArrayList<>();
                boolean consumer = "consumer".equals(g.getString("ProtocolType"));
                for (Struct m : g.getStructs("Members")) {
                    List<TopicPartition> assignment = List.of();
                    Object blob = m.get("MemberAssignment");
                    if (consumer && blob instanceof byte[] bytes && bytes.length > 0) {
                        try {
                            assignment = io.fjord.client.consumer.internals.GroupProtocolCodec.decodeAssignment(java.nio.ByteBuffer.wrap(bytes));
                        } catch (RuntimeException e) {
                            assignment = List.of(); // not a consumer-protocol assignment
                        }
                    }
                    members.add(new MemberDescription(m.getString("MemberId"), m.getString("GroupInstanceId"),
                            m.getString("ClientId"), m.getString("ClientHost"), assignment));
                }
                out.put(id, new GroupDescription(g.getString("GroupId"), g.getString("GroupState"), g.getString("ProtocolType"),
                        g.getString("ProtocolData"), members));
            }
        }
        return out;
    }

    /** The group's committed offsets, every partition it has one for (OffsetFetch with all topics). */
    public Map<TopicPartition, OffsetAndMetadata> listGroupOffsets(String groupId) {
        int node = coordinator(groupId);
        Struct body = send(node, OffsetFetchApi.SPEC, (short) 7, v -> OffsetFetchApi.SPEC.newRequest().set("GroupId", groupId)
                .set("Topics", null).set("RequireStable", false));
        check(body.getShort("ErrorCode"), null, "fetching offsets of group " + groupId);
        Map<TopicPartition, OffsetAndMetadata> out = new java.util.TreeMap<>(
                java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        for (Struct t : body.getStructs("Topics")) {
            for (Struct p : t.getStructs("Partitions")) {
                TopicPartition tp = new TopicPartition(t.getString("Name"), p.getInt("PartitionIndex"));
                check(p.getShort("ErrorCode"), null, "offset of " + tp + " in group " + groupId);
                long off = p.getLong("CommittedOffset");
                if (off >= 0) out.put(tp, new OffsetAndMetadata(off, p.getString("Metadata")));
            }
        }
        return out;
    }

    /** Grows each topic to the given total partition count (CreatePartitions; new replicas placed by the broker). */
    public void createPartitions(Map<String, Integer> totalCounts) {
        Struct b = call(CreatePartitionsApi.SPEC, CreatePartitionsApi.SPEC.highest(), v -> {
            Struct req = CreatePartitionsApi.SPEC.newRequest().set("TimeoutMs", requestTimeoutMs).set("ValidateOnly", false);
            totalCounts.forEach((t, n) -> req.add("Topics", req.child("Topics").set("Name", t).set("Count", n).set("Assignments", null)));
            return req;
        }).body();
        for (Struct r : b.getStructs("Results")) {
            check(r.getShort("ErrorCode"), r.getString("ErrorMessage"), "creating partitions of " + r.getString("Name"));
        }
        metadata.requestUpdate();
    }

    /**
     * Deletes the records before the given offsets (DeleteRecords at each partition's leader; -1 means the high
     * watermark). Returns each partition's new low watermark (log start offset).
     */
    public Map<TopicPartition, Long> deleteRecords(Map<TopicPartition, Long> beforeOffsets) {
        metadata.addTopics(topicsOf(beforeOffsets.keySet()));
        Cluster cluster = metadata.awaitUntil(c -> beforeOffsets.keySet().stream().allMatch(tp -> c.leaderFor(tp) != null),
                apiTimeoutMs, "Leaders of " + beforeOffsets.keySet());
        Map<Integer, Map<TopicPartition, Long>> byNode = new HashMap<>();
        beforeOffsets.forEach((tp, o) -> byNode.computeIfAbsent(cluster.leaderFor(tp).id(), k -> new LinkedHashMap<>()).put(tp, o));
        Map<TopicPartition, Long> out = new LinkedHashMap<>();
        for (Map.Entry<Integer, Map<TopicPartition, Long>> e : byNode.entrySet()) {
            Struct body = send(e.getKey(), DeleteRecordsApi.SPEC, DeleteRecordsApi.SPEC.highest(), v -> {
                Struct req = DeleteRecordsApi.SPEC.newRequest().set("TimeoutMs", requestTimeoutMs);
                Map<String, Struct> ts = new LinkedHashMap<>();
                e.getValue().forEach((tp, o) -> {
                    Struct t = ts.computeIfAbsent(tp.topic(), n -> req.child("Topics").set("Name", n));
                    t.add("Partitions", t.child("Partitions").set("PartitionIndex", tp.partition()).set("Offset", o));
                });
                ts.values().forEach(t -> req.add("Topics", t));
                return req;
            });
            for (Struct t : body.getStructs("Topics")) {
                for (Struct p : t.getStructs("Partitions")) {
                    TopicPartition tp = new TopicPartition(t.getString("Name"), p.getInt("PartitionIndex"));
                    check(p.getShort("ErrorCode"), null, "deleting records of " + tp);
                    out.put(tp, p.getLong("LowWatermark"));
                }
            }
        }
        return out;
    }

    /**
     * Sets a group's committed offsets (OffsetCommit without a member, as kafka-consumer-groups --reset-offsets
     * does): the group must have no active members, else UNKNOWN_MEMBER_ID.
     */
    public void alterConsumerGroupOffsets(String groupId, Map<TopicPartition, OffsetAndMetadata> offsets) {
        int node = coordinator(groupId);
        Map<String, List<Map.Entry<TopicPartition, OffsetAndMetadata>>> byTopic = new LinkedHashMap<>();
        offsets.entrySet().forEach(e -> byTopic.computeIfAbsent(e.getKey().topic(), k -> new ArrayList<>()).add(e));
        Struct body = send(node, OffsetCommitApi.SPEC, (short) 9, v -> {
            Struct req = OffsetCommitApi.SPEC.newRequest().set("GroupId", groupId).set("GenerationIdOrMemberEpoch", -1)
                    .set("MemberId", "").set("GroupInstanceId", null);
            byTopic.forEach((t, es) -> {
                Struct ts = req.child("Topics").set("Name", t);
                for (Map.Entry<TopicPartition, OffsetAndMetadata> e : es) {
                    ts.add("Partitions", ts.child("Partitions").set("PartitionIndex", e.getKey().partition())
                            .set("CommittedOffset", e.getValue().offset()).set("CommittedMetadata", e.getValue().metadata()));
                }
                req.add("Topics", ts);
            });
            return req;
        });
        for (Struct t : body.getStructs("Topics")) {
            for (Struct p : t.getStructs("Partitions")) {
                check(p.getShort("ErrorCode"), null, "altering the offset of " + t.getString("Name") + "-"
                        + p.getInt("PartitionIndex") + " in group " + groupId);
            }
        }
    }

    /**
     * Deletes an empty group and its committed offsets (DeleteGroups, through the group's coordinator). A group with
     * members fails with NON_EMPTY_GROUP, an unknown one with GROUP_ID_NOT_FOUND, as Kafka answers.
     */
    public void deleteGroup(String groupId) {
        int node = coordinator(groupId);
        Struct body = send(node, io.fjord.protocol.api.DeleteGroupsApi.SPEC, io.fjord.protocol.api.DeleteGroupsApi.SPEC.highest(),
                v -> io.fjord.protocol.api.DeleteGroupsApi.SPEC.newRequest().set("GroupsNames", List.of(groupId)));
        for (Struct r : body.getStructs("Results")) {
            check(r.getShort("ErrorCode"), r.getString("ErrorMessage"), "deleting group " + r.getString("GroupId"));
        }
    }

    /** Removes a group's committed offsets for the partitions (OffsetDelete; refused for topics the group reads). */
    public void deleteConsumerGroupOffsets(String groupId, Set<TopicPartition> partitions) {
        int node = coordinator(groupId);
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition()));
        Struct body = send(node, OffsetDeleteApi.SPEC, OffsetDeleteApi.SPEC.highest(), v -> {
            Struct req = OffsetDeleteApi.SPEC.newRequest().set("GroupId", groupId);
            byTopic.forEach((t, ps) -> {
                Struct ts = req.child("Topics").set("Name", t);
                for (int p : ps) ts.add("Partitions", ts.child("Partitions").set("PartitionIndex", p));
                req.add("Topics", ts);
            });
            return req;
        });
        check(body.getShort("ErrorCode"), null, "deleting offsets of group " + groupId);
        for (Struct t : body.getStructs("Topics")) {
            for (Struct p : t.getStructs("Partitions")) {
                check(p.getShort("ErrorCode"), null, "deleting the offset of " + t.getString("Name") + "-"
                        + p.getInt("PartitionIndex") + " in group " + groupId);
            }
        }
    }

    private static Set<String> topicsOf(Collection<TopicPartition> partitions) {
        Set<String> out = new TreeSet<>();
        partitions.forEach(tp -> out.add(tp.topic()));
        return out;
    }

    /** The partitions of the topic from the cached metadata (refreshed if the topic is unknown). */
    public List<PartitionInfo> partitionsFor(String topic) {
        return metadata.awaitUntil(c -> c.partitionCount(topic) != null, apiTimeoutMs, "Topic " + topic).partitionsForTopic(topic);
    }

    @Override
    public void close() {
        network.close();
    }
}
