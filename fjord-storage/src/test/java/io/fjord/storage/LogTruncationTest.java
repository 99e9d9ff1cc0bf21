package io.fjord.storage;

import io.fjord.storage.TestBatches.Header;
import io.fjord.storage.TestBatches.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static io.fjord.storage.TestBatches.concat;
import static io.fjord.storage.TestBatches.headers;
import static io.fjord.storage.TestBatches.leaderBatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link PartitionLog#truncateTo} and {@link PartitionLog#truncateFullyAndStartAt} against a model of the batches,
 * at many random points, across reopening, and with a crash injected at every step.
 */
class LogTruncationTest {
    private static final UUID TOPIC_ID = UUID.randomUUID();
    private static final long TS0 = 1_600_000_000_000L;

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

    private static LogConfig cfg() {
        return LogConfig.DEFAULT.withSegmentBytes(1024).withIndexIntervalBytes(150);
    }

    private PartitionLog open(Path dir, boolean clean) {
        PartitionLog l = PartitionLog.open(dir, "t", 0, TOPIC_ID, cfg(), clock, clean);
        opened.add(l);
        return l;
    }

    /**
     * Forgets a log as a killed process would: never closed (closing it later would trim or flush files that a
     * newer instance now owns).
     */
    private void abandon(PartitionLog l) {
        opened.remove(l);
    }

    /** One batch of the model: its bytes (offsets assigned) and the fields the log is checked against. */
    private record ModelBatch(long base, long last, int epoch, long maxTs, long pid, short pepoch, int seq,
                              ByteBuffer bytes) {
        int lastSeq() {
            return seq + (int) (last - base);
        }
    }

    /** Generates batches continuing {@code from}: random sizes, timestamps partly out of order, some idempotent. */
    private static List<ModelBatch> generate(Random rnd, long from, int count, int epoch, Map<Long, Integer> nextSeq) {
        return generate(rnd, from, count, epoch, nextSeq, TS0);
    }

    /** As above, timestamps from {@code ts0} (a later leader writes later timestamps). */
    private static List<ModelBatch> generate(Random rnd, long from, int count, int epoch, Map<Long, Integer> nextSeq,
                                             long ts0) {
        List<ModelBatch> out = new ArrayList<>();
        long base = from;
        for (int i = 0; i < count; i++) {
            int records = 1 + rnd.nextInt(4);
            long ts = ts0 + base * 20 + rnd.nextInt(60); // rising with the offsets, out of order nearby
            long pid = rnd.nextInt(3) == 0 ? 100 + rnd.nextInt(3) : -1;
            short pepoch = 0;
            int seq = -1;
            if (pid >= 0) {
                seq = nextSeq.getOrDefault(pid, 0);
                nextSeq.put(pid, seq + records);
            }
            ByteBuffer b = leaderBatch(base, records, epoch, ts, 40 + rnd.nextInt(160), pid, pepoch, seq);
            out.add(new ModelBatch(base, base + records - 1, epoch, ts, pid, pepoch, seq, b));
            base += records;
        }
        return out;
    }

    /** Appends the batches as a follower does, in fetches of 1 to 6 batches. */
    private static void replicate(PartitionLog l, List<ModelBatch> batches, Random rnd) {
        int i = 0;
        while (i < batches.size()) {
            int n = Math.min(batches.size() - i, 1 + rnd.nextInt(6));
            List<ByteBuffer> parts = new ArrayList<>();
            for (int j = i; j < i + n; j++) parts.add(batches.get(j).bytes());
            l.appendAsFollower(concat(parts));
            i += n;
        }
    }

