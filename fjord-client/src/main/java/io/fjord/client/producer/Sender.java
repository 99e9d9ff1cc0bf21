package io.fjord.client.producer;

import io.fjord.client.common.Cluster;
import io.fjord.client.common.ExponentialBackoff;
import io.fjord.client.common.Time;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.errors.ApiException;
import io.fjord.client.errors.ClientErrors;
import io.fjord.client.errors.FjordClientException;
import io.fjord.client.errors.RetriableException;
import io.fjord.client.errors.TimeoutException;
import io.fjord.client.network.ClientResponse;
import io.fjord.client.network.RequestSender;
import io.fjord.protocol.api.InitProducerIdApi;
import io.fjord.protocol.api.ProduceApi;
import io.fjord.protocol.types.MemoryRecords;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer's background thread: drains ready batches per leader node into Produce requests (at most
 * {@code max.in.flight.requests.per.connection} outstanding per node), and handles the answers: success, retry
 * (retriable error, attempts left, within {@code delivery.timeout.ms}), or failure. Responses arrive on the
 * network thread and are handed over through a queue, so all batch and sequence state is touched by this thread
 * only. Callbacks run here.
 */
public final class Sender implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Sender.class);
    /** Produce v13 names topics by id; the client names them, so it stays at v12. */
    /** The last Produce version that names topics by name; v13 names them by id. */
    static final short LAST_PRODUCE_VERSION_WITH_NAMES = 12;

    public interface MetadataView {
        Cluster cluster();

        void requestUpdate();

        void addTopic(String topic);

        Integer anyNode();
    }

    private final RecordAccumulator accumulator;
    private final RequestSender client;
    private final MetadataView metadata;
    private final short acks;
    private final int retries;
    private final int maxInFlight;
    private final int maxRequestSize;
    private final int requestTimeoutMs;
    private final ExponentialBackoff retryBackoff;
    private final Time time;
    private int initFailures;
    private final long deliveryTimeoutMs;
    private final IdempotenceManager idempotence; // null when off
    private volatile TransactionManager transactions; // null without transactional.id
    private final ConcurrentLinkedQueue<Runnable> completions = new ConcurrentLinkedQueue<>();
    private final Map<Integer, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Map<Integer, Long> lastAcceptedMs = new ConcurrentHashMap<>();
    private final Object wake = new Object();
    private boolean woken;
    private volatile boolean running = true;
    private volatile boolean forceClose;
    private volatile RuntimeException fatalError;
    private boolean initInFlight;
    private long nextInitAttemptMs;
    private int maxObservedInFlight;
    private long nextDrainOrder;
    /** Per partition: batches in flight, and (idempotence) the sent but unfinished batches in send order. */
    private final Map<TopicPartition, PartitionFlight> flights = new HashMap<>();
    final ProducerMetrics metrics = new ProducerMetrics();

    private static final class PartitionFlight {
        int inFlight;
        final java.util.ArrayDeque<ProducerBatch> unacked = new java.util.ArrayDeque<>();
    }

    public Sender(RecordAccumulator accumulator, RequestSender client, MetadataView metadata, short acks, int retries,
                  int maxInFlight, int maxRequestSize, int requestTimeoutMs, ExponentialBackoff retryBackoff,
                  long deliveryTimeoutMs, IdempotenceManager idempotence, Time time) {
        this.accumulator = accumulator;
        this.client = client;
        this.metadata = metadata;
        this.acks = acks;
        this.retries = retries;
        this.maxInFlight = maxInFlight;
        this.maxRequestSize = maxRequestSize;
        this.requestTimeoutMs = requestTimeoutMs;
        this.retryBackoff = retryBackoff;
        this.time = time;
        this.deliveryTimeoutMs = deliveryTimeoutMs;
        this.idempotence = idempotence;
    }

    public void wakeup() {
        synchronized (wake) {
            woken = true;
            wake.notifyAll();
        }
    }

    /** Stops taking new work; the loop keeps sending what is queued until {@link #forceClose()} or it is done. */
    public void initiateClose() {
        running = false;
        accumulator.close();
        wakeup();
    }

    public void forceClose() {
        forceClose = true;
        running = false;
        wakeup();
    }

    public RuntimeException fatalError() {
        return fatalError;
    }

    /** Milliseconds since the node last accepted a produce request, for the partitioner's availability check. */
    public long unavailableMs(int node) {
        Long t = lastAcceptedMs.get(node);
        AtomicInteger n = inFlight.get(node);
        if (t == null || n == null || n.get() == 0) return 0;
        return Math.max(0, time.milliseconds() - t);
    }

    int maxObservedInFlight() {
        return maxObservedInFlight;
    }

    @Override
    public void run() {
        while (running) runOnce(time.milliseconds());
        while (!forceClose && (accumulator.hasIncomplete() || totalInFlight() > 0)) runOnce(time.milliseconds());
        RuntimeException closed = new FjordClientException("Producer is closed forcefully.");
        metrics.recordErrors.add(accumulator.abortIncomplete(closed));
        drainCompletions();
    }

    private int totalInFlight() {
        int n = 0;
        for (AtomicInteger a : inFlight.values()) n += a.get();
        return n;
    }

    /** A transactional producer: batches carry its transactional id, its producer id comes from the coordinator. */
    void transactional(TransactionManager t) {
        this.transactions = t;
    }

    void runOnce(long now) {
        drainCompletions();
        if (fatalError != null) {
            metrics.recordErrors.add(accumulator.abortIncomplete(fatalError));
            await(100);
            return;
        }
        for (ProducerBatch b : accumulator.expiredBatches(now)) {
            fail(b, new TimeoutException("Expiring " + b.recordCount() + " record(s) for " + b.tp + ": "
                    + (now - b.createdMs) + " ms has passed since batch creation (delivery.timeout.ms " + deliveryTimeoutMs + ")"));
        }
        if (transactions != null) {
            // A transactional producer's id and epoch come from initTransactions (the transaction coordinator).
            if (transactions.producerId() < 0) {
                await(100);
                return;
            }
            if (idempotence.producerId() != transactions.producerId() || idempotence.epoch() != transactions.epoch()
                    || idempotence.bumpNeeded()) {
                idempotence.setProducerIdAndEpoch(transactions.producerId(), transactions.epoch());
            }
        } else if (idempotence != null && !idempotence.hasProducerId()) {
            if (idempotence.bumpNeeded() && totalInFlight() > 0) {
                // Bump only once nothing of the old epoch is in flight: a batch failing after the bump would
                // otherwise get a new-epoch sequence after batches sent behind it.
                await(100);
                return;
            }
            maybeInitProducerId(now);
            await(Math.max(1, Math.min(100, nextInitAttemptMs - now)));
            return;
        }
        Cluster cluster = metadata.cluster();
        RecordAccumulator.ReadyCheck check = accumulator.ready(cluster, now);
        if (!check.unknownLeaderTopics().isEmpty()) {
            for (String t : check.unknownLeaderTopics()) metadata.addTopic(t);
            metadata.requestUpdate();
        }
        Set<Integer> sendable = new java.util.HashSet<>();
        long wait = check.nextReadyCheckDelayMs();
        for (int node : check.readyNodes()) {
            if (!client.ready(node)) {
                wait = Math.min(wait, 10);
                continue;
            }
            if (inFlight.computeIfAbsent(node, k -> new AtomicInteger()).get() >= maxInFlight) continue;
            sendable.add(node);
        }
        Map<Integer, List<ProducerBatch>> drained = accumulator.drain(cluster, sendable, maxRequestSize, now);
        for (Map.Entry<Integer, List<ProducerBatch>> e : drained.entrySet()) sendProduce(e.getKey(), e.getValue(), now);
        if (drained.isEmpty()) await(Math.max(1, Math.min(wait, 200)));
    }

    private void await(long ms) {
        synchronized (wake) {
            if (!woken && completions.isEmpty()) {
                try {
                    wake.wait(ms);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    forceClose = true;
                    running = false;
                }
            }
            woken = false;
        }
    }

    private void drainCompletions() {
        Runnable r;
        while ((r = completions.poll()) != null) r.run();
    }

    private void enqueueCompletion(Runnable r) {
        completions.add(r);
        wakeup();
    }

    // ---- InitProducerId ----

    private void maybeInitProducerId(long now) {
        if (initInFlight || now < nextInitAttemptMs) return;
        Integer node = metadata.anyNode();
        if (node == null || !client.ready(node)) {
            nextInitAttemptMs = now + Math.min(retryBackoff.initialMs(), 50);
            return;
        }
        initInFlight = true;
        boolean bump = idempotence.bumpNeeded();
        long pid = idempotence.producerId();
        short epoch = idempotence.epoch();
        client.send(node, InitProducerIdApi.SPEC, InitProducerIdApi.SPEC.highest(), v -> {
            Struct r = InitProducerIdApi.SPEC.newRequest();
            r.set("TransactionalId", null).set("TransactionTimeoutMs", Integer.MAX_VALUE);
            if (bump && v >= 3) r.set("ProducerId", pid).set("ProducerEpoch", epoch);
            return r;
        }, true).whenComplete((resp, err) -> enqueueCompletion(() -> onInitProducerId(resp, err)));
    }

    private void onInitProducerId(ClientResponse resp, Throwable err) {
        initInFlight = false;
        long now = time.milliseconds();
        if (err != null) {
            Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
            if (cause instanceof io.fjord.client.errors.UnsupportedVersionException u) {
                fatalError = new FjordClientException("The broker does not support the idempotent producer (" + u.getMessage()
                        + "); set enable.idempotence=false", u);
                return;
            }
            log.debug("InitProducerId failed: {}", err.toString());
            nextInitAttemptMs = now + retryBackoff.backoffMs(++initFailures);
            return;
        }
        short code = resp.body().getShort("ErrorCode");
        if (code == 0) {
            initFailures = 0;
            idempotence.setProducerIdAndEpoch(resp.body().getLong("ProducerId"), resp.body().getShort("ProducerEpoch"));
            log.debug("producer id {} epoch {}", idempotence.producerId(), idempotence.epoch());
        } else if (ClientErrors.isRetriable(code) || code == 14 || code == 15) {
            nextInitAttemptMs = now + retryBackoff.backoffMs(++initFailures);
        } else {
            fatalError = ClientErrors.exception(code, "InitProducerId failed");
        }
    }

    // ---- Produce ----

    private void sendProduce(int node, List<ProducerBatch> batches, long now) {
        Map<TopicPartition, ProducerBatch> byTp = new LinkedHashMap<>();
        for (ProducerBatch b : batches) {
            PartitionFlight pf = flights.computeIfAbsent(b.tp, k -> new PartitionFlight());
            if (b.drainOrder < 0) {
                b.drainOrder = nextDrainOrder++;
                if (idempotence != null) pf.unacked.addLast(b);
            }
            if (idempotence != null) idempotence.assign(b);
            pf.inFlight++;
            updateMute(b.tp);
            b.attempts++;
            byTp.put(b.tp, b);
        }
        AtomicInteger n = inFlight.computeIfAbsent(node, k -> new AtomicInteger());
        maxObservedInFlight = Math.max(maxObservedInFlight, n.incrementAndGet());
        lastAcceptedMs.putIfAbsent(node, now);
        boolean expectResponse = acks != 0;
        metrics.produceRequests.increment();
        metrics.batchesSent.add(byTp.size());
        // Produce v13 names topics by id: used when metadata knows the id of every topic in the request. A topic
        // deleted and recreated meanwhile is then answered UNKNOWN_TOPIC_ID (retried after a metadata refresh)
        // instead of its records landing in the new topic of the same name.
        Cluster cluster = metadata.cluster();
        Map<String, java.util.UUID> ids = new HashMap<>();
        boolean allIds = true;
        for (TopicPartition tp : byTp.keySet()) {
            java.util.UUID id = cluster.topicId(tp.topic());
            if (id == null) allIds = false;
            else ids.put(tp.topic(), id);
        }
        Map<java.util.UUID, String> names = new HashMap<>();
        ids.forEach((name, id) -> names.put(id, name));
        short maxVersion = allIds ? ProduceApi.SPEC.highest() : LAST_PRODUCE_VERSION_WITH_NAMES;
        client.send(node, ProduceApi.SPEC, maxVersion, v -> {
            Struct req = ProduceApi.SPEC.newRequest();
            req.set("TransactionalId", transactions == null ? null : transactions.transactionalId()).set("Acks", acks).set("TimeoutMs", requestTimeoutMs);
            Map<String, List<ProducerBatch>> byTopic = new LinkedHashMap<>();
            for (ProducerBatch b : byTp.values()) byTopic.computeIfAbsent(b.tp.topic(), t -> new ArrayList<>()).add(b);
            for (Map.Entry<String, List<ProducerBatch>> e : byTopic.entrySet()) {
                Struct t = v > LAST_PRODUCE_VERSION_WITH_NAMES ? req.child("TopicData").set("TopicId", ids.get(e.getKey()))
                        : req.child("TopicData").set("Name", e.getKey());
                for (ProducerBatch b : e.getValue()) {
                    t.add("PartitionData", t.child("PartitionData").set("Index", b.tp.partition())
                            .set("Records", MemoryRecords.wrap(b.records())));
                }
                req.add("TopicData", t);
            }
            return req;
        }, expectResponse).whenComplete((resp, err) -> enqueueCompletion(() -> onProduceResponse(node, byTp, names, resp, err)));
    }

    /**
     * Mutes or unmutes the partition in the accumulator. Without idempotence and with one request in flight per
     * connection, a partition has one batch in flight. With idempotence, up to max.in.flight batches of a partition
     * are in flight (each in its own request, answered in order); but a retry goes out only when nothing else of its
     * partition is in flight, so retried batches reach the broker one at a time and in their sequence order.
     */
    private void updateMute(TopicPartition tp) {
        PartitionFlight pf = flights.get(tp);
        int n = pf == null ? 0 : pf.inFlight;
        boolean mute = idempotence != null ? n > 0 && accumulator.headIsRetry(tp) : maxInFlight == 1 && n > 0;
        if (mute) accumulator.mute(tp);
        else accumulator.unmute(tp);
    }

    private void onProduceResponse(int node, Map<TopicPartition, ProducerBatch> batches, Map<java.util.UUID, String> names,
                                   ClientResponse resp, Throwable err) {
        inFlight.get(node).decrementAndGet();
        for (TopicPartition tp : batches.keySet()) flights.get(tp).inFlight--;
        try {
            handleProduceResponse(node, batches, names, resp, err);
        } finally {
            for (TopicPartition tp : batches.keySet()) updateMute(tp);
        }
    }

    private void handleProduceResponse(int node, Map<TopicPartition, ProducerBatch> batches, Map<java.util.UUID, String> names,
                                       ClientResponse resp, Throwable err) {
        long now = time.milliseconds();
        if (err != null) {
            Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
            RuntimeException ex = cause instanceof RuntimeException re ? re : new FjordClientException(cause.toString(), cause);
            metadata.requestUpdate();
            for (ProducerBatch b : batches.values()) onBatchError(b, ex, ex instanceof RetriableException, now);
            return;
        }
        lastAcceptedMs.put(node, now);
        if (resp.body() == null) { // acks=0
            for (ProducerBatch b : batches.values()) succeed(b, -1, -1);
            return;
        }
        Map<TopicPartition, Struct> results = new HashMap<>();
        boolean byId = resp.version() > LAST_PRODUCE_VERSION_WITH_NAMES;
        for (Struct t : resp.body().getStructs("Responses")) {
            String topic = byId ? names.get(t.getUuid("TopicId")) : t.getString("Name");
            if (topic == null) continue; // an id we did not send
            for (Struct p : t.getStructs("PartitionResponses")) {
                results.put(new TopicPartition(topic, p.getInt("Index")), p);
            }
        }
        for (ProducerBatch b : batches.values()) {
            Struct p = results.get(b.tp);
            if (p == null) {
                onBatchError(b, new FjordClientException("no answer for " + b.tp + " in the produce response"), false, now);
                continue;
            }
            short code = p.getShort("ErrorCode");
            if (code == 0) {
                succeed(b, p.getLong("BaseOffset"), p.getLong("LogAppendTimeMs"));
            } else if (code == ClientErrors.DUPLICATE_SEQUENCE_NUMBER && idempotence != null) {
                succeed(b, -1, -1);
            } else {
                if (ClientErrors.invalidatesMetadata(code)) metadata.requestUpdate();
                ApiException ex = ClientErrors.exception(code, p.getString("ErrorMessage"));
                boolean sequenceTrouble = idempotence != null && (code == ClientErrors.OUT_OF_ORDER_SEQUENCE_NUMBER
                        || code == ClientErrors.UNKNOWN_PRODUCER_ID || code == ClientErrors.INVALID_PRODUCER_EPOCH);
                if (sequenceTrouble && code == ClientErrors.OUT_OF_ORDER_SEQUENCE_NUMBER && !isOldestUnacked(b)) {
                    // An earlier batch of the partition failed and is retried: this one just follows it again.
                    log.debug("{} out of order behind a retried batch; retrying it in order", b);
                } else if (sequenceTrouble) {
                    // The broker lost track of our sequence (or it has a gap): start a new epoch and resend.
                    idempotence.requestEpochBump();
                }
                onBatchError(b, ex, ex.retriable() || sequenceTrouble, now);
            }
        }
    }

    private boolean isOldestUnacked(ProducerBatch b) {
        PartitionFlight pf = flights.get(b.tp);
        return pf == null || pf.unacked.peekFirst() == b;
    }

    private void finished(ProducerBatch b) {
        PartitionFlight pf = flights.get(b.tp);
        if (pf != null) pf.unacked.remove(b);
    }

    private void succeed(ProducerBatch b, long baseOffset, long logAppendTime) {
        metrics.recordsSent.add(b.recordCount());
        finished(b);
        accumulator.complete(b, baseOffset, logAppendTime, null);
    }

    private void onBatchError(ProducerBatch b, RuntimeException ex, boolean retriable, long now) {
        boolean inTime = now - b.createdMs + retryBackoff.initialMs() < deliveryTimeoutMs;
        if (retriable && b.attempts <= retries && inTime && !forceClose) {
            log.debug("retrying {} (attempt {}): {}", b, b.attempts, ex.getMessage());
            metrics.recordRetries.add(b.recordCount());
            accumulator.reenqueue(b, now);
            return;
        }
        RuntimeException reported = retriable && !inTime ? new TimeoutException("Expiring " + b.recordCount()
                + " record(s) for " + b.tp + " after " + (now - b.createdMs) + " ms (delivery.timeout.ms " + deliveryTimeoutMs
                + "); last error: " + ex.getMessage()) : ex;
        fail(b, reported);
    }

    private void fail(ProducerBatch b, RuntimeException ex) {
        // A batch that may have been written but is given up leaves a sequence gap: move to a new epoch.
        if (idempotence != null && b.baseSequence >= 0 && b.attempts > 0) idempotence.requestEpochBump();
        metrics.recordErrors.add(b.recordCount());
        finished(b);
        accumulator.complete(b, -1, -1, ex);
    }
}
