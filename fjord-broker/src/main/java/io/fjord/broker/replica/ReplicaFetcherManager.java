package io.fjord.broker.replica;

import io.fjord.client.common.Node;
import io.fjord.metadata.BrokerNode;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The follower side of replication: which {@link ReplicaFetcherThread} copies which partition. Partitions are
 * spread over {@code num.replica.fetchers} threads per leader broker (by partition hash), so one slow partition
 * cannot hold up all the others from that leader, and each thread batches many partitions into one Fetch.
 * Threads start with their first partition and stop when their last one leaves.
 *
 * <p>Threading: all methods are synchronized (called from the metadata thread and at shutdown).
 */
final class ReplicaFetcherManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcherManager.class);

    /** One fetcher: the leader it copies from (its address too, which changes when it restarts) and its index. */
    private record FetcherKey(int leaderId, String host, int port, int fetcherId) {
    }

    private final ReplicaFetcherThread.Settings settings;
    private final int numFetchers;
    private final Clock clock;
    private final Runnable onProgress;
    private final Map<FetcherKey, ReplicaFetcherThread> fetchers = new HashMap<>();
    private final Map<TopicPartition, FetcherKey> assigned = new HashMap<>();
    private boolean closed;

    ReplicaFetcherManager(ReplicaFetcherThread.Settings settings, int numFetchers, Clock clock, Runnable onProgress) {
        this.settings = settings;
        this.numFetchers = Math.max(1, numFetchers);
        this.clock = clock;
        this.onProgress = onProgress;
    }

    /** Starts (or restarts) fetching {@code p} from {@code leader} for {@code leaderEpoch}. */
    synchronized void follow(Partition p, BrokerNode leader, int leaderEpoch) {
        if (closed) return;
        TopicPartition tp = p.topicPartition();
        stop(tp);
        int fetcherId = Math.floorMod(tp.hashCode(), numFetchers);
        FetcherKey key = new FetcherKey(leader.id(), leader.host(), leader.port(), fetcherId);
        ReplicaFetcherThread t = fetchers.computeIfAbsent(key, k -> {
            ReplicaFetcherThread f = new ReplicaFetcherThread(
                    "fjord-replica-fetcher-" + settings.localId() + "-from-" + k.leaderId() + "-" + k.fetcherId(),
                    settings, new Node(k.leaderId(), k.host(), k.port(), null), clock, onProgress);
            f.start();
            log.debug("started {}", f.getName());
            return f;
        });
        t.addPartition(p, leaderEpoch);
        assigned.put(tp, key);
    }

    /** Stops fetching {@code tp}, if it was; a fetcher left without partitions stops. */
    synchronized void stop(TopicPartition tp) {
        FetcherKey key = assigned.remove(tp);
        if (key == null) return;
        ReplicaFetcherThread t = fetchers.get(key);
        if (t == null) return;
        t.removePartition(tp);
        if (t.isIdle()) {
            fetchers.remove(key);
            t.shutdown();
        }
    }

    synchronized boolean isFollowing(TopicPartition tp) {
        return assigned.containsKey(tp);
    }

    synchronized int fetcherCount() {
        return fetchers.size();
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (ReplicaFetcherThread t : fetchers.values()) t.shutdown();
        fetchers.clear();
        assigned.clear();
    }
}
