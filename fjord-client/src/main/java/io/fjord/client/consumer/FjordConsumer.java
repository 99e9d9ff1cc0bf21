package io.fjord.client.consumer;

import io.fjord.client.common.ClientConfig;
import io.fjord.client.common.Cluster;
import io.fjord.client.common.Node;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.internals.ConsumerCoordinator;
import io.fjord.client.errors.ClientErrors;
import io.fjord.client.errors.FjordClientException;
import io.fjord.client.errors.OffsetOutOfRangeException;
import io.fjord.client.errors.RetriableException;
import io.fjord.client.errors.TimeoutException;
import io.fjord.client.network.ClientResponse;
import io.fjord.client.network.Metadata;
import io.fjord.client.network.NetworkClient;
import io.fjord.client.serialization.Deserializer;
import io.fjord.client.serialization.Plugins;
import io.fjord.protocol.api.FetchApi;
import io.fjord.protocol.api.ListOffsetsApi;
import io.fjord.protocol.record.Record;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.protocol.record.RecordBatchReader;
import io.fjord.protocol.types.MemoryRecords;
import io.fjord.protocol.types.Records;
import io.fjord.protocol.types.Struct;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fjord's consumer: manually assigned partitions ({@link #assign}) or group membership ({@link #subscribe}, the
 * classic group protocol, see {@link ConsumerCoordinator}), committed offsets (commitSync/commitAsync,
 * enable.auto.commit) with group.id. New partitions start at their committed offset, else {@code auto.offset.reset}.
 * {@code poll}
 * resolves missing positions (seekToBeginning/End, or {@code auto.offset.reset}) with ListOffsets, keeps one
 * full Fetch in flight per leader node (no fetch sessions), and hands out at most {@code max.poll.records}.
 * Fetch is capped at v12, which names topics by name: v13+ would need topic ids from Metadata v10+, which
 * this client does not track for fetching. Not thread-safe, like Kafka's consumer.
 */
