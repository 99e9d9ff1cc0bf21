package io.fjord.client.producer;

import io.fjord.client.common.Cluster;
import io.fjord.client.common.ExponentialBackoff;
import io.fjord.client.common.Node;
import io.fjord.client.common.PartitionInfo;
import io.fjord.client.common.TopicPartition;
import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.Header;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * Collects records into per-partition deques of batches. A batch is sendable ("ready") when it is full, when it
 * waited {@code linger.ms}, when a flush or close is under way, when memory ran out (an append is blocked on
 * {@link BufferPool}), or when it is a retry whose {@code retry.backoff.ms} passed. The sender drains the ready
 * head batches per leader node. The sender mutes a partition while it must not send more (a retry waits until
 * nothing else of its partition is in flight; see {@code Sender}).
 */
public final class RecordAccumulator {
    private final int batchSize;
    private final long lingerMs;
    private final ExponentialBackoff retryBackoff;
    private final long deliveryTimeoutMs;
    private final CompressionType compression;
    private final BufferPool pool;
    private final LongSupplier clock;
    private final ConcurrentMap<TopicPartition, Deque<ProducerBatch>> batches = new ConcurrentHashMap<>();
    private final Set<TopicPartition> muted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger flushesInProgress = new AtomicInteger();
    private final Set<ProducerBatch> incomplete = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public record AppendResult(CompletableFuture<RecordMetadata> future, boolean batchIsFull, boolean newBatchCreated) {
    }

    public record ReadyCheck(Set<Integer> readyNodes, long nextReadyCheckDelayMs, Set<String> unknownLeaderTopics) {
    }

    public RecordAccumulator(int batchSize, long lingerMs, ExponentialBackoff retryBackoff, long deliveryTimeoutMs,
                             CompressionType compression, BufferPool pool, LongSupplier clock) {
        this.batchSize = batchSize;
        this.lingerMs = lingerMs;
        this.retryBackoff = retryBackoff;
        this.deliveryTimeoutMs = deliveryTimeoutMs;
        this.compression = compression;
        this.pool = pool;
        this.clock = clock;
    }

    private volatile boolean transactional;

    /** Batches from now on are transactional (a producer with transactional.id). */
    public void transactional(boolean on) {
        this.transactional = on;
    }

    public AppendResult append(TopicPartition tp, long timestamp, byte[] key, byte[] value, List<Header> headers,
                               BiConsumer<RecordMetadata, Exception> callback, long maxBlockMs) throws InterruptedException {
        if (closed) throw new IllegalStateException("Cannot send after the producer is closed.");
        Deque<ProducerBatch> dq = batches.computeIfAbsent(tp, k -> new ArrayDeque<>());
        synchronized (dq) {
            AppendResult r = tryAppend(dq, timestamp, key, value, headers, callback);
            if (r != null) return r;
        }
        int size = Math.max(batchSize, ProducerBatch.estimate(key, value, headers) + 61);
        pool.allocate(size, maxBlockMs);
        boolean used = false;
        try {
            synchronized (dq) {
                if (closed) throw new IllegalStateException("Cannot send after the producer is closed.");
                AppendResult r = tryAppend(dq, timestamp, key, value, headers, callback);
                if (r != null) return r;
                ProducerBatch b = new ProducerBatch(tp, compression, batchSize, size, clock.getAsLong());
                if (transactional) b.transactional();
                CompletableFuture<RecordMetadata> f = b.tryAppend(timestamp, key, value, headers, callback);
                dq.addLast(b);
                incomplete.add(b);
                used = true;
                return new AppendResult(f, dq.size() > 1 || b.isFull(), true);
            }
        } finally {
            if (!used) pool.deallocate(size);
        }
    }

    private AppendResult tryAppend(Deque<ProducerBatch> dq, long ts, byte[] key, byte[] value, List<Header> headers,
                                   BiConsumer<RecordMetadata, Exception> callback) {
        ProducerBatch last = dq.peekLast();
        if (last == null || last.inRetry) return null;
        CompletableFuture<RecordMetadata> f = last.tryAppend(ts, key, value, headers, callback);
        if (f == null) {
            last.closeForAppends();
            return null;
        }
        return new AppendResult(f, dq.size() > 1 || last.isFull(), false);
    }

