package io.fjord.client.network;

import io.fjord.client.common.Cluster;
import io.fjord.client.common.ExponentialBackoff;
import io.fjord.client.common.Node;
import io.fjord.client.common.PartitionInfo;
import io.fjord.client.common.Time;
import io.fjord.client.errors.ClientErrors;
import io.fjord.client.errors.TimeoutException;
import io.fjord.protocol.api.MetadataApi;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's metadata cache and its updater. The cache is replaced whole by each Metadata response. A refresh
 * is sent (from the network I/O thread, via {@link #maybeUpdate}) when someone asked for one (an unknown topic, a
 * NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION or LEADER_NOT_AVAILABLE answer, a lost connection) or when
 * the cache is older than {@code metadata.max.age.ms}; refreshes are at least {@code retry.backoff.ms} apart, and
 * after consecutive failed refreshes the gap grows by the retry backoff ({@link ExponentialBackoff}, up to
 * {@code retry.backoff.max.ms}). Thread-safe: the I/O thread refreshes, any thread reads and asks.
 * Only the topics of interest are asked for (or all topics, for the admin).
 */
public final class Metadata {
    private static final Logger log = LoggerFactory.getLogger(Metadata.class);
    /** Topic ids appear from v10 and names stay present through v12; v13 only adds a top-level error. */
    private static final short MAX_VERSION = 12;

    private final long maxAgeMs;
    private final ExponentialBackoff refreshBackoff;
    private final Time time;
    private int consecutiveFailures;
    private long nextAttemptAllowedMs;
    private final boolean allowAutoTopicCreation;
    private final Set<String> topics = new HashSet<>();
    private boolean allTopics;
    private volatile Cluster cluster = Cluster.EMPTY;
    private long lastRefreshMs;
    private boolean needUpdate = true;
    private boolean inFlight;
    private int updateVersion;
    private CompletableFuture<Cluster> nextUpdate = new CompletableFuture<>();
    private NetworkClient client;

    public Metadata(long maxAgeMs, ExponentialBackoff refreshBackoff, boolean allowAutoTopicCreation, Time time) {
        this.maxAgeMs = maxAgeMs;
        this.refreshBackoff = refreshBackoff;
        this.allowAutoTopicCreation = allowAutoTopicCreation;
        this.time = time;
    }

    /** Hooks into the network client: refreshes run on its I/O thread, disconnects trigger a refresh. */
    public void attach(NetworkClient client) {
        this.client = client;
        client.addPollHook(this::maybeUpdate);
        client.addDisconnectListener(node -> requestUpdate());
    }

    public Cluster cluster() {
        return cluster;
    }

    public synchronized void setAllTopics(boolean all) {
        this.allTopics = all;
    }

    /** Adds topics to those the refreshes ask for; returns true if one was new (and an update is now needed). */
    public synchronized boolean addTopics(Set<String> more) {
        boolean added = topics.addAll(more);
        if (added) needUpdate = true;
        return added;
    }

    public synchronized void setTopics(Set<String> newTopics) {
        if (!topics.equals(newTopics)) {
            topics.clear();
            topics.addAll(newTopics);
            needUpdate = true;
        }
    }

    /** Asks for a refresh and returns a future completed by the next successful one. */
    public synchronized CompletableFuture<Cluster> requestUpdate() {
        needUpdate = true;
        if (client != null) client.wakeup();
        return nextUpdate;
    }

    /** Waits until {@code ready} holds for the cache, refreshing as needed, at most {@code timeoutMs}. */
    public Cluster awaitUntil(java.util.function.Predicate<Cluster> ready, long timeoutMs, String what) {
        long deadline = time.milliseconds() + timeoutMs;
        while (true) {
            Cluster c = cluster;
            if (ready.test(c)) return c;
            long left = deadline - time.milliseconds();
            if (left <= 0) throw new TimeoutException(what + " not present in metadata after " + timeoutMs + " ms.");
            CompletableFuture<Cluster> f = requestUpdate();
            try {
                f.get(left, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // loop: the deadline check throws
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new io.fjord.client.errors.FjordClientException("interrupted waiting for metadata");
            } catch (ExecutionException e) {
                // a failed refresh: try again
            }
        }
    }

    /**
     * Sends a Metadata request if one is due. Called on the network I/O thread; returns when it should be called
     * again.
     */
    public long maybeUpdate(long now) {
        Set<String> ask;
        boolean all;
        synchronized (this) {
            if (inFlight) return Long.MAX_VALUE;
            boolean due = needUpdate || now - lastRefreshMs >= maxAgeMs;
            if (!due) return lastRefreshMs + maxAgeMs;
            if (now < nextAttemptAllowedMs) return nextAttemptAllowedMs;
            ask = new HashSet<>(topics);
            all = allTopics;
            if (!all && ask.isEmpty() && cluster != Cluster.EMPTY && !needUpdate) {
                lastRefreshMs = now;
                return now + maxAgeMs;
            }
            Integer node = client.leastLoadedNode();
            if (node == null) return now + Math.max(1, Math.min(refreshBackoff.initialMs(), client.timeToNextConnectAttempt()));
            inFlight = true;
            needUpdate = false;
            send(node, ask, all);
            return Long.MAX_VALUE;
        }
    }

    private void send(int node, Set<String> ask, boolean all) {
        client.send(node, MetadataApi.SPEC, MAX_VERSION, v -> {
            Struct req = MetadataApi.SPEC.newRequest();
            if (all) {
                req.set("Topics", null);
            } else {
                List<Struct> list = new ArrayList<>();
                for (String t : ask) {
                    Struct ts = req.child("Topics");
                    ts.set("Name", t);
                    list.add(ts);
                }
                req.set("Topics", list);
            }
            req.set("AllowAutoTopicCreation", allowAutoTopicCreation);
            return req;
        }, true).whenComplete((resp, err) -> {
            CompletableFuture<Cluster> done = null;
            synchronized (this) {
                inFlight = false;
                long now = time.milliseconds();
                if (err != null) {
                    needUpdate = true;
                    nextAttemptAllowedMs = now + refreshBackoff.backoffMs(++consecutiveFailures);
                    log.debug("metadata refresh from node {} failed: {}", node, err.toString());
                } else {
                    Cluster c = parse(resp.body());
                    Set<String> retry = new HashSet<>();
                    for (Struct t : resp.body().getStructs("Topics")) {
                        short e = t.getShort("ErrorCode");
                        if (e == ClientErrors.LEADER_NOT_AVAILABLE) retry.add(t.getString("Name"));
                    }
                    cluster = c;
                    client.updateNodes(c.nodes());
                    lastRefreshMs = now;
                    consecutiveFailures = 0;
                    nextAttemptAllowedMs = now + refreshBackoff.initialMs();
                    updateVersion++;
                    done = nextUpdate;
                    nextUpdate = new CompletableFuture<>();
                    if (!retry.isEmpty()) needUpdate = true;
                }
            }
            if (done != null) done.complete(cluster);
        });
    }

    public synchronized int updateVersion() {
        return updateVersion;
    }

    /** Turns a Metadata response into a cluster snapshot; topics answered with an error are left out. */
    public static Cluster parse(Struct body) {
        List<Node> nodes = new ArrayList<>();
        for (Struct b : body.getStructs("Brokers")) {
            nodes.add(new Node(b.getInt("NodeId"), b.getString("Host"), b.getInt("Port"), b.getString("Rack")));
        }
        List<PartitionInfo> parts = new ArrayList<>();
        Map<String, UUID> ids = new HashMap<>();
        for (Struct t : body.getStructs("Topics")) {
            if (t.getShort("ErrorCode") != 0) continue;
            String name = t.getString("Name");
            UUID id = t.getUuid("TopicId");
            if (id != null && (id.getMostSignificantBits() != 0 || id.getLeastSignificantBits() != 0)) ids.put(name, id);
            for (Struct p : t.getStructs("Partitions")) {
                parts.add(new PartitionInfo(name, p.getInt("PartitionIndex"), p.getInt("LeaderId"), p.getInt("LeaderEpoch"),
                        p.getList("ReplicaNodes"), p.getList("IsrNodes"), p.getList("OfflineReplicas")));
            }
        }
        return new Cluster(body.getString("ClusterId"), body.getInt("ControllerId"), nodes, parts, ids);
    }
}
