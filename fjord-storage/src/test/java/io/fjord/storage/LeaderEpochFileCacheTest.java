package io.fjord.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LeaderEpochFileCacheTest {
    @TempDir
    Path dir;

    private LeaderEpochFileCache cache() {
        return LeaderEpochFileCache.of(dir, List.of());
    }

    private String fileText() throws Exception {
        return Files.readString(dir.resolve(LeaderEpochFileCache.FILE_NAME));
    }

    @Test
    void assignKeepsNewerEpochsOnlyAndWritesKafkasFormat() throws Exception {
        LeaderEpochFileCache c = cache();
        assertThat(c.latestEpoch()).isEmpty();
        c.assign(0, 0);
        c.assign(0, 5);   // same epoch: already recorded
        c.assign(2, 10);
        c.assign(1, 20);  // older epoch: ignored
        c.assign(2, 3);   // same epoch, lower offset: ignored (the brief's rule)
        c.assign(5, 30);
        assertThat(c.entries()).containsExactly(new EpochEntry(0, 0), new EpochEntry(2, 10), new EpochEntry(5, 30));
        assertThat(c.latestEpoch()).isEqualTo(OptionalInt.of(5));
        assertThat(c.startOffsetOf(2)).isEqualTo(OptionalLong.of(10));
        assertThat(c.startOffsetOf(1)).isEmpty();
        assertThat(fileText()).isEqualTo("0\n3\n0 0\n2 10\n5 30\n");
        assertThat(dir.resolve(LeaderEpochFileCache.FILE_NAME + ".tmp")).doesNotExist();
        assertThatThrownBy(() -> c.assign(-1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.assign(9, -2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void newEpochBelowLatestStartDropsTheEntriesAtOrAfterIt() {
        LeaderEpochFileCache c = cache();
        c.assign(1, 0);
        c.assign(2, 10);
        c.assign(3, 20);
        c.assign(4, 10); // start 10: entries starting at 10 and 20 go
        assertThat(c.entries()).containsExactly(new EpochEntry(1, 0), new EpochEntry(4, 10));
    }

    @Test
    void endOffsetForFollowsKafka() {
        LeaderEpochFileCache c = cache();
        assertThat(c.endOffsetFor(0, 100)).isEqualTo(EpochEndOffset.UNDEFINED); // empty
        c.assign(2, 10);
        c.assign(4, 50);
        c.assign(7, 80);
        long leo = 95;
        assertThat(c.endOffsetFor(7, leo)).isEqualTo(new EpochEndOffset(7, 95));   // latest -> log end
        assertThat(c.endOffsetFor(2, leo)).isEqualTo(new EpochEndOffset(2, 50));   // next epoch's start
        assertThat(c.endOffsetFor(4, leo)).isEqualTo(new EpochEndOffset(4, 80));
        assertThat(c.endOffsetFor(3, leo)).isEqualTo(new EpochEndOffset(2, 50));   // largest <= requested
        assertThat(c.endOffsetFor(6, leo)).isEqualTo(new EpochEndOffset(4, 80));
        assertThat(c.endOffsetFor(1, leo)).isEqualTo(new EpochEndOffset(1, 10));   // below the first entry
        assertThat(c.endOffsetFor(8, leo)).isEqualTo(EpochEndOffset.UNDEFINED);    // above the latest
        assertThat(c.endOffsetFor(-1, leo)).isEqualTo(EpochEndOffset.UNDEFINED);
        assertThat(c.endOffsetFor(-1, leo).isUndefined()).isTrue();
    }

    @Test
    void truncateFromEndAndStartAndClear() throws Exception {
        LeaderEpochFileCache c = cache();
        c.assign(0, 0);
        c.assign(1, 10);
        c.assign(2, 20);
        c.assign(3, 30);
        c.truncateFromEnd(31);
        assertThat(c.entries()).hasSize(4);
        c.truncateFromEnd(20); // entries starting at or after 20 go
        assertThat(c.entries()).containsExactly(new EpochEntry(0, 0), new EpochEntry(1, 10));
        c.truncateFromStart(5); // (0,0) spans 5: moved
        assertThat(c.entries()).containsExactly(new EpochEntry(0, 5), new EpochEntry(1, 10));
        c.truncateFromStart(15); // (0,5) wholly below, (1,10) spans 15
        assertThat(c.entries()).containsExactly(new EpochEntry(1, 15));
        c.truncateFromStart(15);
        assertThat(c.entries()).containsExactly(new EpochEntry(1, 15));
        c.truncateFromStart(3); // below the first entry: nothing
        assertThat(c.entries()).containsExactly(new EpochEntry(1, 15));
        assertThat(fileText()).isEqualTo("0\n1\n1 15\n");
        c.clear();
        assertThat(c.entries()).isEmpty();
        assertThat(c.latestEpoch()).isEmpty();
        assertThat(fileText()).isEqualTo("0\n0\n");
    }

    @Test
    void truncateFromStartAtAnEntryBoundaryDropsTheEarlierOnes() {
        LeaderEpochFileCache c = cache();
        c.assign(0, 0);
        c.assign(1, 10);
        c.assign(2, 20);
        c.truncateFromStart(20);
        assertThat(c.entries()).containsExactly(new EpochEntry(2, 20));
    }

    @Test
    void fileRoundTripAndMalformedFilesReadAsMissing() throws Exception {
        LeaderEpochFileCache c = cache();
        Random rnd = new Random(42);
        long offset = 0;
        List<EpochEntry> expected = new ArrayList<>();
        for (int epoch = 0; epoch < 50; epoch += 1 + rnd.nextInt(3)) {
            offset += rnd.nextInt(1000);
            c.assign(epoch, offset);
            expected.add(new EpochEntry(epoch, offset));
        }
        assertThat(LeaderEpochFileCache.readFile(dir)).isEqualTo(expected);
        Path f = dir.resolve(LeaderEpochFileCache.FILE_NAME);
        for (String bad : List.of("", "1\n0\n", "0\n2\n1 5\n", "0\n1\n1 x\n", "0\n2\n3 5\n2 9\n", "0\n2\n1 9\n2 5\n",
                "0\n1\n-1 0\n", "0\n1\n1 2 3\n")) {
            Files.writeString(f, bad);
            assertThat(LeaderEpochFileCache.readFile(dir)).as("'%s'", bad).isNull();
        }
        Files.delete(f);
        assertThat(LeaderEpochFileCache.readFile(dir)).isNull();
        Files.writeString(f, "0\n0\n");
        assertThat(LeaderEpochFileCache.readFile(dir)).isEmpty();
    }

    @Test
    void concurrentReadersSeeAscendingEntries() throws Exception {
        LeaderEpochFileCache c = cache();
        Thread writer = new Thread(() -> {
            for (int e = 0; e < 300; e++) {
                c.assign(e, e * 10L);
                if (e % 7 == 6) c.truncateFromEnd(e * 10L - 15);
            }
        });
        writer.start();
        List<String> problems = new ArrayList<>();
        while (writer.isAlive()) {
            List<EpochEntry> es = c.entries();
            for (int i = 1; i < es.size(); i++) {
                if (es.get(i).epoch() <= es.get(i - 1).epoch() || es.get(i).startOffset() < es.get(i - 1).startOffset()) {
                    problems.add(es.toString());
                }
            }
            EpochEndOffset eo = c.endOffsetFor(150, 5000);
            if (!eo.isUndefined() && eo.epoch() > 150) problems.add("epoch " + eo);
        }
        writer.join(60_000);
        assertThat(problems).isEmpty();
        assertThat(LeaderEpochFileCache.readFile(dir)).isEqualTo(c.entries());
    }
}