    /** Batches queued (not in flight) for the partition: the adaptive partitioner's load signal. */
    public int queuedBatches(TopicPartition tp) {
        Deque<ProducerBatch> dq = batches.get(tp);
        if (dq == null) return 0;
        synchronized (dq) {
            return dq.size();
        }
    }

    public ReadyCheck ready(Cluster cluster, long now) {
        Set<Integer> nodes = new HashSet<>();
        Set<String> unknown = new HashSet<>();
        long next = Long.MAX_VALUE;
        boolean exhausted = pool.isExhausted();
        for (Map.Entry<TopicPartition, Deque<ProducerBatch>> e : batches.entrySet()) {
            Deque<ProducerBatch> dq = e.getValue();
            synchronized (dq) {
                ProducerBatch b = dq.peekFirst();
                if (b == null) continue;
                Node leader = cluster.leaderFor(e.getKey());
                if (leader == null) {
                    unknown.add(e.getKey().topic());
                    continue;
                }
                if (nodes.contains(leader.id()) || muted.contains(e.getKey())) continue;
                long waited = now - (b.inRetry ? b.retryScheduledMs : b.createdMs);
                long timeToWait = b.inRetry ? b.retryAfterMs - now : lingerMs - waited;
                boolean backingOff = b.inRetry && now < b.retryAfterMs;
                boolean full = dq.size() > 1 || b.isFull();
                boolean sendable = full || waited >= lingerMs || exhausted || closed || flushesInProgress.get() > 0;
                if (sendable && !backingOff) {
                    nodes.add(leader.id());
                } else {
                    next = Math.min(next, Math.max(1, timeToWait));
                }
            }
        }
        return new ReadyCheck(nodes, next, unknown);
    }

    /** Takes at most one ready head batch per partition led by each node, up to {@code maxSize} bytes per node. */
    public Map<Integer, List<ProducerBatch>> drain(Cluster cluster, Set<Integer> nodes, int maxSize, long now) {
        Map<Integer, List<ProducerBatch>> out = new HashMap<>();
        for (int node : nodes) {
            List<ProducerBatch> ready = new ArrayList<>();
            int size = 0;
            List<PartitionInfo> parts = new ArrayList<>(cluster.partitionsForNode(node));
            java.util.Collections.shuffle(parts);
            for (PartitionInfo p : parts) {
                TopicPartition tp = new TopicPartition(p.topic(), p.partition());
                if (muted.contains(tp)) continue;
                Deque<ProducerBatch> dq = batches.get(tp);
                if (dq == null) continue;
                synchronized (dq) {
                    ProducerBatch b = dq.peekFirst();
                    if (b == null || (b.inRetry && now < b.retryAfterMs)) continue;
                    if (!ready.isEmpty() && size + b.estimatedSizeInBytes() > maxSize) break;
                    dq.pollFirst();
                    b.closeForAppends();
                    size += b.estimatedSizeInBytes();
                    ready.add(b);
                }
            }
            if (!ready.isEmpty()) out.put(node, ready);
        }
        return out;
    }

    /**
     * Puts a batch back near the head of its deque for another attempt after the retry backoff: among the retries
     * already queued there, in send order ({@link ProducerBatch#drainOrder}), so several failed in-flight batches
     * go out again in their original order.
     */
    public void reenqueue(ProducerBatch b, long now) {
        b.inRetry = true;
        b.retryScheduledMs = now;
        // The batch's own failure count sets its wait (exponential with jitter, KIP-580), not one fixed pause.
        b.retryAfterMs = now + retryBackoff.backoffMs(Math.max(1, b.attempts));
        Deque<ProducerBatch> dq = batches.computeIfAbsent(b.tp, k -> new ArrayDeque<>());
        synchronized (dq) {
            if (dq.isEmpty() || !dq.peekFirst().inRetry || dq.peekFirst().drainOrder > b.drainOrder) {
                dq.addFirst(b);
                return;
            }
            List<ProducerBatch> retries = new ArrayList<>();
            while (!dq.isEmpty() && dq.peekFirst().inRetry && dq.peekFirst().drainOrder < b.drainOrder) {
                retries.add(dq.pollFirst());
            }
            dq.addFirst(b);
            for (int i = retries.size() - 1; i >= 0; i--) dq.addFirst(retries.get(i));
        }
    }

