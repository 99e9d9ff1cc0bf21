package io.fjord.client.consumer.internals;

import io.fjord.client.common.Cluster;
import io.fjord.client.common.ExponentialBackoff;
import io.fjord.client.common.Node;
import io.fjord.client.common.Time;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.ConsumerRecord;
import io.fjord.client.consumer.ConsumerRecords;
import io.fjord.client.errors.ClientErrors;
import io.fjord.client.errors.OffsetOutOfRangeException;
import io.fjord.client.network.ClientResponse;
import io.fjord.client.network.RequestSender;
import io.fjord.client.serialization.Deserializer;
import io.fjord.protocol.api.FetchApi;
import io.fjord.protocol.record.Record;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.protocol.record.RecordBatchReader;
import io.fjord.protocol.types.MemoryRecords;
import io.fjord.protocol.types.Records;
import io.fjord.protocol.types.Struct;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer's fetching: at most one Fetch in flight per leader node for the fetchable partitions (assigned, not
 * paused, position known, nothing buffered), the answers decoded into whole batches (control batches skipped;
 * with read_committed, batches of aborted transactions dropped by the AbortedTransactions list), and records handed
 * out up to {@code max.poll.records}.
 * <p>
 * Versions: Fetch v13+ names topics by id. When the metadata knows the id of every topic in a request, it goes out
 * at up to the highest version (the broker picks v13+), otherwise capped at v12 (names). An answer for a topic id
 * that is no longer the id of that topic name (the topic was deleted and recreated while the fetch travelled) is
 * dropped and metadata refreshed, and a position fetched under one topic id is reset (auto.offset.reset) once the
 * name has another: two incarnations of a name are never mixed. Fetch sessions (KIP-227): one
 * {@link FetchSession} per node; after a full first fetch, requests carry only changed and forgotten partitions,
 * and a broker that answers session id 0 simply gets full fetches.
 * <p>
 * A node whose fetch failed (lost connection, timeout, top-level error) is not fetched from again until the retry
 * backoff has passed (growing with consecutive failures). Responses arrive on the I/O thread and are handed to the
 * polling thread through the {@link PollThreadQueue}; all state here is the polling thread's.
 */
public final class Fetcher<K, V> {
    private static final Logger log = LoggerFactory.getLogger(Fetcher.class);
    /** The last Fetch version that names topics by name. */
    static final short LAST_VERSION_WITH_NAMES = 12;

    /** What the fetcher needs from the metadata cache. */
    public interface MetadataView {
        Cluster cluster();

        void requestUpdate();
    }

    /** Fetch settings, by Kafka's consumer config names. */
    public record Settings(int minBytes, int maxWaitMs, int maxBytes, int maxPartitionBytes, int maxPollRecords,
                           byte isolationLevel, OffsetResetPolicy resetPolicy) {
    }

    private final Settings settings;
    private final RequestSender network;
    private final MetadataView metadata;
    private final SubscriptionState subscriptions;
    private final PollThreadQueue pollThread;
    private final Deserializer<K> keyDeserializer;
    private final Deserializer<V> valueDeserializer;
    private final Time time;
    private final ExponentialBackoff retryBackoff;
    private final ArrayDeque<CompletedFetch> buffered = new ArrayDeque<>();
    private final Set<Integer> inFlight = new HashSet<>();
    private final Map<Integer, Integer> failuresByNode = new HashMap<>();
    private final Map<Integer, Long> nodeBackoffUntil = new HashMap<>();
    private final Map<Integer, FetchSession> sessions = new HashMap<>();
    private final Map<Integer, Boolean> sessionByIds = new HashMap<>();
    private RuntimeException pendingError;

    /** Records of one partition from one answer, handed out over one or more polls. */
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

    /** What one partition of a request asked for: where, in which subscription epoch, of which topic incarnation. */
    private record Asked(long offset, int epoch, UUID topicId) {
    }

    public Fetcher(Settings settings, RequestSender network, MetadataView metadata, SubscriptionState subscriptions,
                   PollThreadQueue pollThread, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer,
                   Time time, ExponentialBackoff retryBackoff) {
        this.settings = settings;
        this.network = network;
        this.metadata = metadata;
        this.subscriptions = subscriptions;
        this.pollThread = pollThread;
        this.keyDeserializer = keyDeserializer;
        this.valueDeserializer = valueDeserializer;
        this.time = time;
        this.retryBackoff = retryBackoff;
    }

