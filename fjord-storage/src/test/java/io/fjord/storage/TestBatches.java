package io.fjord.storage;

import io.fjord.protocol.record.RecordBatch;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** Builds magic-2 batches with opaque record bytes for storage tests (not a real record encoder). */
final class TestBatches {
    private TestBatches() {
    }

    /** One batch of {@code records} records, a given max timestamp and {@code payloadBytes} of opaque content. */
    static ByteBuffer batch(int records, long maxTimestamp, int payloadBytes) {
        return batch(records, maxTimestamp, payloadBytes, (byte) 0);
    }

    static ByteBuffer batch(int records, long maxTimestamp, int payloadBytes, byte attributesLow) {
        int size = RecordBatch.HEADER_SIZE + payloadBytes;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putLong(RecordBatch.BASE_OFFSET_OFFSET, 0L);
        b.putInt(RecordBatch.LENGTH_OFFSET, size - RecordBatch.LOG_OVERHEAD);
        b.putInt(RecordBatch.PARTITION_LEADER_EPOCH_OFFSET, 0);
        b.put(RecordBatch.MAGIC_OFFSET, RecordBatch.MAGIC);
        b.putShort(RecordBatch.ATTRIBUTES_OFFSET, attributesLow);
        b.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, records - 1);
        b.putLong(RecordBatch.BASE_TIMESTAMP_OFFSET, maxTimestamp);
        b.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, maxTimestamp);
        b.putLong(RecordBatch.PRODUCER_ID_OFFSET, -1L);
        b.putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, (short) -1);
        b.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, -1);
        b.putInt(RecordBatch.RECORDS_COUNT_OFFSET, records);
        for (int i = 0; i < payloadBytes; i++) b.put(RecordBatch.HEADER_SIZE + i, (byte) (i * 31 + records));
        b.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(b, 0));
        return b;
    }

    /**
     * A batch as a leader wrote it: base offset, partition leader epoch and, if {@code producerId >= 0}, producer
     * fields set (none of them is covered by the CRC except the producer fields, so the CRC is recomputed).
     */
    static ByteBuffer leaderBatch(long baseOffset, int records, int leaderEpoch, long maxTimestamp, int payloadBytes,
                                  long producerId, short producerEpoch, int baseSequence) {
        ByteBuffer b = batch(records, maxTimestamp, payloadBytes);
        b.putLong(RecordBatch.BASE_OFFSET_OFFSET, baseOffset);
        b.putInt(RecordBatch.PARTITION_LEADER_EPOCH_OFFSET, leaderEpoch);
        if (producerId >= 0) {
            b.putLong(RecordBatch.PRODUCER_ID_OFFSET, producerId);
            b.putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, producerEpoch);
            b.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, baseSequence);
        }
        b.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(b, 0));
        return b;
    }

    static ByteBuffer leaderBatch(long baseOffset, int records, int leaderEpoch) {
        return leaderBatch(baseOffset, records, leaderEpoch, 1000 + baseOffset, Math.max(40, records * 8), -1,
                (short) -1, -1);
    }

    static ByteBuffer concat(List<ByteBuffer> parts) {
        return concat(parts.toArray(new ByteBuffer[0]));
    }

    static ByteBuffer concat(ByteBuffer... parts) {
        int n = 0;
        for (ByteBuffer p : parts) n += p.remaining();
        ByteBuffer out = ByteBuffer.allocate(n);
        for (ByteBuffer p : parts) out.put(p.duplicate());
        return out.flip();
    }

    /** A parsed batch header: base and last offset, max timestamp, byte size. */
    record Header(long baseOffset, long lastOffset, long maxTimestamp, int size, boolean valid) {
    }

    /** Splits a buffer of whole batches into headers (validating each CRC). */
    static List<Header> headers(ByteBuffer buf) {
        List<Header> out = new ArrayList<>();
        int p = buf.position();
        while (p < buf.limit()) {
            int size = RecordBatch.sizeInBytes(buf, p);
            out.add(new Header(RecordBatch.baseOffset(buf, p), RecordBatch.lastOffset(buf, p),
                    RecordBatch.maxTimestamp(buf, p), size, RecordBatch.isWholeAndValid(buf, p)));
            p += size;
        }
        if (p != buf.limit()) throw new AssertionError("trailing partial batch");
        return out;
    }

    static List<Header> headers(LogReadResult r) {
        return headers(r.records().readAll());
    }

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        private volatile long millis;

        ManualClock(long millis) {
            this.millis = millis;
        }

        void advance(long ms) {
            millis += ms;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
