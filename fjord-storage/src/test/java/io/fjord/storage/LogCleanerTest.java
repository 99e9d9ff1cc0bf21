package io.fjord.storage;

import io.fjord.storage.CompactionTestSupport.Latest;
import io.fjord.storage.CompactionTestSupport.Model;
import io.fjord.storage.TestBatches.ManualClock;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.storage.cleaner.CleanerCheckpoint;
import io.fjord.storage.cleaner.LogCleaner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;

import static io.fjord.storage.CompactionTestSupport.appendRandomBatch;
import static io.fjord.storage.CompactionTestSupport.assertLiveKeysReadable;
import static io.fjord.storage.CompactionTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LogCleanerTest {
    private static final UUID TOPIC_ID = UUID.fromString("6d1a4c1e-7f5e-4c55-9a4e-2f1b0c9d8e7f");
    private static final long RETENTION = 1_000;

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
                // crashed logs
            }
        }
    }

    private PartitionLog open(Path dir, LogConfig cfg, boolean clean) {
        PartitionLog l = PartitionLog.open(dir, "facts", 0, TOPIC_ID, cfg, clock, clean);
        opened.add(l);
        return l;
    }

    private static LogConfig compacted(int segmentBytes, int indexInterval, double ratio, long lag) {
        return LogConfig.DEFAULT.withSegmentBytes(segmentBytes).withIndexIntervalBytes(indexInterval)
                .withCompaction(new LogConfig.Compaction(true, RETENTION, ratio, lag));
    }

    private LogCleaner cleaner(PartitionLog l) {
        return new LogCleaner(() -> List.of(l), 1, 10, clock);
    }

    /** 2b: random workloads, compared with the model after each pass, after tombstone expiry and after reopening. */
    @Test
    void cleanedLogMatchesModel() throws Exception {
        for (int seed = 0; seed < 25; seed++) {
            Random rnd = new Random(seed);
            Path dir = tmp.resolve("seed" + seed).resolve("facts-0");
            LogConfig cfg = compacted(1024 + rnd.nextInt(3000), rnd.nextInt(600), rnd.nextDouble(), 0);
            PartitionLog log = open(dir, cfg, true);
            LogCleaner cleaner = cleaner(log);
            Model model = new Model();
            int keys = 1 + rnd.nextInt(40);
            int batches = 20 + rnd.nextInt(80);
            for (int i = 0; i < batches; i++) {
                appendRandomBatch(log, model, rnd, keys, clock.millis());
                clock.advance(rnd.nextInt(4));
                if (rnd.nextInt(10) == 0) {
                    cleaner.clean(log);
                    assertLiveKeysReadable(log, model);
                }
            }
            log.roll();
            cleaner.clean(log);
            assertThat(readAll(log)).as("seed %d after a full pass", seed).isEqualTo(model.expected(true));
            assertGapReads(log, model.expected(true), rnd);

            clock.advance(RETENTION);
            assertThat(cleaner.cleanOnce()).as("an expired delete horizon makes the log due").isEqualTo(
                    model.expected(true).size() != model.expected(false).size());
            cleaner.clean(log);
            List<Latest> live = model.expected(false);
            assertThat(readAll(log)).as("seed %d after tombstone expiry", seed).isEqualTo(live);
            assertThat(cleaner.cleanOnce()).as("nothing left to do").isFalse();

            log.close();
            PartitionLog reopened = open(dir, cfg, rnd.nextBoolean());
            assertThat(readAll(reopened)).as("seed %d after reopening", seed).isEqualTo(live);
            assertGapReads(reopened, live, rnd);
            assertThat(CleanerCheckpoint.read(dir.getParent())).containsValue(reopened.logEndOffset());
            reopened.close();
        }
    }

    /** Reading at any offset, removed or not, returns the batch holding the next surviving record. */
    private static void assertGapReads(PartitionLog log, List<Latest> expected, Random rnd) {
        for (int i = 0; i < 30; i++) {
            long o = log.logStartOffset() + (long) (rnd.nextDouble() * (log.logEndOffset() - log.logStartOffset()));
            Latest next = expected.stream().filter(l -> l.offset() >= o).findFirst().orElse(null);
            ByteBuffer buf = log.read(o, 1).records().readAll();
            if (buf.hasRemaining()) assertThat(RecordBatch.lastOffset(buf, 0)).isGreaterThanOrEqualTo(o);
            List<Latest> got = readAll(log, o);
            if (next == null) assertThat(got).isEmpty();
            else assertThat(got.get(0)).isEqualTo(next);
        }
    }

    @Test
    void respectsDirtyRatioAndCompactionLag() throws Exception {
        Random rnd = new Random(7);
        PartitionLog log = open(tmp.resolve("facts-0"), compacted(1024, 100, 0.99, 0), true);
        LogCleaner cleaner = cleaner(log);
        Model model = new Model();
        for (int i = 0; i < 40; i++) appendRandomBatch(log, model, rnd, 5, clock.millis());
        assertThat(cleaner.cleanOnce()).as("first sight: one pass").isTrue();
        long checkpoint = cleaner.firstDirtyOffset(log);
        assertThat(checkpoint).isEqualTo(log.segments().get(log.numberOfSegments() - 1).baseOffset());
        for (int i = 0; i < 10; i++) appendRandomBatch(log, model, rnd, 5, clock.millis());
        assertThat(cleaner.cleanOnce()).as("dirty ratio below 0.99").isFalse();

        PartitionLog lagged = open(tmp.resolve("other").resolve("facts-0"), compacted(1024, 100, 0.0, 60_000), true);
        LogCleaner lagCleaner = cleaner(lagged);
        for (int i = 0; i < 40; i++) appendRandomBatch(lagged, new Model(), rnd, 5, clock.millis());
        lagCleaner.clean(lagged);
        assertThat(lagCleaner.firstDirtyOffset(lagged)).as("records younger than the lag stay dirty").isZero();
        clock.advance(60_010);
        lagCleaner.clean(lagged);
        assertThat(lagCleaner.firstDirtyOffset(lagged)).isGreaterThan(0);
        assertThat(lagged.segments().get(lagged.numberOfSegments() - 1).sizeInBytes())
                .as("the active segment is never cleaned").isGreaterThan(0);
    }

    /** 2c: a crash at every step of every segment swap leaves a log where every live key reads its latest value. */
    @Test
    void crashAtEverySwapStepLosesNoLiveKey() throws Exception {
        List<String> steps = new ArrayList<>();
        runCrashScenario(tmp.resolve("dry"), step -> steps.add(step));
        assertThat(steps).contains("before-swap", "swapped", "installed");
        // Every step of the first swap that merges several segments (before the rename, after it, after each
        // deletion of an old segment, after the install), plus the very first step.
        int from = -1;
        for (int i = 0; i < steps.size() && from < 0; i++) {
            if (steps.get(i).equals("before-swap") && steps.get(i + 2).startsWith("deleted-")
                    && steps.get(i + 3).startsWith("deleted-")) from = i;
        }
        assertThat(from).as("a group of several segments in %s", steps).isGreaterThanOrEqualTo(0);
        List<Integer> crashPoints = new ArrayList<>(List.of(0));
        for (int i = from; i < steps.size() && (i == from || !steps.get(i).equals("before-swap")); i++) {
            if (i > 0) crashPoints.add(i);
        }
        for (int k : crashPoints) {
            int crashAt = k;
            int[] calls = {0};
            Path root = tmp.resolve("crash" + k);
            Scenario s = runCrashScenario(root, step -> {
                if (calls[0]++ == crashAt) throw new SimulatedCrash(step);
            });
            assertThat(s.crash).as("crash at %s", steps.get(k)).isInstanceOf(SimulatedCrash.class);
            // The crashed process is gone: reopen from disk as after kill -9 (no clean-shutdown marker).
            PartitionLog reopened = open(s.dir, s.cfg, false);
            try (Stream<Path> files = Files.list(s.dir)) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .noneMatch(n -> n.endsWith(PartitionLog.CLEANED_SUFFIX) || n.endsWith(PartitionLog.SWAP_SUFFIX));
            }
            assertLiveKeysReadable(reopened, s.model);
            LogCleaner again = cleaner(reopened);
            again.clean(reopened);
            clock.advance(RETENTION);
            again.clean(reopened);
            assertThat(readAll(reopened)).as("crash at %s, cleaned again", steps.get(k))
                    .isEqualTo(s.model.expected(false));
            reopened.close();
        }
    }

    private static final class SimulatedCrash extends RuntimeException {
        SimulatedCrash(String step) {
            super("simulated crash at " + step);
        }
    }

    private record Scenario(Path dir, LogConfig cfg, Model model, RuntimeException crash) {
    }

    /** Two passes over a deterministic workload; the hook is armed for the second pass, which merges segments. */
    private Scenario runCrashScenario(Path root, java.util.function.Consumer<String> hook) throws Exception {
        Random rnd = new Random(42);
        Path dir = root.resolve("facts-0");
        LogConfig cfg = compacted(1024, 200, 0.0, 0);
        PartitionLog log = PartitionLog.open(dir, "facts", 0, TOPIC_ID, cfg, clock, true);
        LogCleaner cleaner = cleaner(log);
        Model model = new Model();
        for (int i = 0; i < 60; i++) appendRandomBatch(log, model, rnd, 12, clock.millis());
        cleaner.clean(log);
        for (int i = 0; i < 30; i++) appendRandomBatch(log, model, rnd, 12, clock.millis());
        log.roll();
        log.swapHook = hook;
        RuntimeException crash = null;
        try {
            cleaner.clean(log);
        } catch (SimulatedCrash e) {
            crash = e;
        }
        if (crash == null) log.close(); // dry run; a crashed log is abandoned like a killed process
        return new Scenario(dir, cfg, model, crash);
    }

    @Test
    void replaceSegmentsRefusesStaleOrActiveSegments() throws Exception {
        Random rnd = new Random(3);
        PartitionLog log = open(tmp.resolve("facts-0"), compacted(1024, 100, 0.0, 0), true);
        for (int i = 0; i < 20; i++) appendRandomBatch(log, new Model(), rnd, 5, clock.millis());
        List<LogSegment> segs = log.segments();
        LogSegment activeSeg = segs.get(segs.size() - 1);
        Path cleaned = log.cleanedFile(activeSeg.baseOffset(), log.logEndOffset());
        Files.writeString(cleaned, "");
        assertThat(log.replaceSegments(List.of(activeSeg), cleaned)).isFalse();
        assertThat(cleaned).doesNotExist();
        assertThatThrownBy(() -> log.replaceSegments(List.of(), cleaned)).isInstanceOf(IllegalArgumentException.class);
    }
}