    /** Everything a log must agree with the model on. */
    private static void assertMatches(PartitionLog l, List<ModelBatch> model, Random rnd, String ctx) {
        long end = model.isEmpty() ? l.logStartOffset() : model.get(model.size() - 1).last() + 1;
        assertThat(l.logEndOffset()).as("log end, %s", ctx).isEqualTo(end);
        // Records: every batch, in order, whole and valid.
        List<Header> all = new ArrayList<>();
        long next = l.logStartOffset();
        for (int guard = 0; next < l.logEndOffset() && guard < 100_000; guard++) {
            List<Header> hs = headers(l.read(next, 100_000));
            if (hs.isEmpty()) break;
            all.addAll(hs);
            next = hs.get(hs.size() - 1).lastOffset() + 1;
        }
        assertThat(all).as("batches, %s", ctx).extracting(Header::baseOffset)
                .isEqualTo(model.stream().map(ModelBatch::base).toList());
        assertThat(all).allMatch(Header::valid);
        // Offset index: a read at any offset starts at the batch holding it.
        for (int k = 0; k < 25 && !model.isEmpty(); k++) {
            ModelBatch b = model.get(rnd.nextInt(model.size()));
            long o = b.base() + rnd.nextInt((int) (b.last() - b.base() + 1));
            assertThat(l.read(o, 1).firstOffset()).as("read at %d, %s", o, ctx).isEqualTo(b.base());
        }
        // Time index: the first batch (by offset) whose max timestamp reaches the target.
        for (int k = 0; k < 25; k++) {
            long maxTs = model.stream().mapToLong(ModelBatch::maxTs).max().orElse(TS0);
            long target = TS0 + (long) (rnd.nextDouble() * (maxTs - TS0 + 200));
            Optional<Long> expected = model.stream().filter(b -> b.maxTs() >= target).map(ModelBatch::base).findFirst();
            assertThat(l.offsetForTimestamp(target).map(TimestampAndOffset::offset))
                    .as("timestamp %d, %s", target, ctx).isEqualTo(expected);
        }
        // Producer state: the last batch of each producer.
        Map<Long, ModelBatch> lastOf = new HashMap<>();
        for (ModelBatch b : model) if (b.pid() >= 0) lastOf.put(b.pid(), b);
        for (long pid = 100; pid < 103; pid++) {
            ModelBatch b = lastOf.get(pid);
            assertThat(l.producerState().lastSequenceOf(pid)).as("producer %d, %s", pid, ctx)
                    .isEqualTo(b == null ? -1 : b.lastSeq());
        }
        // Epoch cache: where each newer epoch begins.
        List<EpochEntry> epochs = new ArrayList<>();
        for (ModelBatch b : model) {
            if (epochs.isEmpty() || b.epoch() > epochs.get(epochs.size() - 1).epoch()) {
                epochs.add(new EpochEntry(b.epoch(), b.base()));
            }
        }
        assertThat(l.leaderEpochCache().entries()).as("epochs, %s", ctx).isEqualTo(epochs);
        assertThat(l.highWatermark()).isLessThanOrEqualTo(l.logEndOffset());
        assertThat(l.recoveryPoint()).isLessThanOrEqualTo(l.logEndOffset());
    }

    /** The model after {@code truncateTo(offset)}: the batch holding the offset and all after it go. */
    private static List<ModelBatch> truncated(List<ModelBatch> model, long offset) {
        return new ArrayList<>(model.stream().filter(b -> b.last() < offset).toList());
    }

    private static Map<Long, Integer> nextSeqOf(List<ModelBatch> model) {
        Map<Long, Integer> m = new HashMap<>();
        for (ModelBatch b : model) if (b.pid() >= 0) m.put(b.pid(), b.lastSeq() + 1);
        return m;
    }

