package io.fjord.storage;

import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.Header;
import io.fjord.protocol.record.Record;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.protocol.record.RecordBatchBuilder;
import io.fjord.protocol.record.RecordBatchReader;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Random keyed workloads for compaction tests and a model of what a compacted log must hold. */
final class CompactionTestSupport {
    private CompactionTestSupport() {
    }

    /** The model: the latest record of every key (value null for a tombstone). */
    record Latest(String key, long offset, long timestamp, String value, String header) {
    }

    static final class Model {
        final Map<String, Latest> latest = new HashMap<>();

        /** Records in offset order; tombstones only if {@code withTombstones}. */
        List<Latest> expected(boolean withTombstones) {
            return latest.values().stream().filter(l -> withTombstones || l.value() != null)
                    .sorted(Comparator.comparingLong(Latest::offset)).toList();
        }
    }

    private static final java.util.concurrent.atomic.AtomicLong NEXT_PRODUCER_ID = new java.util.concurrent.atomic.AtomicLong(1000);

    /** Appends one random batch (1..5 records, random codec, keys among {@code keys}, ~15% tombstones). */
    static void appendRandomBatch(PartitionLog log, Model model, Random rnd, int keys, long now) {
        CompressionType codec = CompressionType.values()[rnd.nextInt(CompressionType.values().length)];
        int n = 1 + rnd.nextInt(5);
        // Appends go through the producer-state check: a fresh producer id per batch keeps sequences valid
        // while still giving the cleaner producer fields to preserve.
        long producerId = NEXT_PRODUCER_ID.getAndIncrement();
        RecordBatchBuilder b = new RecordBatchBuilder(0, codec).producer(producerId, (short) rnd.nextInt(3), rnd.nextInt(1000));
        List<String[]> recs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String key = "key-" + rnd.nextInt(keys);
            String value = rnd.nextInt(100) < 15 ? null : "v" + rnd.nextLong() + "x".repeat(rnd.nextInt(60));
            String header = "h" + rnd.nextInt(1000);
            recs.add(new String[] {key, value, header});
            b.appendWithOffset(i, now + i, bytes(key), bytes(value),
                    List.of(new Header("h", header.getBytes(StandardCharsets.UTF_8))));
        }
        LogAppendResult r = log.append(b.build());
        for (int i = 0; i < n; i++) {
            String[] x = recs.get(i);
            model.latest.put(x[0], new Latest(x[0], r.firstOffset() + i, now + i, x[1], x[2]));
        }
    }

    static ByteBuffer bytes(String s) {
        return s == null ? null : ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static String string(ByteBuffer b) {
        return b == null ? null : StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }

    static Latest toLatest(Record r) {
        String header = r.headers().isEmpty() ? null : new String(r.headers().get(0).value(), StandardCharsets.UTF_8);
        return new Latest(string(r.key()), r.offset(), r.timestamp(), string(r.value()), header);
    }

    /** Every record of the log, read with repeated small fetches from the log start (checks CRCs and order). */
    static List<Latest> readAll(PartitionLog log) {
        return readAll(log, log.logStartOffset());
    }

    /** Like {@link #readAll(PartitionLog)} from {@code from}: only records at or after it. */
    static List<Latest> readAll(PartitionLog log, long from) {
        List<Latest> out = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            ByteBuffer buf = log.read(next, 1).records().readAll();
            if (!buf.hasRemaining()) break;
            int p = 0;
            long last = -1;
            while (p < buf.limit()) {
                assertThat(RecordBatch.isWholeAndValid(buf, p)).as("CRC of batch at %d", RecordBatch.baseOffset(buf, p)).isTrue();
                assertThat(RecordBatch.lastOffset(buf, p)).isGreaterThanOrEqualTo(next);
                for (RecordBatchReader it = new RecordBatchReader(buf, p); it.hasNext(); ) {
                    Record r = it.next();
                    if (r.offset() >= next) out.add(toLatest(r));
                }
                last = RecordBatch.lastOffset(buf, p);
                p += RecordBatch.sizeInBytes(buf, p);
            }
            next = last + 1;
        }
        for (int i = 1; i < out.size(); i++) assertThat(out.get(i).offset()).isGreaterThan(out.get(i - 1).offset());
        return out;
    }

    /** The last record of every key as the log shows it. */
    static Map<String, Latest> lastPerKey(List<Latest> records) {
        Map<String, Latest> m = new LinkedHashMap<>();
        for (Latest l : records) m.put(l.key(), l);
        return m;
    }

    /** Every live key's latest value is readable (extra older records and unexpired tombstones allowed). */
    static void assertLiveKeysReadable(PartitionLog log, Model model) {
        Map<String, Latest> seen = lastPerKey(readAll(log));
        for (Latest l : model.latest.values()) {
            if (l.value() != null) assertThat(seen.get(l.key())).as("key %s", l.key()).isEqualTo(l);
            else if (seen.containsKey(l.key())) assertThat(seen.get(l.key())).isEqualTo(l);
        }
    }

    /** Decodes the records with offset {@code >= from} of a buffer of whole batches. */
    static List<Latest> readAllFrom(ByteBuffer buf, long from) {
        List<Latest> out = new ArrayList<>();
        for (Record r : RecordBatchReader.readAll(buf)) if (r.offset() >= from) out.add(toLatest(r));
        return out;
    }
}