    /** Sends a Fetch to every leader that has fetchable partitions and none in flight; returns how many went. */
    public int sendFetches() {
        Cluster cluster = metadata.cluster();
        long now = time.milliseconds();
        Set<TopicPartition> hasBuffered = new HashSet<>();
        for (CompletedFetch f : buffered) hasBuffered.add(f.tp);
        Map<Integer, List<TopicPartition>> byNode = new LinkedHashMap<>();
        boolean missingLeader = false;
        for (TopicPartition tp : subscriptions.fetchablePartitions()) {
            if (hasBuffered.contains(tp)) continue;
            if (!subscriptions.bindTopicId(tp, cluster.topicId(tp.topic()))) {
                positionOfOtherIncarnation(tp);
                continue;
            }
            Node leader = cluster.leaderFor(tp);
            if (leader == null) {
                missingLeader = true;
                continue;
            }
            if (inFlight.contains(leader.id())) continue;
            Long until = nodeBackoffUntil.get(leader.id());
            if (until != null && now < until) continue;
            byNode.computeIfAbsent(leader.id(), k -> new ArrayList<>()).add(tp);
        }
        if (missingLeader) metadata.requestUpdate();
        for (Map.Entry<Integer, List<TopicPartition>> e : byNode.entrySet()) send(e.getKey(), e.getValue(), cluster);
        return byNode.size();
    }

    /**
     * The topic was deleted and recreated under the same name since this partition's position was fetched: the
     * offset belongs to the old incarnation, so it is reset by {@code auto.offset.reset} (or, with none, reported
     * as out of range until the application seeks), never used to read the new topic's records as the old's.
     */
    private void positionOfOtherIncarnation(TopicPartition tp) {
        Long to = settings.resetPolicy().resetTimestamp();
        log.info("{} was recreated with topic id {}: its position belongs to the deleted topic", tp, metadata.cluster().topicId(tp.topic()));
        clearBuffered(List.of(tp));
        if (to != null) subscriptions.requestReset(tp, to);
        else pendingError = new OffsetOutOfRangeException(Map.of(tp, subscriptions.position(tp)));
    }

    private void send(int node, List<TopicPartition> partitions, Cluster cluster) {
        Map<TopicPartition, Asked> asked = new LinkedHashMap<>();
        Map<TopicPartition, FetchSession.PartitionState> wanted = new LinkedHashMap<>();
        boolean allIds = true;
        for (TopicPartition tp : partitions) {
            UUID id = cluster.topicId(tp.topic());
            if (id == null) allIds = false;
            Asked a = new Asked(subscriptions.position(tp), subscriptions.epoch(tp), id);
            asked.put(tp, a);
            wanted.put(tp, new FetchSession.PartitionState(a.offset(), id));
        }
        Map<UUID, String> names = new HashMap<>();
        asked.forEach((tp, a) -> {
            if (a.topicId() != null) names.put(a.topicId(), tp.topic());
        });
        FetchSession session = sessions.computeIfAbsent(node, k -> new FetchSession());
        // Names and ids do not mix within one session: switching between v12 and v13+ starts a new one.
        if (!Boolean.valueOf(allIds).equals(sessionByIds.put(node, allIds))) session.handleFailure();
        FetchSession.Request sessionRequest = session.build(wanted);
        short maxVersion = allIds ? FetchApi.SPEC.highest() : LAST_VERSION_WITH_NAMES;
        inFlight.add(node);
        network.send(node, FetchApi.SPEC, maxVersion, v -> request(v, sessionRequest), true)
                .whenComplete((resp, err) -> pollThread.add(() -> onResponse(node, asked, names, sessionRequest, resp, err)));
    }

