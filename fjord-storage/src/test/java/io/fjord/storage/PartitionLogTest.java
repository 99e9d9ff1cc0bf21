package io.fjord.storage;

import io.fjord.protocol.record.RecordBatch;
import io.fjord.storage.TestBatches.Header;
import io.fjord.storage.TestBatches.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.fjord.storage.TestBatches.batch;
import static io.fjord.storage.TestBatches.headers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionLogTest {
    /** 61-byte header + 139 bytes = 200-byte batches. */
    private static final int PAYLOAD = 139;
    private static final int BATCH = 200;
    private static final UUID TOPIC_ID = UUID.fromString("5d1a4c1e-7f5e-4c55-9a4e-2f1b0c9d8e7f");

    @TempDir
    Path tmp;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final List<PartitionLog> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (PartitionLog l : opened) {
            try {
                l.close();
            } catch (RuntimeException ignored) {
                // some tests close themselves
            }
        }
    }

    private Path dir() {
        return tmp.resolve("orders-0");
    }

    private PartitionLog open(LogConfig cfg, boolean clean) {
        PartitionLog l = PartitionLog.open(dir(), "orders", 0, TOPIC_ID, cfg, clock, clean);
        opened.add(l);
        return l;
    }

    private static LogConfig small() {
        return LogConfig.DEFAULT.withSegmentBytes(1024).withIndexIntervalBytes(300);
    }

    /** Appends {@code n} batches of {@code records} records with timestamps ts0, ts0+1, ... */
    private static List<LogAppendResult> appendN(PartitionLog l, int n, int records, long ts0) {
        List<LogAppendResult> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(l.append(batch(records, ts0 + i, PAYLOAD)));
        return out;
    }

    /** Reads everything from {@code from} with repeated fetches, checking offsets are contiguous. */
    private static List<Header> readAll(PartitionLog l, long from) {
        List<Header> all = new ArrayList<>();
        long next = from;
        while (next < l.logEndOffset()) {
            LogReadResult r = l.read(next, 1000);
            List<Header> hs = headers(r);
            assertThat(hs).isNotEmpty();
            all.addAll(hs);
            next = hs.get(hs.size() - 1).lastOffset() + 1;
        }
        for (int i = 1; i < all.size(); i++) {
            assertThat(all.get(i).baseOffset()).isEqualTo(all.get(i - 1).lastOffset() + 1);
        }
        assertThat(all).allMatch(Header::valid);
        return all;
    }

    @Test
    void appendAssignsOffsetsInPlaceAndReadsBackAcrossSegments() {
        PartitionLog l = open(small(), true);
        ByteBuffer two = TestBatches.concat(batch(3, 10, PAYLOAD), batch(2, 11, PAYLOAD));
        LogAppendResult r0 = l.append(two);
        assertThat(r0.firstOffset()).isZero();
        assertThat(r0.lastOffset()).isEqualTo(4);
        assertThat(r0.batchCount()).isEqualTo(2);
        assertThat(r0.position()).isZero();
        assertThat(r0.logAppendTime()).isEqualTo(-1);
        assertThat(RecordBatch.baseOffset(two, 0)).isZero();
        assertThat(RecordBatch.baseOffset(two, BATCH)).isEqualTo(3);
        assertThat(RecordBatch.isWholeAndValid(two, BATCH)).isTrue();

        List<LogAppendResult> rs = appendN(l, 28, 3, 100);
        assertThat(rs.get(0).firstOffset()).isEqualTo(5);
        assertThat(l.logEndOffset()).isEqualTo(5 + 28 * 3);
        assertThat(l.numberOfSegments()).isEqualTo(6); // 5 batches of 200 bytes per 1024-byte segment
        assertThat(l.segments()).allMatch(s -> s.sizeInBytes() <= 1024);
        assertThat(l.segments().get(1).baseOffset()).isEqualTo(rs.get(3).firstOffset());

        List<Header> all = readAll(l, 0);
        assertThat(all).hasSize(30);
        assertThat(all.get(29).lastOffset()).isEqualTo(l.logEndOffset() - 1);
        // Every offset is found in the batch that holds it.
        for (long o = 0; o < l.logEndOffset(); o++) {
            LogReadResult r = l.read(o, 1);
            Header h = headers(r).get(0);
            assertThat(o).isBetween(h.baseOffset(), h.lastOffset());
            assertThat(r.firstOffset()).isEqualTo(h.baseOffset());
        }
    }

    @Test
    void readReturnsWholeBatchesFromOneSegmentBoundedByMaxBytes() {
        PartitionLog l = open(small(), true);
        appendN(l, 5, 2, 0); // one full segment: offsets 0..9
        appendN(l, 2, 2, 0); // next segment
        assertThat(headers(l.read(0, 450))).hasSize(2);
        assertThat(headers(l.read(0, 400))).hasSize(2);
        assertThat(headers(l.read(0, 399))).hasSize(1);
        assertThat(headers(l.read(0, 1_000_000))).hasSize(5); // stops at the segment end
        // minOneMessage: a batch larger than maxBytes still comes back whole; without it nothing comes back
        assertThat(headers(l.read(2, 10, Long.MAX_VALUE, true))).extracting(Header::baseOffset).containsExactly(2L);
        LogReadResult none = l.read(2, 10, Long.MAX_VALUE, false);
        assertThat(none.records().sizeInBytes()).isZero();
        assertThat(none.firstOffset()).isEqualTo(-1);
    }

    @Test
    void readFromMiddleOfBatchReturnsThatBatch() {
        PartitionLog l = open(small(), true);
        l.append(batch(10, 1, PAYLOAD));
        l.append(batch(10, 2, PAYLOAD));
        LogReadResult r = l.read(15, 1000);
        assertThat(r.firstOffset()).isEqualTo(10);
        assertThat(headers(r)).extracting(Header::lastOffset).containsExactly(19L);
        assertThat(r.logEndOffset()).isEqualTo(20);
        assertThat(r.records().position()).isEqualTo(BATCH);
        assertThat(r.records().channel()).isNotNull();
    }

    @Test
    void maxOffsetHidesBatchesAtOrAfterHighWatermark() {
        PartitionLog l = open(small(), true);
        appendN(l, 4, 5, 0); // batches [0-4] [5-9] [10-14] [15-19]
        assertThat(headers(l.read(0, 10_000, 10, true))).extracting(Header::lastOffset).containsExactly(4L, 9L);
        assertThat(headers(l.read(0, 10_000, 12, true))).hasSize(2); // HW inside batch 10-14 hides it
        assertThat(l.read(10, 10_000, 10, true).records().sizeInBytes()).isZero();
        assertThat(l.read(5, 10_000, 5, true).records().isEmpty()).isTrue();
        // offset == log end is an empty read, not out of range
        assertThat(l.read(20, 10_000).records().isEmpty()).isTrue();
    }

    @Test
    void offsetsOutsideTheLogAreOutOfRange() {
        PartitionLog l = open(small(), true);
        appendN(l, 3, 1, 0);
        assertThatThrownBy(() -> l.read(4, 100)).isInstanceOf(OffsetOutOfRangeException.class)
                .satisfies(e -> assertThat(((OffsetOutOfRangeException) e).logEndOffset()).isEqualTo(3));
        assertThatThrownBy(() -> l.read(-1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
    }

    @Test
    void sparseIndexGetsAnEntryEveryIntervalBytes() {
        LogConfig cfg = LogConfig.DEFAULT.withIndexIntervalBytes(500);
        PartitionLog l = open(cfg, true);
        List<LogAppendResult> rs = appendN(l, 20, 2, 1000);
        LogSegment seg = l.segments().get(0);
        // Model: bytes since last entry > 500 -> entry for this batch (its last offset, its start position).
        List<long[]> expected = new ArrayList<>();
        int since = 0;
        for (LogAppendResult r : rs) {
            if (since > 500) {
                expected.add(new long[]{r.lastOffset(), r.position()});
                since = 0;
            }
            since += BATCH;
        }
        assertThat(expected).hasSize(6); // every 3rd batch, the first batch never
        OffsetIndex idx = seg.offsetIndex();
        assertThat(idx.entries()).isEqualTo(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(idx.entry(i)).isEqualTo(new OffsetIndex.Entry(expected.get(i)[0], (int) expected.get(i)[1]));
            // timestamps grow with every batch, so the time index has a matching entry
            assertThat(seg.timeIndex().entry(i)).isEqualTo(new TimeIndex.Entry(1000 + (expected.get(i)[0] / 2),
                    expected.get(i)[0]));
        }
        assertThat(idx.lookup(7)).isEqualTo(new OffsetIndex.Entry(7, 600));
        assertThat(idx.lookup(8)).isEqualTo(new OffsetIndex.Entry(7, 600));
        assertThat(idx.lookup(6)).isEqualTo(new OffsetIndex.Entry(0, 0));
        // preallocated while active, trimmed on close
        assertThat(idx.path()).hasSize(LogConfig.DEFAULT_SEGMENT_INDEX_BYTES);
        l.close();
        assertThat(idx.path()).hasSize(6 * 8);
        assertThat(seg.timeIndex().path()).hasSize(6 * 12);
    }

    @Test
    void timeIndexSkipsEntriesWhenTimestampDoesNotGrow() {
        PartitionLog l = open(LogConfig.DEFAULT.withIndexIntervalBytes(0), true);
        l.append(batch(1, 50, PAYLOAD));
        l.append(batch(1, 40, PAYLOAD)); // entry: offset 1; time: (50, 0)
        l.append(batch(1, 45, PAYLOAD)); // entry: offset 2; time: no growth
        l.append(batch(1, 60, PAYLOAD)); // entry: offset 3; time: (60, 3)
        LogSegment seg = l.segments().get(0);
        assertThat(seg.offsetIndex().entries()).isEqualTo(3);
        assertThat(seg.timeIndex().entries()).isEqualTo(2);
        assertThat(seg.timeIndex().entry(0)).isEqualTo(new TimeIndex.Entry(50, 0));
        assertThat(seg.timeIndex().entry(1)).isEqualTo(new TimeIndex.Entry(60, 3));
    }

    @Test
    void offsetForTimestampFindsFirstBatchReachingIt() {
        PartitionLog l = open(small().withIndexIntervalBytes(0), true);
        long[] ts = {100, 300, 200, 400, 400, 500, 450, 600, 700, 800, 900};
        for (long t : ts) l.append(batch(2, t, PAYLOAD));
        assertThat(l.numberOfSegments()).isGreaterThan(2);
        assertThat(l.offsetForTimestamp(0)).contains(new TimestampAndOffset(100, 0));
        assertThat(l.offsetForTimestamp(100)).contains(new TimestampAndOffset(100, 0));
        assertThat(l.offsetForTimestamp(101)).contains(new TimestampAndOffset(300, 2));
        assertThat(l.offsetForTimestamp(250)).contains(new TimestampAndOffset(300, 2));
        assertThat(l.offsetForTimestamp(301)).contains(new TimestampAndOffset(400, 6));
        assertThat(l.offsetForTimestamp(460)).contains(new TimestampAndOffset(500, 10));
        assertThat(l.offsetForTimestamp(501)).contains(new TimestampAndOffset(600, 14));
        assertThat(l.offsetForTimestamp(900)).contains(new TimestampAndOffset(900, 20));
        assertThat(l.offsetForTimestamp(901)).isEmpty();
        // brute force against every timestamp
        for (long t = 0; t <= 950; t += 7) {
            Long expect = null;
            for (int i = 0; i < ts.length; i++) {
                if (ts[i] >= t) {
                    expect = 2L * i;
                    break;
                }
            }
            assertThat(l.offsetForTimestamp(t).map(TimestampAndOffset::offset).orElse(null)).as("ts %d", t)
                    .isEqualTo(expect);
        }
        // after a restart the per-segment max timestamps are restored
        l.close();
        PartitionLog reopened = open(small().withIndexIntervalBytes(0), true);
        assertThat(reopened.offsetForTimestamp(460)).contains(new TimestampAndOffset(500, 10));
        assertThat(reopened.offsetForTimestamp(900)).contains(new TimestampAndOffset(900, 20));
    }

    @Test
    void rollsBySizeTimeIndexRoomAndRejectsOversizedAppends() {
        PartitionLog l = open(small().withSegmentMs(60_000), true);
        l.append(batch(1, 0, PAYLOAD));
        clock.advance(60_000);
        l.append(batch(1, 0, PAYLOAD));
        assertThat(l.numberOfSegments()).isEqualTo(1); // not older than segment.ms yet
        clock.advance(1);
        l.append(batch(1, 0, PAYLOAD));
        assertThat(l.numberOfSegments()).isEqualTo(2);
        assertThat(l.segments().get(1).baseOffset()).isEqualTo(2);
        // an empty segment is never rolled by time
        clock.advance(1_000_000);
        l.roll();
        l.roll();
        assertThat(l.numberOfSegments()).isEqualTo(3);
        l.append(batch(1, 0, PAYLOAD));
        assertThat(l.numberOfSegments()).isEqualTo(3);

        assertThatThrownBy(() -> l.append(batch(1, 0, 2000))).isInstanceOf(RecordBatchTooLargeException.class);

        // index full: 2 entries of room (16 bytes), entry on every batch after the first
        Path d2 = tmp.resolve("idx-0");
        PartitionLog l2 = PartitionLog.open(d2, "idx", 0, TOPIC_ID,
                LogConfig.DEFAULT.withIndexIntervalBytes(0).withSegmentIndexBytes(24), clock, true);
        opened.add(l2);
        for (int i = 0; i < 4; i++) l2.append(batch(1, i, 10));
        // offset index: 3 slots, time index: 2 slots -> rolled once the time index has no room
        assertThat(l2.numberOfSegments()).isEqualTo(2);
        assertThat(l2.segments().get(1).baseOffset()).isEqualTo(3);
        assertThat(readAll(l2, 0)).hasSize(4);
    }

    @Test
    void flushMessagesForcesDataToDisk() {
        PartitionLog l = open(small().withFlushMessages(3), true);
        l.append(batch(2, 0, PAYLOAD));
        assertThat(l.segments().get(0).isDirty()).isTrue();
        l.append(batch(1, 0, PAYLOAD));
        assertThat(l.segments().get(0).isDirty()).isFalse();
        l.append(batch(1, 0, PAYLOAD));
        l.flush();
        assertThat(l.segments().get(0).isDirty()).isFalse();
    }

    @Test
    void logAppendTimeIsReported() {
        PartitionLog l = open(small(), true);
        LogAppendResult r = l.append(batch(1, 0, PAYLOAD, (byte) RecordBatch.TIMESTAMP_TYPE_MASK));
        assertThat(r.logAppendTime()).isEqualTo(clock.millis());
    }

    @Test
    void rejectsMalformedBuffers() {
        PartitionLog l = open(small(), true);
        ByteBuffer b = batch(1, 0, PAYLOAD);
        b.limit(b.limit() - 1);
        assertThatThrownBy(() -> l.append(b)).isInstanceOf(IllegalArgumentException.class);
        ByteBuffer m = batch(1, 0, PAYLOAD);
        m.put(RecordBatch.MAGIC_OFFSET, (byte) 1);
        assertThatThrownBy(() -> l.append(m)).isInstanceOf(IllegalArgumentException.class);
        assertThat(l.logEndOffset()).isZero();
        assertThat(l.sizeInBytes()).isZero();
    }

    @Test
    void restartKeepsDataAndContinuesOffsets() throws IOException {
        PartitionLog l = open(small(), true);
        appendN(l, 12, 3, 0);
        long leo = l.logEndOffset();
        l.close();
        assertThat(Files.readString(dir().resolve("partition.metadata")))
                .isEqualTo("version: 0\ntopic_id: " + PartitionMetadataFile.formatTopicId(TOPIC_ID) + "\n");
        PartitionLog r = PartitionLog.open(dir(), "orders", 0, null, small(), clock, true);
        opened.add(r);
        assertThat(r.topicId()).contains(TOPIC_ID);
        assertThat(r.logEndOffset()).isEqualTo(leo);
        assertThat(r.numberOfSegments()).isEqualTo(3);
        assertThat(r.append(batch(2, 0, PAYLOAD)).firstOffset()).isEqualTo(leo);
        assertThat(readAll(r, 0)).hasSize(13);
        assertThat(Files.list(dir()).map(p -> p.getFileName().toString()).sorted().toList())
                .contains("00000000000000000000.log", "00000000000000000000.index",
                        "00000000000000000000.timeindex", "00000000000000000015.log", "partition.metadata");
    }

    @Test
    void uncleanRestartWithoutDamageKeepsEverything() {
        PartitionLog l = open(small(), true);
        appendN(l, 12, 3, 0);
        long leo = l.logEndOffset();
        // crash: no close, active index files still preallocated
        PartitionLog r = open(small(), false);
        assertThat(r.logEndOffset()).isEqualTo(leo);
        assertThat(r.segments().get(r.numberOfSegments() - 1).offsetIndex().entries())
                .isEqualTo(l.segments().get(l.numberOfSegments() - 1).offsetIndex().entries());
        assertThat(readAll(r, 0)).hasSize(12);
    }

    @Test
    void recoveryTruncatesGarbageAfterLastBatch() throws IOException {
        PartitionLog l = open(small(), true);
        appendN(l, 7, 2, 0);
        long leo = l.logEndOffset();
        Path active = l.segments().get(1).logFile();
        long sizeBefore = Files.size(active);
        Files.write(active, new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
                49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64}, StandardOpenOption.APPEND);
        PartitionLog r = open(small(), false);
        assertThat(Files.size(active)).isEqualTo(sizeBefore);
        assertThat(r.logEndOffset()).isEqualTo(leo);
        assertThat(r.append(batch(1, 0, PAYLOAD)).firstOffset()).isEqualTo(leo);
        assertThat(readAll(r, 0)).hasSize(8);
    }

    @Test
    void recoveryTruncatesPartialAndCorruptBatches() throws IOException {
        PartitionLog l = open(small(), true);
        appendN(l, 7, 2, 0); // segments: [0..9], [10..13]
        Path active = l.segments().get(1).logFile();
        ByteBuffer torn = batch(2, 0, PAYLOAD);
        torn.putLong(0, 14);
        torn.limit(150); // a partial write
        try (var ch = java.nio.channels.FileChannel.open(active, StandardOpenOption.APPEND)) {
            ch.write(torn);
        }
        PartitionLog r = open(small(), false);
        assertThat(r.logEndOffset()).isEqualTo(14);
        assertThat(Files.size(active)).isEqualTo(2 * BATCH);

        // Corrupt a byte inside the last whole batch: its CRC no longer matches, so it goes too.
        try (var ch = java.nio.channels.FileChannel.open(active, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[]{(byte) 0xEE}), BATCH + 100);
        }
        PartitionLog r2 = open(small(), false);
        assertThat(r2.logEndOffset()).isEqualTo(12);
        assertThat(Files.size(active)).isEqualTo(BATCH);
        assertThat(r2.append(batch(3, 0, PAYLOAD)).firstOffset()).isEqualTo(12);
        assertThat(readAll(r2, 0)).hasSize(7);
    }

    @Test
    void missingIndexesAreRebuiltOnCleanAndUncleanStart() throws IOException {
        LogConfig cfg = small().withIndexIntervalBytes(0);
        PartitionLog l = open(cfg, true);
        appendN(l, 12, 2, 500);
        List<Integer> entries = l.segments().stream().map(s -> s.offsetIndex().entries()).toList();
        List<Integer> timeEntries = l.segments().stream().map(s -> s.timeIndex().entries()).toList();
        l.close();
        for (LogSegment s : l.segments()) {
            Files.delete(s.offsetIndex().path());
            Files.delete(s.timeIndex().path());
        }
        PartitionLog r = open(cfg, true);
        assertThat(r.segments().stream().map(s -> s.offsetIndex().entries()).toList()).isEqualTo(entries);
        assertThat(r.segments().stream().map(s -> s.timeIndex().entries()).toList()).isEqualTo(timeEntries);
        assertThat(r.offsetForTimestamp(505)).contains(new TimestampAndOffset(505, 10));
        r.close();
        Files.delete(r.segments().get(0).timeIndex().path());
        Files.delete(r.segments().get(2).offsetIndex().path());
        PartitionLog r2 = open(cfg, false);
        assertThat(r2.segments().stream().map(s -> s.offsetIndex().entries()).toList()).isEqualTo(entries);
        assertThat(r2.segments().get(0).timeIndex().path()).exists();
        assertThat(readAll(r2, 0)).hasSize(12);
        assertThat(r2.logEndOffset()).isEqualTo(24);
    }

    @Test
    void staleIndexIsRebuilt() throws IOException {
        LogConfig cfg = small().withIndexIntervalBytes(0);
        PartitionLog l = open(cfg, true);
        appendN(l, 12, 2, 0);
        l.close();
        LogSegment first = l.segments().get(0);
        int entries = first.offsetIndex().entries();
        // Point the last entry past the end of the .log file.
        try (var ch = java.nio.channels.FileChannel.open(first.offsetIndex().path(), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).putInt(0, 5000), (entries - 1) * 8L + 4);
        }
        // Make the second segment's entries non-monotonic.
        LogSegment second = l.segments().get(1);
        try (var ch = java.nio.channels.FileChannel.open(second.offsetIndex().path(), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).putInt(0, 1).putInt(4, 600), 8L);
        }
        PartitionLog r = open(cfg, false);
        assertThat(r.segments().get(0).offsetIndex().entry(entries - 1).position()).isEqualTo(entries * BATCH);
        assertThat(r.segments().get(1).offsetIndex().entry(1)).isEqualTo(
                new OffsetIndex.Entry(second.baseOffset() + 5, 2 * BATCH));
        for (long o = 0; o < r.logEndOffset(); o++) {
            Header h = headers(r.read(o, 1)).get(0);
            assertThat(o).isBetween(h.baseOffset(), h.lastOffset());
        }
    }

    @Test
    void uncleanStartRecoversTornMiddleSegmentAndDropsLaterOnes() throws IOException {
        LogConfig cfg = small();
        PartitionLog l = open(cfg, true);
        appendN(l, 12, 2, 0); // segments at 0, 10, 20
        l.close();
        LogSegment second = l.segments().get(1);
        // Damage the second segment and its index so that it is rebuilt and cut short.
        try (var ch = java.nio.channels.FileChannel.open(second.logFile(), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[]{0, 0, 0, 0}), 3 * BATCH + RecordBatch.LENGTH_OFFSET);
        }
        Files.delete(second.offsetIndex().path());
        PartitionLog r = open(cfg, false);
        assertThat(r.numberOfSegments()).isEqualTo(2);
        assertThat(r.logEndOffset()).isEqualTo(16);
        assertThat(l.segments().get(2).logFile()).doesNotExist();
        assertThat(r.append(batch(1, 0, PAYLOAD)).firstOffset()).isEqualTo(16);
        assertThat(readAll(r, 0)).hasSize(9);
    }

    @Test
    void readersSeeOnlyWholeBatchesWhileAppending() throws Exception {
        PartitionLog l = open(LogConfig.DEFAULT.withSegmentBytes(64 * 1024).withIndexIntervalBytes(1024), true);
        int total = 2000;
        Thread writer = new Thread(() -> {
            for (int i = 0; i < total; i++) l.append(batch(1 + i % 5, i, 50 + i % 300));
        });
        writer.start();
        long next = 0;
        int seen = 0;
        while (seen < total) {
            if (next >= l.logEndOffset()) {
                Thread.onSpinWait();
                continue;
            }
            List<Header> hs = headers(l.read(next, 5000));
            assertThat(hs).isNotEmpty().allMatch(Header::valid);
            assertThat(hs.get(0).baseOffset()).isEqualTo(next);
            seen += hs.size();
            next = hs.get(hs.size() - 1).lastOffset() + 1;
        }
        writer.join();
        assertThat(next).isEqualTo(l.logEndOffset());
    }

    @Test
    void deleteRemovesDirectory() {
        PartitionLog l = open(small(), true);
        appendN(l, 8, 1, 0);
        LogReadResult inFlight = l.read(0, 1000);
        l.delete();
        assertThat(dir()).doesNotExist();
        // a slice handed out before the delete is still readable (open file)
        assertThat(headers(inFlight)).isNotEmpty();
        assertThatThrownBy(() -> l.append(batch(1, 0, PAYLOAD))).isInstanceOf(IllegalStateException.class);
    }
}
