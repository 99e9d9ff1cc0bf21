package io.fjord.storage;

import io.fjord.protocol.api.Errors;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.storage.TestBatches.Header;
import io.fjord.storage.TestBatches.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;

import static io.fjord.storage.TestBatches.concat;
import static io.fjord.storage.TestBatches.headers;
import static io.fjord.storage.TestBatches.leaderBatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link PartitionLog#appendAsFollower}, the epoch cache the log keeps, and the high watermark's clamping. */
class FollowerAppendTest {
    private static final UUID TOPIC_ID = UUID.randomUUID();

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
                // closed by the test
            }
        }
    }

    private PartitionLog open(LogConfig cfg, boolean clean) {
        PartitionLog l = PartitionLog.open(tmp.resolve("t-0"), "t", 0, TOPIC_ID, cfg, clock, clean);
        opened.add(l);
        return l;
    }

    private static LogConfig small() {
        return LogConfig.DEFAULT.withSegmentBytes(1024).withIndexIntervalBytes(200);
    }

    private static List<Header> readAll(PartitionLog l) {
        List<Header> out = new ArrayList<>();
        long next = l.logStartOffset();
        for (int guard = 0; next < l.logEndOffset() && guard < 10_000; guard++) {
            List<Header> hs = headers(l.read(next, 100_000));
            if (hs.isEmpty()) break;
            out.addAll(hs);
            next = hs.get(hs.size() - 1).lastOffset() + 1;
        }
        return out;
    }

    @Test
    void keepsTheLeadersOffsetsIncludingGaps() {
        PartitionLog l = open(small(), true);
        LogAppendResult r = l.appendAsFollower(concat(leaderBatch(0, 3, 0), leaderBatch(3, 2, 0)));
        assertThat(r.firstOffset()).isZero();
        assertThat(r.lastOffset()).isEqualTo(4);
        assertThat(r.batchCount()).isEqualTo(2);
        assertThat(r.isDuplicate()).isFalse();
        // A compacted leader log has gaps: the next batch may start after the log end.
        l.appendAsFollower(leaderBatch(10, 5, 1));
        assertThat(l.logEndOffset()).isEqualTo(15);
        assertThat(readAll(l)).extracting(Header::baseOffset).containsExactly(0L, 3L, 10L);
        assertThat(readAll(l)).allMatch(Header::valid);
        assertThat(l.read(7, 1000).firstOffset()).isEqualTo(10); // an offset in the gap reads the next batch
        l.close();
        PartitionLog again = open(small(), false);
        assertThat(again.logEndOffset()).isEqualTo(15);
        assertThat(readAll(again)).extracting(Header::lastOffset).containsExactly(2L, 4L, 14L);
    }

    @Test
    void truncatingAtTheLogEndDropsAnEpochThatNeverGotData() {
        // This replica led epoch 2 from offset 5 and was deposed before appending: the cache says (2, 5) at log end 5.
        PartitionLog l = open(small(), true);
        l.appendAsFollower(leaderBatch(0, 5, 1));
        l.leaderEpochCache().assign(2, 5);
        assertThat(l.latestEpoch()).hasValue(2);
        l.truncateTo(5); // the new leader's answer: epoch 1 ends at 5 — nothing to cut, but epoch 2 must go
        assertThat(l.logEndOffset()).isEqualTo(5);
        assertThat(l.latestEpoch()).hasValue(1);
        assertThat(l.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 5));
    }

    @Test
    void rejectsCorruptOrTornBatchesAndAppendsNothing() {
        PartitionLog l = open(small(), true);
        l.appendAsFollower(leaderBatch(0, 2, 0));
        ByteBuffer bad = leaderBatch(2, 2, 0);
        bad.put(RecordBatch.HEADER_SIZE + 3, (byte) (bad.get(RecordBatch.HEADER_SIZE + 3) ^ 0x55));
        ByteBuffer good = leaderBatch(4, 1, 0);
        // The second batch of the buffer is corrupt: the first is not appended either.
        assertThatThrownBy(() -> l.appendAsFollower(concat(leaderBatch(2, 2, 0), concat(leaderBatch(4, 1, 0), bad))))
                .isInstanceOf(CorruptRecordException.class)
                .satisfies(e -> assertThat(((CorruptRecordException) e).error()).isEqualTo(Errors.CORRUPT_MESSAGE))
                .hasMessageContaining("CRC");
        ByteBuffer torn = concat(good).limit(good.remaining() - 7);
        assertThatThrownBy(() -> l.appendAsFollower(torn)).isInstanceOf(CorruptRecordException.class);
        ByteBuffer magic1 = leaderBatch(2, 1, 0);
        magic1.put(RecordBatch.MAGIC_OFFSET, (byte) 1);
        assertThatThrownBy(() -> l.appendAsFollower(magic1)).isInstanceOf(CorruptRecordException.class);
        assertThatThrownBy(() -> l.appendAsFollower(ByteBuffer.allocate(0))).isInstanceOf(IllegalArgumentException.class);
        assertThat(l.logEndOffset()).isEqualTo(2);
        assertThat(l.segments().get(0).sizeInBytes()).isEqualTo(leaderBatch(0, 2, 0).remaining());
    }

    @Test
    void rejectsOffsetsBelowTheLogEndOrNotIncreasing() {
        PartitionLog l = open(small(), true);
        l.appendAsFollower(leaderBatch(0, 5, 0));
        assertThatThrownBy(() -> l.appendAsFollower(leaderBatch(3, 2, 0)))
                .isInstanceOf(UnexpectedAppendOffsetException.class)
                .satisfies(e -> {
                    UnexpectedAppendOffsetException u = (UnexpectedAppendOffsetException) e;
                    assertThat(u.firstOffset()).isEqualTo(3);
                    assertThat(u.logEndOffset()).isEqualTo(5);
                });
        // Overlapping batches inside one append.
        assertThatThrownBy(() -> l.appendAsFollower(concat(leaderBatch(5, 3, 0), leaderBatch(7, 1, 0))))
                .isInstanceOf(UnexpectedAppendOffsetException.class);
        assertThatThrownBy(() -> l.appendAsFollower(concat(leaderBatch(9, 1, 0), leaderBatch(5, 1, 0))))
                .isInstanceOf(UnexpectedAppendOffsetException.class);
        assertThat(l.logEndOffset()).isEqualTo(5);
        assertThat(readAll(l)).hasSize(1);
    }

    @Test
    void aFetchLargerThanASegmentIsWrittenInRunsWithRolls() {
        PartitionLog l = open(small(), true);
        List<ByteBuffer> parts = new ArrayList<>();
        long base = 0;
        for (int i = 0; i < 20; i++) {
            parts.add(leaderBatch(base, 2, 3, 5000 + i, 139, -1, (short) -1, -1)); // 200-byte batches
            base += 2;
        }
        LogAppendResult r = l.appendAsFollower(concat(parts));
        assertThat(r.sizeInBytes()).isEqualTo(4000);
        assertThat(r.segmentBaseOffset()).isZero();
        assertThat(l.logEndOffset()).isEqualTo(40);
        assertThat(l.numberOfSegments()).isEqualTo(4); // 5 batches of 200 bytes per 1024-byte segment
        assertThat(l.segments()).allMatch(s -> s.sizeInBytes() <= 1024);
        assertThat(l.segments()).extracting(LogSegment::baseOffset).containsExactly(0L, 10L, 20L, 30L);
        for (long o = 0; o < 40; o++) {
            assertThat(l.read(o, 1).firstOffset()).isEqualTo(o - o % 2);
        }
        assertThat(l.offsetForTimestamp(5013).orElseThrow().offset()).isEqualTo(26);
        ByteBuffer huge = leaderBatch(40, 1, 3, 1, 2000, -1, (short) -1, -1);
        assertThatThrownBy(() -> l.appendAsFollower(huge)).isInstanceOf(RecordBatchTooLargeException.class);
    }

    @Test
    void producerStateIsRecordedWithoutChecksAndDeduplicatesOnceLeader() {
        PartitionLog l = open(small(), true);
        long pid = 77;
        // Sequences a leader would have refused here are taken as they come: the leader decided.
        l.appendAsFollower(leaderBatch(0, 2, 0, 1, 40, pid, (short) 0, 10));
        l.appendAsFollower(leaderBatch(2, 3, 0, 1, 40, pid, (short) 0, 12));
        assertThat(l.producerState().lastSequenceOf(pid)).isEqualTo(14);
        assertThat(l.producerState().epochOf(pid)).isZero();
        // This replica becomes leader and the producer retries its last batch: a duplicate with the original offsets.
        ByteBuffer retry = leaderBatch(0, 3, 1, 1, 40, pid, (short) 0, 12);
        LogAppendResult dup = l.append(retry);
        assertThat(dup.isDuplicate()).isTrue();
        assertThat(dup.firstOffset()).isEqualTo(2);
        assertThat(dup.lastOffset()).isEqualTo(4);
        assertThat(l.append(leaderBatch(0, 1, 1, 1, 40, pid, (short) 0, 15)).firstOffset()).isEqualTo(5);
        assertThat(l.producerState().lastSequenceOf(pid)).isEqualTo(15);
    }

    @Test
    void epochCacheFollowsTheBatchesOfBothKindsOfAppend() throws Exception {
        PartitionLog l = open(small(), true);
        assertThat(l.latestEpoch()).isEmpty();
        assertThat(l.endOffsetForEpoch(0)).isEqualTo(EpochEndOffset.UNDEFINED);
        l.appendAsFollower(concat(leaderBatch(0, 2, -1), leaderBatch(2, 2, 0), leaderBatch(4, 2, 0)));
        l.appendAsFollower(concat(leaderBatch(6, 1, 2), leaderBatch(7, 1, 1), leaderBatch(8, 4, 5)));
        assertThat(l.leaderEpochCache().entries()).containsExactly(new EpochEntry(0, 2), new EpochEntry(2, 6),
                new EpochEntry(5, 8));
        // Leader appends: the produce handler stamps the epoch; offsets are assigned by the log.
        ByteBuffer produced = TestBatches.batch(3, 9, 40);
        RecordBatch.setPartitionLeaderEpoch(produced, 0, 7);
        l.append(produced);
        l.append(TestBatches.batch(1, 9, 40)); // epoch 0 < latest: no change
        assertThat(l.latestEpoch()).isEqualTo(OptionalInt.of(7));
        assertThat(l.leaderEpochCache().startOffsetOf(7)).hasValue(12);
        assertThat(l.endOffsetForEpoch(7)).isEqualTo(new EpochEndOffset(7, 16));
        assertThat(l.endOffsetForEpoch(5)).isEqualTo(new EpochEndOffset(5, 12));
        assertThat(l.endOffsetForEpoch(3)).isEqualTo(new EpochEndOffset(2, 8));
        // Becoming leader in epoch 9 at the log end, before any batch of it.
        l.maybeAssignEpochStartOffset(9, l.logEndOffset());
        assertThat(l.endOffsetForEpoch(7)).isEqualTo(new EpochEndOffset(7, 16));
        assertThat(Files.readString(l.dir().resolve(LeaderEpochFileCache.FILE_NAME)))
                .isEqualTo("0\n5\n0 2\n2 6\n5 8\n7 12\n9 16\n");
        l.close();
        // On load, entries at or beyond the log end go: epoch 9 wrote nothing yet (a new leader assigns it again).
        assertThat(open(small(), true).leaderEpochCache().entries()).hasSize(4);
    }

    @Test
    void epochCacheIsRebuiltFromBatchesWhenMissingOrCorruptAndTrimmedToTheLog() throws Exception {
        PartitionLog l = open(small(), true);
        for (int i = 0; i < 12; i++) l.appendAsFollower(leaderBatch(i * 3L, 3, i / 4));
        List<EpochEntry> expected = List.of(new EpochEntry(0, 0), new EpochEntry(1, 12), new EpochEntry(2, 24));
        assertThat(l.leaderEpochCache().entries()).isEqualTo(expected);
        l.close();
        Path file = l.dir().resolve(LeaderEpochFileCache.FILE_NAME);
        Files.delete(file);
        PartitionLog rebuilt = open(small(), true);
        assertThat(rebuilt.leaderEpochCache().entries()).isEqualTo(expected);
        assertThat(file).exists();
        rebuilt.close();
        Files.writeString(file, "0\n3\n0 0\ngarbage\n");
        PartitionLog fromCorrupt = open(small(), true);
        assertThat(fromCorrupt.leaderEpochCache().entries()).isEqualTo(expected);
        fromCorrupt.close();
        // Entries beyond the log end (the data was lost in a crash after the epoch was recorded) are trimmed.
        Files.writeString(file, "0\n5\n0 0\n1 12\n2 24\n3 36\n4 50\n");
        PartitionLog trimmed = open(small(), false);
        assertThat(trimmed.leaderEpochCache().entries()).isEqualTo(expected);
        assertThat(LeaderEpochFileCache.readFile(trimmed.dir())).isEqualTo(expected);
    }

    @Test
    void logStartMovesTheFirstEpochEntryAndTheHighWatermark() {
        PartitionLog l = open(small(), true);
        for (int i = 0; i < 12; i++) { // 361-byte batches: two per 1024-byte segment, six offsets each
            l.appendAsFollower(leaderBatch(i * 3L, 3, i / 4, 1, 300, -1, (short) -1, -1));
        }
        l.updateHighWatermark(10);
        assertThat(l.maybeIncrementLogStartOffset(14)).isTrue();
        assertThat(l.leaderEpochCache().entries()).containsExactly(new EpochEntry(1, 14), new EpochEntry(2, 24));
        assertThat(l.highWatermark()).isEqualTo(14); // never below the log start
        // Retention deleting whole segments moves the start to the first kept segment's base.
        l.updateHighWatermark(l.logEndOffset());
        int deleted = l.deleteOldSegments((s, end) -> end <= 30, l.highWatermark(), "test");
        assertThat(deleted).isEqualTo(5);
        assertThat(l.logStartOffset()).isEqualTo(30);
        assertThat(l.leaderEpochCache().entries()).containsExactly(new EpochEntry(2, 30));
    }

    @Test
    void highWatermarkIsClampedToTheLog() {
        PartitionLog l = open(small(), true);
        assertThat(l.highWatermark()).isZero();
        l.appendAsFollower(leaderBatch(0, 10, 0));
        assertThat(l.highWatermark()).isZero(); // the log never moves it by itself
        l.updateHighWatermark(4);
        assertThat(l.highWatermark()).isEqualTo(4);
        l.updateHighWatermark(99);
        assertThat(l.highWatermark()).isEqualTo(10);
        l.updateHighWatermark(3); // the broker may lower it (e.g. a new leader)
        assertThat(l.highWatermark()).isEqualTo(3);
        l.maybeIncrementLogStartOffset(2);
        l.updateHighWatermark(-5);
        assertThat(l.highWatermark()).isEqualTo(2);
    }
}
