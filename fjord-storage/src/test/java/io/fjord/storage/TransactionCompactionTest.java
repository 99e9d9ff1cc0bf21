package io.fjord.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.protocol.record.RecordBatchBuilder;
import io.fjord.storage.TestBatches.ManualClock;
import io.fjord.storage.cleaner.LogCleaner;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction of transactional data (Kafka's rules): aborted batches go and never shadow committed values, markers
 * stay while their transaction has data, then get a delete horizon and go after delete.retention.ms; nothing at or
 * above the last stable offset is cleaned.
 */
class TransactionCompactionTest {
    private static final long RETENTION = 1_000;
    private static final long A = 11, B = 12, C = 13, D = 14;
    private static final UUID TOPIC_ID = UUID.fromString("0b7e7a53-40a4-4c7e-9c33-5d1c6e1f2a90");

    @TempDir
    Path tmp;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private PartitionLog log;

    @AfterEach
    void close() {
        if (log != null) log.close();
    }

    private PartitionLog open() {
        LogConfig cfg = LogConfig.DEFAULT.withCompaction(new LogConfig.Compaction(true, RETENTION, 0.0, 0));
        return PartitionLog.open(tmp.resolve("c-0"), "c", 0, TOPIC_ID, cfg, clock, true);
    }

    private long put(long pid, int seq, boolean transactional, String... kv) {
        RecordBatchBuilder b = new RecordBatchBuilder(0, CompressionType.NONE).producer(pid, (short) 0, seq)
                .transactional(transactional);
        for (int i = 0; i < kv.length; i += 2) {
            b.append(clock.millis(), kv[i].getBytes(StandardCharsets.UTF_8), kv[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return log.append(b.build()).firstOffset();
    }

    private long marker(long pid, boolean commit) {
        return log.appendMarker(pid, (short) 0, commit, 0, 1, 0).firstOffset();
    }

    /** key -> last value of the data records, in log order. */
    private Map<String, String> values() {
        Map<String, String> m = new LinkedHashMap<>();
        for (CompactionTestSupport.Latest l : CompactionTestSupport.readAll(log)) {
            if (l.key() != null && l.key().length() == 2) m.put(l.key(), l.value()); // data keys are two letters
        }
        return m;
    }

    /** Offset -> attributes of every control batch left in the log. */
    private Map<Long, Short> markers() throws Exception {
        Map<Long, Short> out = new LinkedHashMap<>();
        ByteBuffer all = TransactionLogTest.readAll(log);
        for (int p = 0; p < all.limit(); p += RecordBatch.sizeInBytes(all, p)) {
            if (RecordBatch.isControl(all, p)) out.put(RecordBatch.baseOffset(all, p), RecordBatch.attributes(all, p));
        }
        return out;
    }

    @Test
    void abortedDataGoesAndMarkersOutliveTheirDataByTheDeleteRetention() throws Exception {
        log = open();
        put(-1, -1, false, "k1", "v1");                  // 0
        put(A, 0, true, "k1", "aborted", "k2", "aborted"); // 1-2
        long ma = marker(A, false);                      // 3
        put(B, 0, true, "k3", "committed");              // 4
        long mb = marker(B, true);                       // 5
        put(C, 0, true, "k4", "shadowed");               // 6
        long mc = marker(C, true);                       // 7
        put(-1, -1, false, "k4", "latest");              // 8
        log.roll();
        put(-1, -1, false, "k9", "active");
        log.updateHighWatermark(log.logEndOffset());
        LogCleaner cleaner = new LogCleaner(() -> List.of(log), 1, 10, clock);

        assertThat(cleaner.clean(log)).isNotNull();
        assertThat(values()).containsExactly(Map.entry("k1", "v1"), Map.entry("k3", "committed"),
                Map.entry("k4", "latest"), Map.entry("k9", "active"));
        Map<Long, Short> first = markers();
        assertThat(first).containsOnlyKeys(ma, mb, mc);
        assertThat(first.get(mb) & RecordBatch.DELETE_HORIZON_MASK).as("B's data is kept").isZero();
        assertThat(first.get(ma) & RecordBatch.DELETE_HORIZON_MASK).isNotZero();
        assertThat(first.get(mc) & RecordBatch.DELETE_HORIZON_MASK).isNotZero();

        clock.advance(RETENTION - 1);
        cleaner.clean(log);
        assertThat(markers()).containsOnlyKeys(ma, mb, mc);
        clock.advance(1);
        cleaner.clean(log);
        assertThat(markers()).containsOnlyKeys(mb);
        assertThat(values()).containsExactly(Map.entry("k1", "v1"), Map.entry("k3", "committed"),
                Map.entry("k4", "latest"), Map.entry("k9", "active"));
        // The cleaned log reloads with the same state.
        log.close();
        log = open();
        log.updateHighWatermark(log.logEndOffset());
        assertThat(log.lastStableOffset()).isEqualTo(log.logEndOffset());
        assertThat(values()).containsEntry("k1", "v1").doesNotContainValue("aborted");
    }

    @Test
    void nothingFromTheFirstOpenTransactionOnIsCleaned() {
        log = open();
        put(-1, -1, false, "k1", "old");
        log.roll();
        long d = put(D, 0, true, "k2", "open");
        log.roll();
        put(-1, -1, false, "k1", "new", "k2", "x");
        log.roll();
        put(-1, -1, false, "k9", "active");
        log.updateHighWatermark(log.logEndOffset());
        assertThat(log.lastStableOffset()).isEqualTo(d).isEqualTo(log.firstUnstableOffset());
        new LogCleaner(() -> List.of(log), 1, 10, clock).cleanOnce();
        List<String> all = new ArrayList<>();
        for (CompactionTestSupport.Latest l : CompactionTestSupport.readAll(log)) all.add(l.key() + "=" + l.value());
        assertThat(all).containsExactly("k1=old", "k2=open", "k1=new", "k2=x", "k9=active");
    }
}