public final class FjordConsumer<K, V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FjordConsumer.class);
    private static final AtomicInteger IDS = new AtomicInteger();
    static final short FETCH_MAX_VERSION = 12;
    static final long EARLIEST = -2L;
    static final long LATEST = -1L;

    private final Deserializer<K> keyDeserializer;
    private final Deserializer<V> valueDeserializer;
    private final List<ConsumerInterceptor<K, V>> interceptors;
    private final Metadata metadata;
    private final NetworkClient network;
    private final int fetchMinBytes;
    private final int fetchMaxWaitMs;
    private final int fetchMaxBytes;
    private final int maxPartitionFetchBytes;
    private final int maxPollRecords;
    private final byte isolationLevel;
    private final String autoOffsetReset;
    private final long defaultApiTimeoutMs;
    private final long retryBackoffMs;
    private final Map<TopicPartition, PartitionState> assigned = new LinkedHashMap<>();
    private final ArrayDeque<CompletedFetch> buffered = new ArrayDeque<>();
    private final Set<Integer> fetchesInFlight = new HashSet<>();
    private final LinkedBlockingQueue<Runnable> responses = new LinkedBlockingQueue<>();
    private RuntimeException pendingError;
    private boolean closed;
    private final String groupId;
    private final ConsumerCoordinator coordinator; // null without group.id
    private boolean subscribed; // subscribe() (as opposed to assign())

    private static final class Host implements ConsumerCoordinator.Host {
        private final FjordConsumer<?, ?> c;

        Host(FjordConsumer<?, ?> c) {
            this.c = c;
        }

        @Override
        public Set<TopicPartition> owned() {
            return Set.copyOf(c.assigned.keySet());
        }

        @Override
        public void addPartitions(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) c.assigned.computeIfAbsent(tp, k -> new PartitionState()).needsCommitted = true;
        }

        @Override
        public void removePartitions(Collection<TopicPartition> partitions) {
            c.assigned.keySet().removeAll(partitions);
            c.buffered.removeIf(f -> partitions.contains(f.tp));
        }

        @Override
        public Map<TopicPartition, OffsetAndMetadata> consumed() {
            return c.consumedOffsets();
        }
    }

    private static final class PartitionState {
        Long position;
        Long resetTo; // EARLIEST / LATEST, pending
        boolean needsCommitted; // group-assigned: start from the committed offset if there is one
        long highWatermark = -1;
        int fetchEpoch; // bumped by seeks: stale fetch answers are dropped
    }

    private static final class CompletedFetch {
        final TopicPartition tp;
        final List<Record> records;
        final long nextFetchOffset;
        final int epoch;
        int index;

        CompletedFetch(TopicPartition tp, List<Record> records, long nextFetchOffset, int epoch) {
            this.tp = tp;
            this.records = records;
            this.nextFetchOffset = nextFetchOffset;
            this.epoch = epoch;
        }
    }

    public FjordConsumer(Properties props) {
        this(ClientConfig.of(props), null, null);
    }

    public FjordConsumer(Map<String, ?> configs) {
        this(new ClientConfig(configs), null, null);
    }

    public FjordConsumer(Map<String, ?> configs, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
        this(new ClientConfig(configs), keyDeserializer, valueDeserializer);
    }

    @SuppressWarnings("unchecked")
    private FjordConsumer(ClientConfig config, Deserializer<K> kd, Deserializer<V> vd) {
        String clientId = config.getString("client.id", "fjord-consumer-" + IDS.incrementAndGet());
        this.keyDeserializer = Plugins.deserializer(config, kd, "key.deserializer", true);
        this.valueDeserializer = Plugins.deserializer(config, vd, "value.deserializer", false);
        this.interceptors = (List<ConsumerInterceptor<K, V>>) (List<?>) Plugins.list(config, "interceptor.classes",
                ConsumerInterceptor.class);
        interceptors.forEach(i -> i.configure(config.asMap()));
        this.fetchMinBytes = config.getInt("fetch.min.bytes", 1);
        this.fetchMaxWaitMs = config.getInt("fetch.max.wait.ms", 500);
        this.fetchMaxBytes = config.getInt("fetch.max.bytes", 52428800);
        this.maxPartitionFetchBytes = config.getInt("max.partition.fetch.bytes", 1048576);
        this.maxPollRecords = config.getInt("max.poll.records", 500);
        if (maxPollRecords < 1) throw new FjordClientException("max.poll.records must be at least 1");
        String iso = config.getString("isolation.level", "read_uncommitted");
        this.isolationLevel = switch (iso) {
            case "read_uncommitted" -> (byte) 0;
            case "read_committed" -> (byte) 1;
            default -> throw new FjordClientException("Invalid value " + iso + " for isolation.level: expected read_uncommitted or read_committed");
        };
        this.autoOffsetReset = config.getString("auto.offset.reset", "latest");
        if (!Set.of("earliest", "latest", "none").contains(autoOffsetReset)) {
            throw new FjordClientException("Invalid value " + autoOffsetReset + " for auto.offset.reset: expected earliest, latest or none");
        }
        this.defaultApiTimeoutMs = config.getLong("default.api.timeout.ms", 60000);
        this.retryBackoffMs = config.getLong("retry.backoff.ms", 100);
        this.metadata = new Metadata(config.getLong("metadata.max.age.ms", 300000),
                io.fjord.client.common.ExponentialBackoff.retry(config, new java.util.Random()),
                config.getBoolean("allow.auto.create.topics", true), io.fjord.client.common.Time.SYSTEM);
        this.groupId = config.getString("group.id", null);
        // request.timeout.ms stays as configured for every request: only the JoinGroup gets the rebalance timeout,
        // per request (see ConsumerCoordinator), so a stalled Fetch or Metadata is noticed in request.timeout.ms.
        this.network = new NetworkClient(config, clientId + "-network");
        metadata.attach(network);
        this.coordinator = groupId == null ? null : new ConsumerCoordinator(config, groupId, clientId, network, metadata, new Host(this));
    }

    // ---- group membership ----

    public void subscribe(Collection<String> topics) {
        subscribe(topics, null);
    }

    /** Joins group.id with these topics; the listener runs in poll() around rebalances. */
    public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
        ensureOpen();
        for (String t : topics) if (t == null || t.isBlank()) throw new IllegalArgumentException("Topic collection to subscribe to cannot contain null or empty topic");
        if (topics.isEmpty()) {
            unsubscribe();
            return;
        }
        startSubscription();
        coordinator.subscribe(new HashSet<>(topics), null, listener);
    }

    public void subscribe(Pattern pattern) {
        subscribe(pattern, null);
    }

    /** Joins group.id with the topics matching the pattern, re-evaluated on every metadata refresh. */
    public void subscribe(Pattern pattern, ConsumerRebalanceListener listener) {
        ensureOpen();
        if (pattern == null) throw new IllegalArgumentException("Topic pattern to subscribe to cannot be null");
        startSubscription();
        coordinator.subscribe(Set.of(), pattern, listener);
    }

    private void startSubscription() {
        if (coordinator == null) {
            throw new FjordClientException("To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.");
        }
        if (!subscribed && !assigned.isEmpty()) throw new IllegalStateException("Subscription to topics, partitions and pattern are mutually exclusive");
        subscribed = true;
    }

    public Set<String> subscription() {
        return subscribed ? coordinator.subscription() : Set.of();
    }

    /** Member id, generation and group of this consumer ("" / -1 when not a member). */
    public String groupMemberId() {
        return coordinator == null ? "" : coordinator.memberId();
    }

    public int groupGeneration() {
        return coordinator == null ? -1 : coordinator.generation();
    }

    private ConsumerCoordinator requireGroup() {
        if (coordinator == null) {
            throw new FjordClientException("To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.");
        }
        return coordinator;
    }

    Map<TopicPartition, OffsetAndMetadata> consumedOffsets() {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        assigned.forEach((tp, s) -> {
            if (s.position != null) out.put(tp, new OffsetAndMetadata(s.position));
        });
        return out;
    }

    public void commitSync() {
        commitSync(Duration.ofMillis(defaultApiTimeoutMs));
    }

    public void commitSync(Duration timeout) {
        ensureOpen();
        requireGroup().commitSync(consumedOffsets(), System.currentTimeMillis() + timeout.toMillis());
    }

    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        commitSync(offsets, Duration.ofMillis(defaultApiTimeoutMs));
    }

    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
        ensureOpen();
        requireGroup().commitSync(Map.copyOf(offsets), System.currentTimeMillis() + timeout.toMillis());
    }

    public void commitAsync() {
        commitAsync(null);
    }

    public void commitAsync(OffsetCommitCallback callback) {
        commitAsync(consumedOffsets(), callback);
    }

    /** Sends the commit and returns; the callback runs in a later poll (or commitSync/close) on this thread. */
    public void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
        ensureOpen();
        Map<TopicPartition, OffsetAndMetadata> copy = Map.copyOf(offsets);
        requireGroup().sendCommit(copy).whenComplete((v, e) -> responses.add(() -> {
            if (callback != null) {
                callback.onComplete(copy, e == null ? null : (Exception) (e instanceof Exception ex ? ex : new FjordClientException(e.toString())));
            } else if (e != null) {
                log.warn("async commit of {} failed: {}", copy, e.toString());
            }
        }));
    }

    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        return committed(partitions, Duration.ofMillis(defaultApiTimeoutMs));
    }

    /** The group's committed offsets (partitions without one are left out). */
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions, Duration timeout) {
        ensureOpen();
        return requireGroup().fetchCommitted(partitions, System.currentTimeMillis() + timeout.toMillis());
    }

    public void assign(Collection<TopicPartition> partitions) {
        ensureOpen();
        if (subscribed) throw new IllegalStateException("Subscription to topics, partitions and pattern are mutually exclusive");
        Set<TopicPartition> wanted = new HashSet<>(partitions);
        assigned.keySet().retainAll(wanted);
        for (TopicPartition tp : partitions) assigned.computeIfAbsent(tp, k -> new PartitionState());
        buffered.removeIf(f -> !wanted.contains(f.tp));
        Set<String> topics = new HashSet<>();
        for (TopicPartition tp : partitions) topics.add(tp.topic());
        metadata.setTopics(topics);
    }

    public Set<TopicPartition> assignment() {
        return Set.copyOf(assigned.keySet());
    }

    public void unsubscribe() {
        ensureOpen();
        if (subscribed) {
            coordinator.leave(System.currentTimeMillis() + defaultApiTimeoutMs, true);
            coordinator.subscribe(Set.of(), null, null);
            subscribed = false;
        }
        assign(List.of());
    }

    public void seek(TopicPartition tp, long offset) {
        if (offset < 0) throw new IllegalArgumentException("seek offset must not be negative");
        PartitionState s = state(tp);
        s.position = offset;
        s.resetTo = null;
        s.fetchEpoch++;
        buffered.removeIf(f -> f.tp.equals(tp));
    }

    public void seekToBeginning(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) reset(tp, EARLIEST);
    }

    public void seekToEnd(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) reset(tp, LATEST);
    }

    private void reset(TopicPartition tp, long to) {
        PartitionState s = state(tp);
        s.position = null;
        s.resetTo = to;
        s.fetchEpoch++;
        buffered.removeIf(f -> f.tp.equals(tp));
    }

    private PartitionState state(TopicPartition tp) {
        ensureOpen();
        PartitionState s = assigned.get(tp);
        if (s == null) throw new IllegalStateException("No current assignment for partition " + tp);
        return s;
    }

    public long position(TopicPartition tp) {
        return position(tp, Duration.ofMillis(defaultApiTimeoutMs));
    }

    public long position(TopicPartition tp, Duration timeout) {
        PartitionState s = state(tp);
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (s.position == null) {
            resolvePositions(deadline);
            if (s.position == null && System.currentTimeMillis() >= deadline) {
                throw new TimeoutException("Timeout of " + timeout.toMillis() + " ms expired before the position for partition "
                        + tp + " could be determined");
            }
        }
        return s.position;
    }

    public ConsumerRecords<K, V> poll(Duration timeout) {
        ensureOpen();
        if (assigned.isEmpty() && !subscribed) throw new IllegalStateException("Consumer is not subscribed to any topics or assigned any partitions");
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        do {
            processResponses(0); // async commit callbacks
            throwPending();
            if (subscribed) {
                coordinator.poll(deadline);
            } else if (coordinator != null && coordinator.autoCommitEnabled()) {
                coordinator.pollAssigned(); // manual assignment: auto-commit only
            }
            if (assigned.isEmpty()) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) break;
                processResponses(Math.min(left, 50)); // nothing assigned (yet): wait a little, then check the group again
                continue;
            }
            try {
                resolvePositions(deadline);
            } catch (TimeoutException e) {
                break; // positions still unknown: nothing to return this time
            }
            processResponses(0);
            throwPending();
            if (!buffered.isEmpty()) {
                ConsumerRecords<K, V> out = drain();
                sendFetches(); // pipeline: the next fetch travels while the caller works
                if (!out.isEmpty()) return intercept(out);
                continue;
            }
            sendFetches();
            long left = deadline - System.currentTimeMillis();
            if (left > 0) processResponses(left);
        } while (System.currentTimeMillis() < deadline);
        throwPending();
        return intercept(drain());
    }

    private ConsumerRecords<K, V> intercept(ConsumerRecords<K, V> records) {
        ConsumerRecords<K, V> r = records;
        for (ConsumerInterceptor<K, V> i : interceptors) {
            try {
                r = i.onConsume(r);
            } catch (RuntimeException e) {
                log.warn("interceptor {} onConsume failed", i.getClass().getName(), e);
            }
        }
        return r;
    }

    private void throwPending() {
        if (pendingError != null) {
            RuntimeException e = pendingError;
            pendingError = null;
            throw e;
        }
    }

    private ConsumerRecords<K, V> drain() {
        Map<TopicPartition, List<ConsumerRecord<K, V>>> out = new LinkedHashMap<>();
        int n = 0;
        while (n < maxPollRecords && !buffered.isEmpty()) {
            CompletedFetch f = buffered.peekFirst();
            PartitionState s = assigned.get(f.tp);
            if (s == null || s.fetchEpoch != f.epoch || s.position == null) {
                buffered.pollFirst();
                continue;
            }
            List<ConsumerRecord<K, V>> list = out.computeIfAbsent(f.tp, k -> new ArrayList<>());
            while (n < maxPollRecords && f.index < f.records.size()) {
                Record r = f.records.get(f.index++);
                if (r.offset() < s.position) continue;
                byte[] kb = r.keyBytes();
                byte[] vb = r.valueBytes();
                list.add(new ConsumerRecord<>(f.tp.topic(), f.tp.partition(), r.offset(), r.timestamp(),
                        keyDeserializer.deserialize(f.tp.topic(), kb), valueDeserializer.deserialize(f.tp.topic(), vb),
                        r.headers(), kb == null ? -1 : kb.length, vb == null ? -1 : vb.length));
                s.position = r.offset() + 1;
                n++;
            }
            if (f.index >= f.records.size()) {
                buffered.pollFirst();
                if (f.nextFetchOffset > s.position) s.position = f.nextFetchOffset;
            }
            if (list.isEmpty()) out.remove(f.tp);
        }
        return new ConsumerRecords<>(out);
    }

    // ---- positions ----

    private void resolvePositions(long deadline) {
        Set<TopicPartition> askCommitted = new HashSet<>();
        assigned.forEach((tp, s) -> {
            if (s.needsCommitted && s.position == null && s.resetTo == null) askCommitted.add(tp);
        });
        if (!askCommitted.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> committed = coordinator.fetchCommitted(askCommitted, deadline);
            for (TopicPartition tp : askCommitted) {
                PartitionState s = assigned.get(tp);
                if (s == null) continue;
                s.needsCommitted = false;
                OffsetAndMetadata om = committed.get(tp);
                if (om != null && s.position == null) {
                    s.position = om.offset();
                    s.fetchEpoch++;
                }
            }
        }
        Map<TopicPartition, Long> need = new HashMap<>();
        Set<TopicPartition> undefined = new HashSet<>();
        for (Map.Entry<TopicPartition, PartitionState> e : assigned.entrySet()) {
            PartitionState s = e.getValue();
            if (s.position != null) continue;
            Long to = s.resetTo;
            if (to == null) {
                switch (autoOffsetReset) {
                    case "earliest" -> to = EARLIEST;
                    case "latest" -> to = LATEST;
                    default -> undefined.add(e.getKey());
                }
            }
            if (to != null) need.put(e.getKey(), to);
        }
        if (!undefined.isEmpty()) throw new NoOffsetForPartitionException(undefined);
        if (need.isEmpty()) return;
        Map<TopicPartition, OffsetAndTimestamp> found = listOffsets(need, deadline, false);
        for (Map.Entry<TopicPartition, OffsetAndTimestamp> e : found.entrySet()) {
            PartitionState s = assigned.get(e.getKey());
            if (s != null && s.position == null && e.getValue() != null) {
                s.position = e.getValue().offset();
                s.resetTo = null;
                s.fetchEpoch++;
            }
        }
    }

    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestamps, Duration timeout) {
        ensureOpen();
        for (Long t : timestamps.values()) if (t < 0) throw new IllegalArgumentException("timestamps must not be negative");
        return listOffsets(timestamps, System.currentTimeMillis() + timeout.toMillis(), true);
    }

    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions, Duration timeout) {
        return offsetsAt(partitions, EARLIEST, timeout);
    }

    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions, Duration timeout) {
        return offsetsAt(partitions, LATEST, timeout);
    }

    private Map<TopicPartition, Long> offsetsAt(Collection<TopicPartition> partitions, long spec, Duration timeout) {
        ensureOpen();
        Map<TopicPartition, Long> ask = new HashMap<>();
        for (TopicPartition tp : partitions) ask.put(tp, spec);
        Map<TopicPartition, Long> out = new HashMap<>();
        listOffsets(ask, System.currentTimeMillis() + timeout.toMillis(), false).forEach((tp, o) -> out.put(tp, o.offset()));
        return out;
    }

    /**
     * ListOffsets for each partition at its leader, retrying retriable errors until the deadline. With
     * {@code nullIfNone} a partition with no such record maps to null (offsetsForTimes); otherwise it is an error.
     */
    private Map<TopicPartition, OffsetAndTimestamp> listOffsets(Map<TopicPartition, Long> ask, long deadline, boolean nullIfNone) {
        Map<TopicPartition, OffsetAndTimestamp> out = new HashMap<>();
        Map<TopicPartition, Long> remaining = new HashMap<>(ask);
        Set<String> topics = new HashSet<>();
        for (TopicPartition tp : ask.keySet()) topics.add(tp.topic());
        metadata.addTopics(topics);
        RuntimeException last = null;
        while (!remaining.isEmpty()) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new TimeoutException("Failed to get offsets by times in " + Math.max(0, deadline - System.currentTimeMillis())
                        + " ms for " + remaining.keySet() + (last == null ? "" : ": " + last.getMessage()));
            }
            Cluster cluster;
            try {
                cluster = metadata.awaitUntil(c -> {
                    for (TopicPartition tp : remaining.keySet()) if (c.leaderFor(tp) == null) return false;
                    return true;
                }, left, "Leaders of " + remaining.keySet());
            } catch (TimeoutException e) {
                throw new TimeoutException("Failed to get offsets for " + remaining.keySet() + ": " + e.getMessage());
            }
            Map<Integer, Map<TopicPartition, Long>> byNode = new HashMap<>();
            for (Map.Entry<TopicPartition, Long> e : remaining.entrySet()) {
                byNode.computeIfAbsent(cluster.leaderFor(e.getKey()).id(), k -> new HashMap<>()).put(e.getKey(), e.getValue());
            }
            List<CompletableFuture<ClientResponse>> futures = new ArrayList<>();
            List<Map<TopicPartition, Long>> asked = new ArrayList<>();
            for (Map.Entry<Integer, Map<TopicPartition, Long>> e : byNode.entrySet()) {
                Map<TopicPartition, Long> parts = e.getValue();
                asked.add(parts);
                futures.add(network.send(e.getKey(), ListOffsetsApi.SPEC, ListOffsetsApi.SPEC.highest(), v -> {
                    Struct req = ListOffsetsApi.SPEC.newRequest().set("ReplicaId", -1).set("IsolationLevel", isolationLevel)
                            .set("TimeoutMs", (int) Math.min(Integer.MAX_VALUE, Math.max(0, deadline - System.currentTimeMillis())));
                    Map<String, Struct> topicsReq = new LinkedHashMap<>();
                    for (Map.Entry<TopicPartition, Long> p : parts.entrySet()) {
                        Struct t = topicsReq.computeIfAbsent(p.getKey().topic(), n -> req.child("Topics").set("Name", n));
                        t.add("Partitions", t.child("Partitions").set("PartitionIndex", p.getKey().partition())
                                .set("Timestamp", p.getValue()));
                    }
                    topicsReq.values().forEach(t -> req.add("Topics", t));
                    return req;
                }, true));
            }
            boolean retry = false;
            for (int i = 0; i < futures.size(); i++) {
                ClientResponse resp;
                try {
                    resp = futures.get(i).get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    continue;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new FjordClientException("interrupted");
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof RetriableException re) {
                        last = re;
                        retry = true;
                        continue;
                    }
                    throw e.getCause() instanceof RuntimeException re ? re : new FjordClientException("ListOffsets failed", e.getCause());
                }
                for (Struct t : resp.body().getStructs("Topics")) {
                    for (Struct p : t.getStructs("Partitions")) {
                        TopicPartition tp = new TopicPartition(t.getString("Name"), p.getInt("PartitionIndex"));
                        short code = p.getShort("ErrorCode");
                        if (!remaining.containsKey(tp)) continue;
                        if (code == 0) {
                            long off = p.getLong("Offset");
                            remaining.remove(tp);
                            out.put(tp, off < 0 && nullIfNone ? null : new OffsetAndTimestamp(off, p.getLong("Timestamp")));
                        } else if (ClientErrors.isRetriable(code)) {
                            last = ClientErrors.exception(code, null);
                            retry = true;
                            if (ClientErrors.invalidatesMetadata(code)) metadata.requestUpdate();
                        } else {
                            throw ClientErrors.exception(code, "ListOffsets for " + tp);
                        }
                    }
                }
            }
            if (retry && !remaining.isEmpty()) sleepQuietly(Math.min(retryBackoffMs, Math.max(0, deadline - System.currentTimeMillis())));
        }
        return out;
    }

    private static void sleepQuietly(long ms) {
        if (ms <= 0) return;
        try {
            Thread.sleep(ms); // retry backoff between attempts
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- fetching ----

    private void sendFetches() {
        Cluster cluster = metadata.cluster();
        Set<TopicPartition> hasBuffered = new HashSet<>();
        for (CompletedFetch f : buffered) hasBuffered.add(f.tp);
        Map<Integer, List<TopicPartition>> byNode = new HashMap<>();
        boolean missingLeader = false;
        for (Map.Entry<TopicPartition, PartitionState> e : assigned.entrySet()) {
            if (e.getValue().position == null || hasBuffered.contains(e.getKey())) continue;
            Node leader = cluster.leaderFor(e.getKey());
            if (leader == null) {
                missingLeader = true;
                continue;
            }
            if (fetchesInFlight.contains(leader.id())) continue;
            byNode.computeIfAbsent(leader.id(), k -> new ArrayList<>()).add(e.getKey());
        }
        if (missingLeader) metadata.requestUpdate();
        for (Map.Entry<Integer, List<TopicPartition>> e : byNode.entrySet()) {
            int node = e.getKey();
            Map<TopicPartition, long[]> fetchState = new LinkedHashMap<>();
            for (TopicPartition tp : e.getValue()) {
                PartitionState s = assigned.get(tp);
                fetchState.put(tp, new long[] {s.position, s.fetchEpoch});
            }
            fetchesInFlight.add(node);
            network.send(node, FetchApi.SPEC, FETCH_MAX_VERSION, v -> {
                Struct req = FetchApi.SPEC.newRequest().set("ReplicaId", -1).set("MaxWaitMs", fetchMaxWaitMs)
                        .set("MinBytes", fetchMinBytes).set("MaxBytes", fetchMaxBytes).set("IsolationLevel", isolationLevel)
                        .set("SessionId", 0).set("SessionEpoch", -1);
                Map<String, Struct> topics = new LinkedHashMap<>();
                for (Map.Entry<TopicPartition, long[]> p : fetchState.entrySet()) {
                    Struct t = topics.computeIfAbsent(p.getKey().topic(), n -> req.child("Topics").set("Topic", n));
                    t.add("Partitions", t.child("Partitions").set("Partition", p.getKey().partition())
                            .set("FetchOffset", p.getValue()[0]).set("PartitionMaxBytes", maxPartitionFetchBytes));
                }
                topics.values().forEach(t -> req.add("Topics", t));
                return req;
            }, true).whenComplete((resp, err) -> responses.add(() -> onFetch(node, fetchState, resp, err)));
        }
    }

    private void processResponses(long waitMs) {
        try {
            Runnable r = waitMs > 0 ? responses.poll(waitMs, TimeUnit.MILLISECONDS) : responses.poll();
            while (r != null) {
                r.run();
                r = responses.poll();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FjordClientException("interrupted while polling");
        }
    }

    private void onFetch(int node, Map<TopicPartition, long[]> asked, ClientResponse resp, Throwable err) {
        fetchesInFlight.remove(node);
        if (err != null) {
            log.debug("fetch from node {} failed: {}", node, err.toString());
            metadata.requestUpdate();
            return;
        }
        short top = resp.body().getShort("ErrorCode");
        if (top != 0) {
            log.debug("fetch from node {} failed: {}", node, ClientErrors.name(top));
            return;
        }
        Map<TopicPartition, Long> outOfRange = new HashMap<>();
        for (Struct t : resp.body().getStructs("Responses")) {
            for (Struct p : t.getStructs("Partitions")) {
                TopicPartition tp = new TopicPartition(t.getString("Topic"), p.getInt("PartitionIndex"));
                long[] a = asked.get(tp);
                PartitionState s = assigned.get(tp);
                if (a == null || s == null || s.fetchEpoch != a[1] || s.position == null || s.position != a[0]) continue;
                short code = p.getShort("ErrorCode");
                if (code == 0) {
                    s.highWatermark = p.getLong("HighWatermark");
                    Records recs = p.getRecords("Records");
                    if (recs instanceof MemoryRecords m && m.sizeInBytes() > 0) {
                        CompletedFetch f = decode(tp, m.buffer(), a[0], (int) a[1], p.getStructs("AbortedTransactions"));
                        if (f != null) buffered.add(f);
                    }
                } else if (code == ClientErrors.OFFSET_OUT_OF_RANGE) {
                    if (autoOffsetReset.equals("none")) {
                        outOfRange.put(tp, a[0]);
                    } else {
                        s.position = null;
                        s.resetTo = autoOffsetReset.equals("earliest") ? EARLIEST : LATEST;
                    }
                } else if (ClientErrors.invalidatesMetadata(code) || ClientErrors.isRetriable(code)) {
                    metadata.requestUpdate();
                } else {
                    pendingError = ClientErrors.exception(code, "fetching " + tp);
                }
            }
        }
        if (!outOfRange.isEmpty()) pendingError = new OffsetOutOfRangeException(outOfRange);
    }

    /** Decodes whole batches (a trailing partial one is left for the next fetch), skipping control batches. */
    private CompletedFetch decode(TopicPartition tp, ByteBuffer buf, long fetchOffset, int epoch, List<Struct> aborted) {
        List<Record> records = new ArrayList<>();
        long next = fetchOffset;
        int pos = buf.position();
        Set<Long> abortedPids = new HashSet<>();
        List<Struct> pendingAborts = new ArrayList<>(aborted == null ? List.of() : aborted);
        pendingAborts.sort((x, y) -> Long.compare(x.getLong("FirstOffset"), y.getLong("FirstOffset")));
        while (buf.limit() - pos >= RecordBatch.LOG_OVERHEAD) {
            int size = RecordBatch.sizeInBytes(buf, pos);
            if (size <= RecordBatch.LOG_OVERHEAD || pos + size > buf.limit()) break;
            long lastOffset = RecordBatch.lastOffset(buf, pos);
            short attrs = RecordBatch.attributes(buf, pos);
            long pid = RecordBatch.producerId(buf, pos);
            boolean control = (attrs & RecordBatch.CONTROL_MASK) != 0;
            boolean transactional = (attrs & RecordBatch.TRANSACTIONAL_MASK) != 0;
            if (isolationLevel == 1) {
                while (!pendingAborts.isEmpty() && pendingAborts.get(0).getLong("FirstOffset") <= lastOffset) {
                    abortedPids.add(pendingAborts.remove(0).getLong("ProducerId"));
                }
            }
            if (control) {
                abortedPids.remove(pid);
            } else if (!(isolationLevel == 1 && transactional && abortedPids.contains(pid)) && lastOffset >= fetchOffset) {
                RecordBatchReader reader = new RecordBatchReader(buf, pos);
                while (reader.hasNext()) {
                    Record r = reader.next();
                    if (r.offset() >= fetchOffset) records.add(r);
                }
            }
            next = Math.max(next, lastOffset + 1);
            pos += size;
        }
        if (next == fetchOffset && records.isEmpty()) return null;
        return new CompletedFetch(tp, records, next, epoch);
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("This consumer has already been closed.");
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /**
     * Commits (auto-commit) and revokes the owned partitions, leaves the group (not a static member: it stays
     * until its session times out), then closes the connections.
     */
    public void close(Duration timeout) {
        if (closed) return;
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        try {
            if (coordinator != null) {
                if (subscribed) {
                    coordinator.leave(deadline, true);
                } else if (coordinator.autoCommitEnabled() && !assigned.isEmpty()) {
                    coordinator.commitSync(consumedOffsets(), deadline);
                }
            }
        } catch (RuntimeException e) {
            log.warn("closing the consumer: {}", e.toString());
        } finally {
            closed = true;
            if (coordinator != null) coordinator.close();
        }
        processResponses(0);
        network.close();
        for (ConsumerInterceptor<K, V> i : interceptors) i.close();
        keyDeserializer.close();
        valueDeserializer.close();
    }
}