    private Struct request(short version, FetchSession.Request session) {
        boolean byId = version > LAST_VERSION_WITH_NAMES;
        Struct req = FetchApi.SPEC.newRequest().set("ReplicaId", -1).set("MaxWaitMs", settings.maxWaitMs())
                .set("MinBytes", settings.minBytes()).set("MaxBytes", settings.maxBytes())
                .set("IsolationLevel", settings.isolationLevel()).set("SessionId", session.sessionId())
                .set("SessionEpoch", session.epoch());
        Map<String, Struct> topics = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, FetchSession.PartitionState> p : session.toSend().entrySet()) {
            Struct t = topics.computeIfAbsent(p.getKey().topic(), n -> byId
                    ? req.child("Topics").set("TopicId", p.getValue().topicId())
                    : req.child("Topics").set("Topic", n));
            t.add("Partitions", t.child("Partitions").set("Partition", p.getKey().partition())
                    .set("FetchOffset", p.getValue().fetchOffset()).set("PartitionMaxBytes", settings.maxPartitionBytes()));
        }
        req.set("Topics", new ArrayList<>(topics.values()));
        Map<String, Struct> forgotten = new LinkedHashMap<>();
        for (TopicPartition tp : session.toForget()) {
            Struct f = forgotten.computeIfAbsent(tp.topic(), n -> {
                Struct s = req.child("ForgottenTopicsData").set("Partitions", new ArrayList<>());
                return byId ? s.set("TopicId", session.forgottenIds().get(tp)) : s.set("Topic", n);
            });
            f.getList("Partitions").add(tp.partition());
        }
        req.set("ForgottenTopicsData", new ArrayList<>(forgotten.values()));
        return req;
    }

    private void nodeFailed(int node) {
        int failures = failuresByNode.merge(node, 1, Integer::sum);
        nodeBackoffUntil.put(node, time.milliseconds() + retryBackoff.backoffMs(failures));
    }

    /** Handles a Fetch answer on the polling thread. */
    void onResponse(int node, Map<TopicPartition, Asked> asked, Map<UUID, String> names, FetchSession.Request sent,
                    ClientResponse resp, Throwable err) {
        inFlight.remove(node);
        FetchSession session = sessions.computeIfAbsent(node, k -> new FetchSession());
        if (err != null) {
            log.debug("fetch from node {} failed: {}", node, err.toString());
            session.handleFailure();
            nodeFailed(node);
            metadata.requestUpdate();
            return;
        }
        short top = resp.body().getShort("ErrorCode");
        session.handleResponse(sent, top, resp.body().getInt("SessionId"));
        if (top == FetchSession.FETCH_SESSION_ID_NOT_FOUND || top == FetchSession.INVALID_FETCH_SESSION_EPOCH) {
            log.debug("fetch session with node {} lost ({}): the next fetch is a full one", node, ClientErrors.name(top));
            return;
        }
        if (top != 0) {
            log.debug("fetch from node {} failed: {}", node, ClientErrors.name(top));
            nodeFailed(node);
            return;
        }
        failuresByNode.remove(node);
        nodeBackoffUntil.remove(node);
        boolean byId = resp.version() > LAST_VERSION_WITH_NAMES;
        Cluster cluster = metadata.cluster();
        Map<TopicPartition, Long> outOfRange = new HashMap<>();
        for (Struct t : resp.body().getStructs("Responses")) {
            String topic = byId ? names.get(t.getUuid("TopicId")) : t.getString("Topic");
            if (topic == null) continue; // an id we did not ask for
            for (Struct p : t.getStructs("Partitions")) {
                TopicPartition tp = new TopicPartition(topic, p.getInt("PartitionIndex"));
                Asked a = asked.get(tp);
                if (a == null || !subscriptions.isCurrent(tp, a.offset(), a.epoch())) continue;
                UUID current = cluster.topicId(topic);
                if (byId && current != null && !current.equals(a.topicId())) {
                    // The name now belongs to another incarnation of the topic: these records are not its.
                    log.debug("dropping fetched data of {} from topic id {}: the topic's id is now {}", tp, a.topicId(), current);
                    metadata.requestUpdate();
                    continue;
                }
                handlePartition(tp, a, p, outOfRange);
            }
        }
        if (!outOfRange.isEmpty()) pendingError = new OffsetOutOfRangeException(outOfRange);
    }

    private void handlePartition(TopicPartition tp, Asked a, Struct p, Map<TopicPartition, Long> outOfRange) {
        short code = p.getShort("ErrorCode");
        if (code == 0) {
            subscriptions.updateHighWatermark(tp, p.getLong("HighWatermark"));
            Records recs = p.getRecords("Records");
            if (recs instanceof MemoryRecords m && m.sizeInBytes() > 0) {
                CompletedFetch f = decode(tp, m.buffer(), a.offset(), a.epoch(), p.getStructs("AbortedTransactions"));
                if (f != null) buffered.add(f);
            }
        } else if (code == ClientErrors.OFFSET_OUT_OF_RANGE) {
            Long to = settings.resetPolicy().resetTimestamp();
            if (to == null) outOfRange.put(tp, a.offset());
            else subscriptions.requestReset(tp, to);
        } else if (ClientErrors.invalidatesMetadata(code) || ClientErrors.isRetriable(code)) {
            metadata.requestUpdate();
        } else {
            pendingError = ClientErrors.exception(code, "fetching " + tp);
        }
    }

    /** Decodes whole batches (a trailing partial one is left for the next fetch), skipping control batches. */
    private CompletedFetch decode(TopicPartition tp, ByteBuffer buf, long fetchOffset, int epoch, List<Struct> aborted) {
        boolean readCommitted = settings.isolationLevel() == 1;
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
            if (readCommitted) {
                while (!pendingAborts.isEmpty() && pendingAborts.get(0).getLong("FirstOffset") <= lastOffset) {
                    abortedPids.add(pendingAborts.remove(0).getLong("ProducerId"));
                }
            }
            if (control) {
                abortedPids.remove(pid);
            } else if (!(readCommitted && transactional && abortedPids.contains(pid)) && lastOffset >= fetchOffset) {
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

    public boolean hasBuffered() {
        return !buffered.isEmpty();
    }

    /** Throws (once) the error a fetch answer carried (OFFSET_OUT_OF_RANGE with auto.offset.reset=none, ...). */
    public void throwPendingError() {
        if (pendingError != null) {
            RuntimeException e = pendingError;
            pendingError = null;
            throw e;
        }
    }

    /** Drops buffered records of these partitions (seek, revocation, unassignment). */
    public void clearBuffered(Collection<TopicPartition> partitions) {
        Set<TopicPartition> set = new HashSet<>(partitions);
        buffered.removeIf(f -> set.contains(f.tp));
    }

    /** Drops buffered records of partitions no longer assigned. */
    public void retainBuffered(Set<TopicPartition> assigned) {
        buffered.removeIf(f -> !assigned.contains(f.tp));
    }

    /**
     * Hands out up to max.poll.records buffered records of fetchable partitions in order, advancing positions.
     * Data fetched for an older position (a seek since) is dropped; a paused partition's data waits.
     */
    public ConsumerRecords<K, V> collect() {
        Map<TopicPartition, List<ConsumerRecord<K, V>>> out = new LinkedHashMap<>();
        int n = 0;
        List<CompletedFetch> pausedData = new ArrayList<>();
        while (n < settings.maxPollRecords() && !buffered.isEmpty()) {
            CompletedFetch f = buffered.peekFirst();
            Long position = subscriptions.isAssigned(f.tp) ? subscriptions.position(f.tp) : null;
            if (position == null || subscriptions.epoch(f.tp) != f.epoch) {
                buffered.pollFirst();
                continue;
            }
            if (subscriptions.isPaused(f.tp)) {
                pausedData.add(buffered.pollFirst());
                continue;
            }
            List<ConsumerRecord<K, V>> list = out.computeIfAbsent(f.tp, k -> new ArrayList<>());
            long pos = position;
            while (n < settings.maxPollRecords() && f.index < f.records.size()) {
                Record r = f.records.get(f.index++);
                if (r.offset() < pos) continue;
                byte[] kb = r.keyBytes();
                byte[] vb = r.valueBytes();
                list.add(new ConsumerRecord<>(f.tp.topic(), f.tp.partition(), r.offset(), r.timestamp(),
                        keyDeserializer.deserialize(f.tp.topic(), kb), valueDeserializer.deserialize(f.tp.topic(), vb),
                        r.headers(), kb == null ? -1 : kb.length, vb == null ? -1 : vb.length));
                pos = r.offset() + 1;
                n++;
            }
            subscriptions.advance(f.tp, pos);
            if (f.index >= f.records.size()) {
                buffered.pollFirst();
                subscriptions.advance(f.tp, f.nextFetchOffset);
            }
            if (list.isEmpty()) out.remove(f.tp);
        }
        for (int i = pausedData.size() - 1; i >= 0; i--) buffered.addFirst(pausedData.get(i));
        return new ConsumerRecords<>(out);
    }
}
