package io.fjord.storage;

import io.fjord.storage.TestBatches.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static io.fjord.storage.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads that skip over batches with the offset index (instead of reading every header) return exactly the whole
 * batches a header-by-header scan would: compared against the known layout for many start offsets, byte limits and
 * high watermarks, on a log whose index has an entry every few batches.
 */
class IndexedReadTest {
    @TempDir
    Path tmp;

    private record Placed(long base, long last, long position, int size) {
    }

    @Test
    void readsBoundedByBytesAndOffsetMatchAHeaderScan() {
        LogConfig cfg = LogConfig.DEFAULT.withIndexIntervalBytes(250);
        PartitionLog log = PartitionLog.open(tmp.resolve("t-0"), "t", 0, UUID.randomUUID(), cfg,
                new ManualClock(1_700_000_000_000L), true);
        try {
            Random rnd = new Random(42);
            List<Placed> layout = new ArrayList<>();
            long position = 0;
            for (int i = 0; i < 600; i++) {
                int records = 1 + rnd.nextInt(3);
                int payload = 20 + rnd.nextInt(300);
                LogAppendResult r = log.append(batch(records, i, payload));
                int size = io.fjord.protocol.record.RecordBatch.HEADER_SIZE + payload;
                layout.add(new Placed(r.firstOffset(), r.lastOffset(), position, size));
                position += size;
            }
            assertThat(log.numberOfSegments()).isEqualTo(1);
            long end = log.logEndOffset();
            for (int round = 0; round < 3000; round++) {
                long start = rnd.nextInt((int) end);
                int maxBytes = rnd.nextInt(4) == 0 ? rnd.nextInt(300) : rnd.nextInt(40_000);
                long maxOffset = rnd.nextBoolean() ? Long.MAX_VALUE : start + rnd.nextInt(200);
                boolean minOne = rnd.nextBoolean();
                LogReadResult got = log.read(start, maxBytes, maxOffset, minOne);

                // the scan a reader without the index would do
                int first = 0;
                while (layout.get(first).last() < start) first++;
                long total = 0;
                for (int i = first; i < layout.size(); i++) {
                    Placed p = layout.get(i);
                    if (p.last() >= Math.min(maxOffset, end)) break;
                    if (total + p.size() > maxBytes) {
                        if (total == 0 && minOne) total = p.size();
                        break;
                    }
                    total += p.size();
                }
                String what = "read(" + start + ", " + maxBytes + ", " + maxOffset + ", " + minOne + ")";
                assertThat(got.records().sizeInBytes()).as(what).isEqualTo((int) total);
                if (total > 0) {
                    assertThat(got.firstOffset()).as(what).isEqualTo(layout.get(first).base());
                    assertThat(got.records().position()).as(what).isEqualTo(layout.get(first).position());
                }
            }
        } finally {
            log.close();
        }
    }
}
