package io.fjord.client.producer;

import io.fjord.client.common.TopicPartition;
import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.Header;
import io.fjord.protocol.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * The records collected for one partition that will travel as one record batch. Completes exactly once: every
 * record's future and callback are told the outcome in append order.
 */
public final class ProducerBatch {
    /** Per-record framing overhead upper bound (length, attributes, deltas, key/value lengths, header count). */
    static final int RECORD_OVERHEAD = 21;

    final TopicPartition tp;
    final long createdMs;
    final int reservedBytes;
    private final int batchSize;
    private final RecordBatchBuilder builder;
    private final List<Thunk> thunks = new ArrayList<>();
    private final AtomicBoolean done = new AtomicBoolean();
    final CompletableFuture<Void> completion = new CompletableFuture<>();
    private int estimatedSize;
    private boolean closedForAppends;

    int attempts;
    long retryAfterMs;
    long retryScheduledMs;
    boolean inRetry;
    long producerId = -1;
    short producerEpoch = -1;
    int baseSequence = -1;
    /** Position in its partition's send order, given when first drained (-1 before); retries are queued by it. */
    long drainOrder = -1;
    private ByteBuffer built;
    private long builtFor = Long.MIN_VALUE;

    record Thunk(CompletableFuture<RecordMetadata> future, BiConsumer<RecordMetadata, Exception> callback,
                 long timestamp, int keySize, int valueSize) {
    }

    ProducerBatch(TopicPartition tp, CompressionType compression, int batchSize, int reservedBytes, long now) {
        this.tp = tp;
        this.createdMs = now;
        this.batchSize = batchSize;
        this.reservedBytes = reservedBytes;
        // Room for a whole batch at once (the pool reserved it): records are copied in once, never regrown.
        this.builder = new RecordBatchBuilder(0, compression, reservedBytes - 61);
        this.estimatedSize = 61;
    }

    /** Marks the batch transactional (attribute bit 4): its records count only once their transaction commits. */
    void transactional() {
        builder.transactional(true);
    }

    static int estimate(byte[] key, byte[] value, List<Header> headers) {
        int size = RECORD_OVERHEAD + (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        for (Header h : headers) size += 10 + h.key().length() * 3 + (h.value() == null ? 0 : h.value().length);
        return size;
    }

    /** Appends if the record fits (the first always does); returns its future or null. */
    CompletableFuture<RecordMetadata> tryAppend(long timestamp, byte[] key, byte[] value, List<Header> headers,
                                                BiConsumer<RecordMetadata, Exception> callback) {
        int size = estimate(key, value, headers);
        if (closedForAppends || (!thunks.isEmpty() && estimatedSize + size > batchSize)) return null;
        builder.append(timestamp, key, value, headers);
        estimatedSize += size;
        CompletableFuture<RecordMetadata> f = new CompletableFuture<>();
        thunks.add(new Thunk(f, callback, timestamp, key == null ? -1 : key.length, value == null ? -1 : value.length));
        return f;
    }

    boolean isFull() {
        return closedForAppends || estimatedSize >= batchSize;
    }

    void closeForAppends() {
        closedForAppends = true;
    }

    int recordCount() {
        return thunks.size();
    }

    int estimatedSizeInBytes() {
        return estimatedSize;
    }

    boolean isDone() {
        return done.get();
    }

    /** The encoded batch with the producer fields currently set (cached while they stay the same). */
    ByteBuffer records() {
        long key = producerId * 31 * 31 + producerEpoch * 31L + baseSequence;
        if (built == null || builtFor != key) {
            builder.producer(producerId, producerEpoch, baseSequence);
            built = builder.build();
            builtFor = key;
        }
        return built.duplicate();
    }

    /** Completes every record: success when {@code error} is null. Returns false if already completed. */
    boolean complete(long baseOffset, long logAppendTime, RuntimeException error) {
        if (!done.compareAndSet(false, true)) return false;
        for (int i = 0; i < thunks.size(); i++) {
            Thunk t = thunks.get(i);
            if (error == null) {
                long offset = baseOffset < 0 ? -1 : baseOffset + i;
                long ts = logAppendTime >= 0 ? logAppendTime : t.timestamp();
                RecordMetadata md = new RecordMetadata(tp, offset, ts, t.keySize(), t.valueSize());
                t.callback().accept(md, null);
                t.future().complete(md);
            } else {
                t.callback().accept(new RecordMetadata(tp, -1, -1, t.keySize(), t.valueSize()), error);
                t.future().completeExceptionally(error);
            }
        }
        completion.complete(null);
        return true;
    }

    @Override
    public String toString() {
        return "ProducerBatch(" + tp + ", " + thunks.size() + " records, seq " + baseSequence + ")";
    }
}
