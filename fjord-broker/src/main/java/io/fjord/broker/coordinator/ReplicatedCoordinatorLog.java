package io.fjord.broker.coordinator;

import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.ReplicaManager;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.Record;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.protocol.record.RecordBatchBuilder;
import io.fjord.protocol.record.RecordBatchReader;
import io.fjord.storage.LogReadResult;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A coordinator's internal topic as this broker's replicas of it: appends go through the replica manager as the
 * leader (so they replicate like any produce), commits are awaited on the high watermark. Thread-safe.
 */
public final class ReplicatedCoordinatorLog implements CoordinatorLog {
    private final ReplicaManager replicas;
    private final String topic;
    private final long commitTimeoutMs;
    private final LongSupplier clock;

    public ReplicatedCoordinatorLog(ReplicaManager replicas, String topic, long commitTimeoutMs, LongSupplier clock) {
        this.replicas = replicas;
        this.topic = topic;
        this.commitTimeoutMs = commitTimeoutMs;
        this.clock = clock;
    }

    private Partition leading(int partition, int epoch) {
        Partition p = replicas.partition(new TopicPartition(topic, partition));
        if (p == null || !p.isLeader() || p.leaderEpoch() != epoch) {
            throw new CoordinatorException(io.fjord.protocol.api.Errors.NOT_COORDINATOR,
                    topic + "-" + partition + " is not led here at epoch " + epoch);
        }
        return p;
    }

    @Override
    public void load(int partition, int epoch, Consumer<CoordinatorRecord> sink) {
        Partition p = leading(partition, epoch);
        long offset = p.logStartOffset();
        long end = p.logEndOffset();
        while (offset < end) {
            LogReadResult r = p.readForFollower(offset, 1 << 20, true);
            if (r.records().sizeInBytes() == 0) break;
            ByteBuffer buf = r.records().readAll();
            int pos = 0;
            long before = offset;
            while (pos + RecordBatch.LOG_OVERHEAD <= buf.limit() && RecordBatch.isWholeAndValid(buf, pos)) {
                int size = RecordBatch.sizeInBytes(buf, pos);
                ByteBuffer one = buf.duplicate();
                one.position(pos).limit(pos + size);
                RecordBatchReader reader = new RecordBatchReader(one.slice(), 0);
                // Transaction markers (control batches) carry no coordinator record.
                while (!RecordBatch.isControl(buf, pos) && reader.hasNext()) {
                    Record rec = reader.next();
                    if (rec.offset() < offset || rec.keyBytes() == null) continue;
                    sink.accept(new CoordinatorRecord(rec.keyBytes(), rec.valueBytes()));
                }
                offset = Math.max(offset, RecordBatch.lastOffset(buf, pos) + 1);
                pos += size;
            }
            if (offset == before) break;
        }
    }

    @Override
    public long append(int partition, int epoch, List<CoordinatorRecord> records) {
        Partition p = leading(partition, epoch);
        RecordBatchBuilder b = new RecordBatchBuilder(0, CompressionType.NONE);
        long now = clock.getAsLong();
        for (CoordinatorRecord r : records) b.append(now, r.key(), r.value());
        return replicas.appendAsLeader(p, b.build()).lastOffset() + 1;
    }

    @Override
    public CompletableFuture<Void> awaitCommitted(int partition, int epoch, long endOffset) {
        Partition p;
        try {
            p = leading(partition, epoch);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return replicas.awaitHighWatermark(p, endOffset, commitTimeoutMs);
    }
}
