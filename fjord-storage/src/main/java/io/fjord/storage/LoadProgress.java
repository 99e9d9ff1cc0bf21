package io.fjord.storage;

import java.time.Clock;
import java.util.function.Consumer;

/**
 * Progress of loading one log dir at start (a recovery after an unclean shutdown can take minutes): partitions and
 * segments done and left, reported at most every {@code intervalMs} as partitions finish, then a final line. The
 * totals are counted up front (partition dirs and their {@code .log} files), so what is left is known from the
 * start. Time comes from the given clock. Not thread-safe: one loader thread drives it.
 */
final class LoadProgress {
    private final String dir;
    private final int partitions;
    private final int segments;
    private final boolean recovering;
    private final Clock clock;
    private final long intervalMs;
    private final Consumer<String> out;
    private final long startMs;
    private long lastReportMs;
    private int partitionsDone;
    private int segmentsDone;

    LoadProgress(String dir, int partitions, int segments, boolean recovering, Clock clock, long intervalMs,
                 Consumer<String> out) {
        this.dir = dir;
        this.partitions = partitions;
        this.segments = segments;
        this.recovering = recovering;
        this.clock = clock;
        this.intervalMs = intervalMs;
        this.out = out;
        this.startMs = clock.millis();
        this.lastReportMs = startMs;
    }

    private String verb() {
        return recovering ? "recovering" : "loading";
    }

    /** Called before the first partition: what is to be done. */
    void begin() {
        if (partitions > 0) {
            out.accept("log dir " + dir + ": " + verb() + " " + partitions + " partitions, " + segments + " segments");
        }
    }

    /** One partition is loaded with {@code segmentsLoaded} segments (its scan may have dropped some). */
    void partitionDone(int segmentFiles) {
        partitionsDone++;
        segmentsDone += segmentFiles;
        long now = clock.millis();
        if (now - lastReportMs >= intervalMs && partitionsDone < partitions) {
            lastReportMs = now;
            out.accept("log dir " + dir + ": " + verb() + ", " + partitionsDone + "/" + partitions + " partitions and "
                    + segmentsDone + "/" + segments + " segments done; " + (partitions - partitionsDone) + " partitions and "
                    + Math.max(0, segments - segmentsDone) + " segments left, " + (now - startMs) + " ms so far");
        }
    }

    /** The final line. */
    void finish() {
        if (partitions == 0) return;
        out.accept("log dir " + dir + ": " + (recovering ? "recovered " : "loaded ") + partitionsDone + " partitions, "
                + segmentsDone + " segments in " + (clock.millis() - startMs) + " ms");
    }
}
