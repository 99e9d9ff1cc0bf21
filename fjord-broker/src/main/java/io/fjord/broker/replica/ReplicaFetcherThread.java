package io.fjord.broker.replica;

import io.fjord.client.common.ClientConfig;
import io.fjord.client.common.Node;
import io.fjord.client.network.ClientResponse;
import io.fjord.client.network.NetworkClient;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.api.FetchApi;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.protocol.types.MemoryRecords;
import io.fjord.protocol.types.Records;
import io.fjord.protocol.types.Struct;
import io.fjord.storage.EpochEndOffset;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies partitions from one leader broker: a loop of Fetch requests (as replica {@code localId}, with each
 * partition's current leader epoch and the epoch of its last fetched batch) over this thread's own connection,
 * appending what comes back with the leader's offsets. A response may instead say where the follower's log
 * diverged ({@link Divergence}); the tail is then truncated before anything is appended. The leader's high
 * watermark and log start travel back with every response.
 *
 * <p>Partitions are added and removed by the {@link ReplicaFetcherManager} from the metadata thread; a fetch
 * state is an immutable identity for one (partition, leader epoch) — a response is applied only if the state it
 * was sent for is still the current one, so a leadership change during a fetch drops its result.
 *
 * <p>Fetches go through an incremental fetch session with the leader ({@link ReplicaFetchSession}, KIP-227): after
 * the first full fetch, a request names only the partitions whose fetch state changed and the answer carries only
 * those with news. A session error from the leader (unknown session, wrong epoch) is answered at once by a full fetch.
 *
 * <p>Threading: one thread; {@link #addPartition}/{@link #removePartition} from any thread.
 */
final class ReplicaFetcherThread extends Thread {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcherThread.class);

    /** What this thread fetches for one partition, for one leader epoch. */
    static final class FetchState {
        final Partition partition;
        final int leaderEpoch;
        volatile long backoffUntilMs;

        FetchState(Partition partition, int leaderEpoch) {
            this.partition = partition;
            this.leaderEpoch = leaderEpoch;
        }
    }

    /** @param brokerEpoch this broker's current broker epoch, sent as ReplicaEpoch (KIP-903) */
    record Settings(int localId, int maxWaitMs, int minBytes, int maxBytes, int partitionMaxBytes, long backoffMs,
                    long requestTimeoutMs, java.util.function.LongSupplier brokerEpoch, Map<String, Object> clientSecurity) {
        /** Over PLAINTEXT (no client security settings). */
        Settings(int localId, int maxWaitMs, int minBytes, int maxBytes, int partitionMaxBytes, long backoffMs,
                 long requestTimeoutMs, java.util.function.LongSupplier brokerEpoch) {
            this(localId, maxWaitMs, minBytes, maxBytes, partitionMaxBytes, backoffMs, requestTimeoutMs, brokerEpoch, Map.of());
        }
    }

    private final Settings settings;
    private final Node leader;
    private final Clock clock;
    private final Map<TopicPartition, FetchState> partitions = new ConcurrentHashMap<>();
    private final NetworkClient client;
    private final Runnable onProgress;
    private final Object wakeup = new Object();
    private final ReplicaFetchSession session = new ReplicaFetchSession();
    private volatile boolean running = true;

    ReplicaFetcherThread(String name, Settings settings, Node leader, Clock clock, Runnable onProgress) {
        super(name);
        setDaemon(true);
        this.settings = settings;
        this.leader = leader;
        this.clock = clock;
        this.onProgress = onProgress;
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("bootstrap.servers", leader.host() + ":" + leader.port());
        cfg.put("client.id", name);
        cfg.put("request.timeout.ms", settings.requestTimeoutMs());
        cfg.put("reconnect.backoff.ms", 50L);
        cfg.put("reconnect.backoff.max.ms", settings.backoffMs());
        cfg.putAll(settings.clientSecurity()); // the inter-broker listener's protocol (TLS, SASL)
        this.client = new NetworkClient(new ClientConfig(cfg), name + "-io");
        client.updateNodes(List.of(leader));
    }

    Node leader() {
        return leader;
    }

    void addPartition(Partition p, int leaderEpoch) {
        partitions.put(p.topicPartition(), new FetchState(p, leaderEpoch));
        synchronized (wakeup) {
            wakeup.notifyAll();
        }
    }

    /** Stops fetching {@code tp} (only if it is still fetched for {@code p}'s epoch or any, when -1). */
    void removePartition(TopicPartition tp) {
        partitions.remove(tp);
    }

    boolean isIdle() {
        return partitions.isEmpty();
    }

    int partitionCount() {
        return partitions.size();
    }

    void shutdown() {
        running = false;
        interrupt();
        client.close();
        try {
            join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        while (running) {
            try {
                if (!fetchOnce()) {
                    synchronized (wakeup) {
                        wakeup.wait(100);
                    }
                }
            } catch (InterruptedException e) {
                if (!running) return;
            } catch (RuntimeException e) {
                if (!running) return;
                log.warn("replica fetcher {} failed a round: {}", getName(), e.toString());
                backOffAll();
            }
        }
    }

    /** One Fetch round trip; false if there was nothing to fetch. */
    boolean fetchOnce() throws InterruptedException {
        long now = clock.millis();
        Map<TopicPartition, FetchState> batch = new LinkedHashMap<>();
        Map<TopicPartition, long[]> positions = new HashMap<>();
        for (Map.Entry<TopicPartition, FetchState> e : partitions.entrySet()) {
            FetchState s = e.getValue();
            if (s.backoffUntilMs > now) continue;
            batch.put(e.getKey(), s);
            var log = s.partition.log();
            positions.put(e.getKey(), new long[] {log.logEndOffset(), log.latestEpoch().orElse(-1), log.logStartOffset()});
        }
        if (batch.isEmpty()) return false;
        Map<TopicPartition, ReplicaFetchSession.PartitionFetch> wanted = new LinkedHashMap<>();
        batch.forEach((tp, s) -> {
            long[] pos = positions.get(tp);
            wanted.put(tp, new ReplicaFetchSession.PartitionFetch(s.partition.topicId(), s.leaderEpoch, pos[0], (int) pos[1], pos[2]));
        });
        ReplicaFetchSession.Request sent = session.build(wanted);
        ClientResponse resp;
        try {
            resp = client.send(leader.id(), FetchApi.SPEC, FetchApi.SPEC.highest(),
                    v -> v >= MIN_SESSION_VERSION ? request(v, sent) : request(v, fullWithoutSession(wanted)), true)
                    .get(settings.requestTimeoutMs() + settings.maxWaitMs(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            if (running) log.debug("fetch from broker {} failed: {}", leader.id(), e.toString());
            session.close();
            backOff(batch.values());
            return true;
        }
        short top = resp.body().getShort("ErrorCode");
        if (resp.version() < MIN_SESSION_VERSION) {
            session.close();
        } else if (!session.onResponse(sent, top, resp.body().getInt("SessionId")) && isSessionError(top)) {
            log.debug("fetch from broker {}: session error {}; the next fetch is full", leader.id(), top);
            return true;
        }
        if (top != 0) {
            log.debug("fetch from broker {}: error {}", leader.id(), top);
            backOff(batch.values());
            return true;
        }
        boolean progress = false;
        for (Struct t : resp.body().getStructs("Responses")) {
            for (Struct p : t.getStructs("Partitions")) {
                TopicPartition tp = topicPartition(resp.version(), t, p.getInt("PartitionIndex"), batch);
                FetchState s = tp == null ? null : batch.get(tp);
                if (s == null || partitions.get(tp) != s) continue; // removed or restarted meanwhile
                long[] pos = positions.get(tp);
                if (s.partition.logEndOffset() != pos[0]) continue; // the log changed under us; fetch again
                progress |= handle(s, pos[0], p);
            }
        }
        if (progress) onProgress.run();
        return true;
    }

    /** Fetch versions from 7 carry session ids (KIP-227). */
    static final short MIN_SESSION_VERSION = 7;

    private static boolean isSessionError(short error) {
        return error == Errors.FETCH_SESSION_ID_NOT_FOUND.code() || error == Errors.INVALID_FETCH_SESSION_EPOCH.code()
                || error == Errors.FETCH_SESSION_TOPIC_ID_ERROR.code();
    }

    /** Every wanted partition, outside any session (SessionEpoch -1): for a leader that speaks a version below 7. */
    private static ReplicaFetchSession.Request fullWithoutSession(Map<TopicPartition, ReplicaFetchSession.PartitionFetch> wanted) {
        return new ReplicaFetchSession.Request(ReplicaFetchSession.NO_SESSION, -1, true, wanted, Map.of(), wanted);
    }

    private Struct request(short v, ReplicaFetchSession.Request sent) {
        Struct req = FetchApi.SPEC.newRequest().set("MaxWaitMs", settings.maxWaitMs()).set("MinBytes", settings.minBytes())
                .set("MaxBytes", settings.maxBytes()).set("IsolationLevel", (byte) 0).set("SessionId", sent.sessionId())
                .set("SessionEpoch", sent.epoch());
        if (v >= 15) {
            req.set("ReplicaState", req.child("ReplicaState").set("ReplicaId", settings.localId())
                    .set("ReplicaEpoch", settings.brokerEpoch().getAsLong()));
        } else {
            req.set("ReplicaId", settings.localId());
        }
        Map<String, Struct> topics = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, ReplicaFetchSession.PartitionFetch> e : sent.toSend().entrySet()) {
            TopicPartition tp = e.getKey();
            ReplicaFetchSession.PartitionFetch f = e.getValue();
            Struct t = topics.computeIfAbsent(v >= 13 ? f.topicId().toString() : tp.topic(), n -> {
                Struct x = req.child("Topics");
                return v >= 13 ? x.set("TopicId", f.topicId()) : x.set("Topic", tp.topic());
            });
            t.add("Partitions", t.child("Partitions").set("Partition", tp.partition())
                    .set("CurrentLeaderEpoch", f.currentLeaderEpoch()).set("FetchOffset", f.fetchOffset())
                    .set("LastFetchedEpoch", f.lastFetchedEpoch()).set("LogStartOffset", f.logStartOffset())
                    .set("PartitionMaxBytes", settings.partitionMaxBytes()));
        }
        topics.values().forEach(t -> req.add("Topics", t));
        if (v >= MIN_SESSION_VERSION) {
            Map<String, Struct> forgotten = new LinkedHashMap<>();
            Map<String, List<Integer>> indexes = new LinkedHashMap<>();
            sent.toForget().forEach((tp, id) -> {
                String key = v >= 13 ? String.valueOf(id) : tp.topic();
                forgotten.computeIfAbsent(key, n -> {
                    Struct x = req.child("ForgottenTopicsData");
                    return v >= 13 ? x.set("TopicId", id) : x.set("Topic", tp.topic());
                });
                indexes.computeIfAbsent(key, n -> new ArrayList<>()).add(tp.partition());
            });
            forgotten.forEach((key, t) -> req.add("ForgottenTopicsData", t.set("Partitions", indexes.get(key))));
        }
        return req;
    }

    private static TopicPartition topicPartition(short v, Struct t, int partition, Map<TopicPartition, FetchState> batch) {
        if (v < 13) return new TopicPartition(t.getString("Topic"), partition);
        UUID id = t.getUuid("TopicId");
        for (Map.Entry<TopicPartition, FetchState> e : batch.entrySet()) {
            if (e.getKey().partition() == partition && e.getValue().partition.topicId().equals(id)) return e.getKey();
        }
        return null;
    }

    /** Applies one partition's answer; true if the log changed. */
    private boolean handle(FetchState s, long fetchOffset, Struct p) {
        Partition part = s.partition;
        short error = p.getShort("ErrorCode");
        try {
            if (error == Errors.NONE.code()) {
                Struct div = p.getStruct("DivergingEpoch");
                if (div != null && (div.getInt("Epoch") >= 0 || div.getLong("EndOffset") >= 0)) {
                    EpochEndOffset diverging = new EpochEndOffset(div.getInt("Epoch"), div.getLong("EndOffset"));
                    EpochEndOffset mine = part.log().endOffsetForEpoch(diverging.epoch());
                    long cut = Divergence.truncationOffset(diverging, mine, fetchOffset);
                    log.info("{}: log diverged from leader {} (epoch {} ends at {} there); truncating {} -> {}",
                            part.topicPartition(), leader.id(), diverging.epoch(), diverging.endOffset(), fetchOffset, cut);
                    java.util.OptionalInt epochBefore = part.log().latestEpoch();
                    boolean done = part.truncateAsFollower(s.leaderEpoch, cut);
                    if (done && part.logEndOffset() == fetchOffset && part.log().latestEpoch().equals(epochBefore)) {
                        // Nothing changed, so the next fetch would get the same answer: never spin on it.
                        log.warn("{}: truncation to {} changed nothing; backing off", part.topicPartition(), cut);
                        backOff(List.of(s));
                    }
                    return done;
                }
                boolean appended = false;
                Records recs = p.getRecords("Records");
                if (recs instanceof MemoryRecords m && m.sizeInBytes() > 0) {
                    ByteBuffer whole = wholeBatches(m.buffer());
                    if (whole.hasRemaining()) appended = part.appendAsFollower(s.leaderEpoch, whole);
                }
                part.onLeaderOffsets(s.leaderEpoch, p.getLong("HighWatermark"), p.getLong("LogStartOffset"));
                return appended;
            }
            if (error == Errors.OFFSET_OUT_OF_RANGE.code()) {
                long leaderStart = p.getLong("LogStartOffset");
                long leaderHw = p.getLong("HighWatermark");
                if (leaderStart >= 0 && fetchOffset < leaderStart) {
                    log.info("{}: fetch offset {} below leader {}'s log start {}; starting over there",
                            part.topicPartition(), fetchOffset, leader.id(), leaderStart);
                    return part.resetAsFollower(s.leaderEpoch, leaderStart);
                }
                if (leaderHw >= 0 && fetchOffset > leaderHw) {
                    // Only after an unclean election can a follower hold more than its leader: keep what the
                    // leader has committed, fetch the rest again.
                    log.warn("{}: fetch offset {} beyond leader {}'s log; truncating to its high watermark {}",
                            part.topicPartition(), fetchOffset, leader.id(), leaderHw);
                    return part.truncateAsFollower(s.leaderEpoch, leaderHw);
                }
                backOff(List.of(s));
                return false;
            }
            // NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC_*: the metadata moves on and the
            // manager restarts or stops this partition; until then, back off.
            log.debug("{}: fetch from {} answered error {}", part.topicPartition(), leader.id(), error);
            backOff(List.of(s));
            return false;
        } catch (RuntimeException e) {
            log.warn("{}: applying the fetch from {} failed: {}", part.topicPartition(), leader.id(), e.toString());
            backOff(List.of(s));
            return false;
        }
    }

    /** The leading whole batches of a fetched buffer (a leader may end a response with a partial batch). */
    static ByteBuffer wholeBatches(ByteBuffer buf) {
        int p = buf.position();
        int limit = buf.limit();
        while (limit - p >= RecordBatch.LOG_OVERHEAD) {
            int size = RecordBatch.LOG_OVERHEAD + RecordBatch.batchLength(buf, p);
            if (size <= RecordBatch.LOG_OVERHEAD || (long) p + size > limit) break;
            p += size;
        }
        ByteBuffer out = buf.duplicate();
        out.limit(p);
        return out;
    }

    private void backOff(Iterable<FetchState> states) {
        long until = clock.millis() + settings.backoffMs();
        for (FetchState s : states) s.backoffUntilMs = until;
    }

    private void backOffAll() {
        backOff(new ArrayList<>(partitions.values()));
    }
}