    @Test
    void truncateAtManyRandomPointsMatchesTheModelAndSurvivesReopen() {
        Random rnd = new Random(20240611);
        Path dir = tmp.resolve("t-0");
        PartitionLog l = open(dir, true);
        int epoch = 0;
        List<ModelBatch> model = generate(rnd, 0, 60, epoch, new HashMap<>());
        replicate(l, model, rnd);
        assertMatches(l, model, rnd, "initial");
        assertThat(l.numberOfSegments()).isGreaterThan(5);
        for (int round = 0; round < 40; round++) {
            long end = l.logEndOffset();
            long start = l.logStartOffset();
            // Mostly batch boundaries (what followers do), sometimes inside a batch, sometimes at/after the end.
            long offset;
            int kind = rnd.nextInt(10);
            if (kind < 6) offset = model.get(rnd.nextInt(model.size())).base();
            else if (kind < 9) offset = start + (long) rnd.nextInt((int) (end - start));
            else offset = end + rnd.nextInt(3);
            l.updateHighWatermark(end - rnd.nextInt(5));
            long hwBefore = l.highWatermark();
            l.truncateTo(offset);
            String ctx = "round " + round + ", truncateTo(" + offset + ") of [" + start + ", " + end + ")";
            if (offset < end) model = truncated(model, offset);
            assertMatches(l, model, rnd, ctx);
            assertThat(l.highWatermark()).as(ctx).isEqualTo(Math.min(hwBefore, l.logEndOffset()));
            try (Stream<Path> files = Files.list(dir)) {
                long leo = l.logEndOffset();
                assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".snapshot"))
                        .map(n -> Long.parseLong(n.substring(0, 20)))).as(ctx).allMatch(o -> o <= leo);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            // Reopen: cleanly, or as after a crash (the old instance is abandoned like a killed process).
            if (rnd.nextBoolean()) {
                l.close();
                l = open(dir, true);
            } else if (rnd.nextBoolean()) {
                abandon(l);
                l = open(dir, false);
            }
            assertMatches(l, model, rnd, ctx + ", reopened");
            // A new leader's history continues from the new end, in a newer epoch.
            epoch += 1 + rnd.nextInt(2);
            List<ModelBatch> more = generate(rnd, l.logEndOffset(), 2 + rnd.nextInt(12), epoch, nextSeqOf(model),
                    TS0 + (round + 1) * 2_000L);
            replicate(l, more, rnd);
            model.addAll(more);
            assertMatches(l, model, rnd, ctx + ", re-replicated");
        }
    }

    @Test
    void truncateBelowTheFirstSegmentOrFullyStartsAnEmptyLog() {
        Random rnd = new Random(7);
        Path dir = tmp.resolve("t-0");
        PartitionLog l = open(dir, true);
        List<ModelBatch> model = generate(rnd, 0, 40, 3, new HashMap<>());
        replicate(l, model, rnd);
        l.updateHighWatermark(l.logEndOffset());
        l.truncateFullyAndStartAt(500);
        assertThat(l.logStartOffset()).isEqualTo(500);
        assertThat(l.logEndOffset()).isEqualTo(500);
        assertThat(l.highWatermark()).isEqualTo(500);
        assertThat(l.recoveryPoint()).isEqualTo(500);
        assertThat(l.numberOfSegments()).isEqualTo(1);
        assertThat(l.segments().get(0).baseOffset()).isEqualTo(500);
        assertThat(l.leaderEpochCache().entries()).isEmpty();
        assertThat(l.producerState().producerCount()).isZero();
        List<ModelBatch> next = generate(rnd, 500, 10, 4, new HashMap<>());
        replicate(l, next, rnd);
        assertMatches(l, next, rnd, "after truncateFully");
        l.close();
        PartitionLog r = open(dir, false);
        assertMatches(r, next, rnd, "after truncateFully, reopened");
        // Lower than the first segment: the same, at the lower offset.
        r.truncateTo(100);
        assertThat(r.logStartOffset()).isEqualTo(100);
        assertThat(r.logEndOffset()).isEqualTo(100);
        assertThat(r.segments()).extracting(LogSegment::baseOffset).containsExactly(100L);
        assertThatThrownBy(() -> r.appendAsFollower(leaderBatch(99, 1, 5))).isInstanceOf(
                UnexpectedAppendOffsetException.class);
        List<ModelBatch> again = generate(rnd, 100, 10, 5, new HashMap<>());
        replicate(r, again, rnd);
        assertMatches(r, again, rnd, "after truncateTo below the first segment");
    }

    // ---------------------------------------------------------------- crash safety

    private static final class SimulatedCrash extends RuntimeException {
        SimulatedCrash(String step) {
            super("simulated crash at " + step);
        }
    }

    /** Builds the same 60-batch follower log in {@code dir}; returns the model. */
    private List<ModelBatch> build(Path dir, PartitionLog[] out) {
        Random rnd = new Random(99);
        PartitionLog l = open(dir, true);
        List<ModelBatch> model = new ArrayList<>();
        for (int epoch = 0; epoch < 6; epoch++) model.addAll(generate(rnd, model.isEmpty() ? 0
                : model.get(model.size() - 1).last() + 1, 10, epoch, nextSeqOf(model)));
        replicate(l, model, rnd);
        l.flush();
        out[0] = l;
        return model;
    }

    /** The steps a truncation announces through the hook, from a dry run. */
    private List<String> steps(String name, Consumer<PartitionLog> truncation) {
        PartitionLog[] l = new PartitionLog[1];
        build(tmp.resolve("dry-" + name).resolve("t-0"), l);
        List<String> steps = new ArrayList<>();
        l[0].truncateHook = steps::add;
        truncation.accept(l[0]);
        return steps;
    }

    /** A log reopened after a crash must be a prefix of the model: whole batches, consistent indexes and state. */
    private void assertConsistentPrefix(PartitionLog reopened, List<ModelBatch> model, String ctx) {
        long end = reopened.logEndOffset();
        List<ModelBatch> prefix = new ArrayList<>(model.stream().filter(b -> b.last() < end).toList());
        assertThat(prefix.isEmpty() ? reopened.logStartOffset() : prefix.get(prefix.size() - 1).last() + 1)
                .as("the log ends at a batch boundary of the model, %s", ctx).isEqualTo(end);
        assertMatches(reopened, prefix, new Random(1), ctx);
    }

    @Test
    void aCrashAtAnyStepOfTruncateToLeavesAConsistentPrefix() {
        long cutAt = 137; // inside the log, well before the last segments
        List<String> steps = steps("to", l -> l.truncateTo(cutAt));
        assertThat(steps).contains("start", "cut", "epochs");
        assertThat(steps.stream().filter(s -> s.startsWith("deleted-")).count()).isGreaterThan(2);
        for (int k = 0; k < steps.size(); k++) {
            int crashAt = k;
            Path dir = tmp.resolve("crash-to-" + k).resolve("t-0");
            PartitionLog[] l = new PartitionLog[1];
            List<ModelBatch> model = build(dir, l);
            int[] calls = {0};
            l[0].truncateHook = step -> {
                if (calls[0]++ == crashAt) throw new SimulatedCrash(step);
            };
            assertThatThrownBy(() -> l[0].truncateTo(cutAt)).isInstanceOf(SimulatedCrash.class);
            abandon(l[0]);
            PartitionLog reopened = open(dir, false);
            String ctx = "crash at " + steps.get(k);
            assertConsistentPrefix(reopened, model, ctx);
            assertThat(reopened.logEndOffset()).as(ctx).isGreaterThanOrEqualTo(truncated(model, cutAt).size() == 0
                    ? 0 : truncated(model, cutAt).get(truncated(model, cutAt).size() - 1).last() + 1);
            // Redoing the truncation after the restart gives the intended result.
            reopened.truncateTo(cutAt);
            assertMatches(reopened, truncated(model, cutAt), new Random(2), ctx + ", redone");
        }
    }

    @Test
    void aCrashAtAnyStepOfTruncateFullyLeavesAPrefixOrAnEmptyLog() {
        List<String> steps = steps("fully", l -> l.truncateFullyAndStartAt(10_000));
        assertThat(steps).contains("start", "emptied");
        for (int k = 0; k < steps.size(); k++) {
            int crashAt = k;
            Path dir = tmp.resolve("crash-fully-" + k).resolve("t-0");
            PartitionLog[] l = new PartitionLog[1];
            List<ModelBatch> model = build(dir, l);
            int[] calls = {0};
            l[0].truncateHook = step -> {
                if (calls[0]++ == crashAt) throw new SimulatedCrash(step);
            };
            assertThatThrownBy(() -> l[0].truncateFullyAndStartAt(10_000)).isInstanceOf(SimulatedCrash.class);
            abandon(l[0]);
            PartitionLog reopened = open(dir, false);
            String ctx = "crash at " + steps.get(k);
            if (reopened.logEndOffset() == reopened.logStartOffset()) {
                assertMatches(reopened, List.of(), new Random(3), ctx + " (empty)");
            } else {
                assertThat(reopened.logStartOffset()).as(ctx).isZero();
                assertConsistentPrefix(reopened, model, ctx);
            }
            reopened.truncateFullyAndStartAt(10_000);
            assertThat(reopened.logEndOffset()).isEqualTo(10_000);
            assertMatches(reopened, List.of(), new Random(4), ctx + ", redone");
        }
    }
}