    /** Whether the partition's next batch to go out is a retry (a batch sent before). */
    public boolean headIsRetry(TopicPartition tp) {
        Deque<ProducerBatch> dq = batches.get(tp);
        if (dq == null) return false;
        synchronized (dq) {
            ProducerBatch b = dq.peekFirst();
            return b != null && b.inRetry;
        }
    }

    public void mute(TopicPartition tp) {
        muted.add(tp);
    }

    public void unmute(TopicPartition tp) {
        muted.remove(tp);
    }

    /** Removes and returns queued batches older than {@code delivery.timeout.ms}. */
    public List<ProducerBatch> expiredBatches(long now) {
        List<ProducerBatch> out = new ArrayList<>();
        for (Deque<ProducerBatch> dq : batches.values()) {
            synchronized (dq) {
                Iterator<ProducerBatch> it = dq.iterator();
                while (it.hasNext()) {
                    ProducerBatch b = it.next();
                    // A deque is in creation order (retries go back in front of younger batches), so the first
                    // batch not expired ends the walk: the sender's every loop stays O(partitions), not O(batches).
                    if (now - b.createdMs < deliveryTimeoutMs) break;
                    it.remove();
                    b.closeForAppends();
                    out.add(b);
                }
            }
        }
        return out;
    }

    /** Completes a batch (exactly once) and gives its memory back. */
    public boolean complete(ProducerBatch b, long baseOffset, long logAppendTime, RuntimeException error) {
        boolean first = b.complete(baseOffset, logAppendTime, error);
        if (first) {
            incomplete.remove(b);
            pool.deallocate(b.reservedBytes);
        }
        return first;
    }

    public boolean hasUndrained() {
        for (Deque<ProducerBatch> dq : batches.values()) {
            synchronized (dq) {
                if (!dq.isEmpty()) return true;
            }
        }
        return false;
    }

    public boolean hasIncomplete() {
        return !incomplete.isEmpty();
    }

    public Set<ProducerBatch> incompleteBatches() {
        return Set.copyOf(incomplete);
    }

    public void beginFlush() {
        flushesInProgress.incrementAndGet();
    }

    public void endFlush() {
        flushesInProgress.decrementAndGet();
    }

    /** Waits until every batch that existed when called is complete. */
    public void awaitFlushCompletion() throws InterruptedException {
        for (ProducerBatch b : incompleteBatches()) {
            try {
                b.completion.get();
            } catch (java.util.concurrent.ExecutionException e) {
                // completion never fails
            }
        }
    }

    public void close() {
        closed = true;
    }

    /** Fails every queued batch (forced close); in-flight ones complete through their requests. */
    /** Fails every queued batch; returns how many records that failed. */
    public int abortUndrained(RuntimeException error) {
        int records = 0;
        for (Deque<ProducerBatch> dq : batches.values()) {
            List<ProducerBatch> taken;
            synchronized (dq) {
                taken = new ArrayList<>(dq);
                dq.clear();
            }
            for (ProducerBatch b : taken) if (complete(b, -1, -1, error)) records += b.recordCount();
        }
        return records;
    }

    /** Fails every batch not yet complete (queued or in flight); returns how many records that failed. */
    public int abortIncomplete(RuntimeException error) {
        int records = abortUndrained(error);
        for (ProducerBatch b : incompleteBatches()) if (complete(b, -1, -1, error)) records += b.recordCount();
        return records;
    }

    public int batchSize() {
        return batchSize;
    }
}
