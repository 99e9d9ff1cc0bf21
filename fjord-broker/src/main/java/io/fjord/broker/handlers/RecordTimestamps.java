package io.fjord.broker.handlers;

import io.fjord.broker.replica.Partition;
import io.fjord.protocol.record.InvalidRecordException;
import io.fjord.protocol.record.Record;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.protocol.record.RecordBatchReader;
import io.fjord.storage.LogReadResult;
import io.fjord.storage.OffsetOutOfRangeException;
import io.fjord.storage.TimestampAndOffset;
import java.nio.ByteBuffer;

/**
 * Timestamp look-ups at record precision. The time index finds the first batch whose max timestamp reaches the
 * target; only that batch is then opened (decompressed) to find the exact record, as ListOffsets requires.
 */
final class RecordTimestamps {
    private static final int SCAN_CHUNK = 1 << 20;

    private RecordTimestamps() {
    }

    /** The first record (by offset) with timestamp >= {@code ts}, below the high watermark; null if none. */
    static TimestampAndOffset firstAtOrAfter(Partition partition, long ts) {
        long offset = partition.logStartOffset();
        long hw = partition.highWatermark();
        TimestampAndOffset hint = partition.log().offsetForTimestamp(ts).orElse(null);
        if (hint == null) return null;
        offset = Math.max(offset, hint.offset());
        while (offset < hw) {
            ByteBuffer batches = readChunk(partition, offset);
            if (batches == null) return null;
            int pos = 0;
            while (pos + RecordBatch.LOG_OVERHEAD <= batches.limit() && RecordBatch.isWholeAndValid(batches, pos)) {
                long last = RecordBatch.lastOffset(batches, pos);
                if (last >= offset && RecordBatch.maxTimestamp(batches, pos) >= ts) {
                    TimestampAndOffset found = firstInBatch(batches, pos, ts, offset);
                    if (found != null && found.offset() < hw) return found;
                }
                offset = Math.max(offset, last + 1);
                pos += RecordBatch.sizeInBytes(batches, pos);
            }
            if (pos == 0) return null;
        }
        return null;
    }

    /** The record with the largest timestamp (the first one, if several share it); null for an empty log. */
    static TimestampAndOffset maxTimestamp(Partition partition) {
        long offset = partition.logStartOffset();
        long hw = partition.highWatermark();
        long bestTs = -1;
        ByteBuffer bestBatch = null;
        int bestPos = 0;
        while (offset < hw) {
            ByteBuffer batches = readChunk(partition, offset);
            if (batches == null) break;
            int pos = 0;
            while (pos + RecordBatch.LOG_OVERHEAD <= batches.limit() && RecordBatch.isWholeAndValid(batches, pos)) {
                long last = RecordBatch.lastOffset(batches, pos);
                if (last >= offset && RecordBatch.baseOffset(batches, pos) < hw && RecordBatch.maxTimestamp(batches, pos) > bestTs) {
                    bestTs = RecordBatch.maxTimestamp(batches, pos);
                    bestBatch = batches;
                    bestPos = pos;
                }
                offset = Math.max(offset, last + 1);
                pos += RecordBatch.sizeInBytes(batches, pos);
            }
            if (pos == 0) break;
        }
        return bestBatch == null ? null : firstInBatch(bestBatch, bestPos, bestTs, 0);
    }

    private static ByteBuffer readChunk(Partition partition, long offset) {
        try {
            LogReadResult r = partition.read(offset, SCAN_CHUNK, true);
            if (r.records().sizeInBytes() == 0) return null;
            return r.records().readAll();
        } catch (OffsetOutOfRangeException e) {
            return null;
        }
    }

    private static TimestampAndOffset firstInBatch(ByteBuffer batches, int pos, long ts, long minOffset) {
        boolean appendTime = RecordBatch.isLogAppendTime(batches, pos);
        long batchMax = RecordBatch.maxTimestamp(batches, pos);
        ByteBuffer one = batches.duplicate();
        one.position(pos).limit(pos + RecordBatch.sizeInBytes(batches, pos));
        try {
            RecordBatchReader reader = new RecordBatchReader(one.slice(), 0);
            while (reader.hasNext()) {
                Record r = reader.next();
                long recordTs = appendTime ? batchMax : r.timestamp();
                if (r.offset() >= minOffset && recordTs >= ts) return new TimestampAndOffset(recordTs, r.offset());
            }
        } catch (InvalidRecordException e) {
            // A batch that cannot be opened (one whose records inflate past the bound, stored compressed as sent):
            // answer at batch precision, its first offset and max timestamp, rather than fail the request.
            long first = Math.max(minOffset, RecordBatch.baseOffset(batches, pos));
            return batchMax >= ts && first <= RecordBatch.lastOffset(batches, pos) ? new TimestampAndOffset(batchMax, first) : null;
        }
        return null;
    }
}
