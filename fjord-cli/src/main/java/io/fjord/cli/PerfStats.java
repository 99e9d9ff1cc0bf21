package io.fjord.cli;

import java.util.Arrays;
import java.util.Locale;

/**
 * Throughput and latency of a perf run: a window that is printed and restarted every reporting interval (the live
 * progress line) and the whole run (the final summary, in the format of Kafka's ProducerPerformance so the two tools'
 * outputs can be compared line by line). Latencies of the whole run are sampled (every {@code sampling}-th record,
 * at most ~500,000 kept) so a long run's memory stays bounded; each window keeps its own bounded sample. Times are
 * passed in (milliseconds), so the class has no clock of its own. Not thread-safe: callers synchronise.
 */
final class PerfStats {
    private static final double MB = 1024.0 * 1024.0;
    private static final int WINDOW_SAMPLES = 100_000;

    private final long startMs;
    private final long reportingIntervalMs;
    private final int sampling;
    private final int[] latencies;
    private int kept;
    private long count;
    private long bytes;
    private long totalLatency;
    private int maxLatency;

    private long windowStartMs;
    private long windowCount;
    private long windowBytes;
    private long windowTotalLatency;
    private int windowMaxLatency;
    private final int[] windowLatencies = new int[WINDOW_SAMPLES];
    private int windowKept;

    PerfStats(long expectedRecords, long startMs, long reportingIntervalMs) {
        if (reportingIntervalMs <= 0) throw new IllegalArgumentException("reporting interval must be positive");
        this.startMs = startMs;
        this.windowStartMs = startMs;
        this.reportingIntervalMs = reportingIntervalMs;
        this.sampling = (int) Math.max(1, expectedRecords / Math.min(Math.max(expectedRecords, 1), 500_000));
        this.latencies = new int[(int) (Math.min(Math.max(expectedRecords, 1), 500_000) + 1)];
    }

    /**
     * Records one completed record; returns the progress line when the window has lasted the reporting interval
     * (and starts a new window), otherwise null.
     */
    String record(int latencyMs, long recordBytes, long nowMs) {
        if (count % sampling == 0 && kept < latencies.length) latencies[kept++] = latencyMs;
        count++;
        bytes += recordBytes;
        totalLatency += latencyMs;
        maxLatency = Math.max(maxLatency, latencyMs);
        windowCount++;
        windowBytes += recordBytes;
        windowTotalLatency += latencyMs;
        windowMaxLatency = Math.max(windowMaxLatency, latencyMs);
        if (windowKept < WINDOW_SAMPLES) windowLatencies[windowKept++] = latencyMs;
        if (nowMs - windowStartMs < reportingIntervalMs) return null;
        String line = windowLine(nowMs);
        windowStartMs = nowMs;
        windowCount = 0;
        windowBytes = 0;
        windowTotalLatency = 0;
        windowMaxLatency = 0;
        windowKept = 0;
        return line;
    }

    private String windowLine(long nowMs) {
        double secs = Math.max(1, nowMs - windowStartMs) / 1000.0;
        int[] p = percentiles(windowLatencies, windowKept, 0.5, 0.99);
        return String.format(Locale.ROOT, "%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency, %d ms 50th, %d ms 99th.",
                windowCount, windowCount / secs, windowBytes / MB / secs, windowCount == 0 ? 0.0 : (double) windowTotalLatency / windowCount,
                (double) windowMaxLatency, p[0], p[1]);
    }

    /** ProducerPerformance's final line: count, records/s, MB/s, average and max latency, 50th/95th/99th/99.9th. */
    String summary(long nowMs) {
        double secs = Math.max(1, nowMs - startMs) / 1000.0;
        int[] p = percentiles(latencies, kept, 0.5, 0.95, 0.99, 0.999);
        return String.format(Locale.ROOT,
                "%d records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.",
                count, count / secs, bytes / MB / secs, count == 0 ? 0.0 : (double) totalLatency / count, (double) maxLatency,
                p[0], p[1], p[2], p[3]);
    }

    long count() {
        return count;
    }

    long bytes() {
        return bytes;
    }

    /** The nearest-rank percentiles of the first {@code n} values (0 when there are none). */
    static int[] percentiles(int[] values, int n, double... ps) {
        int[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        int[] out = new int[ps.length];
        for (int i = 0; i < ps.length; i++) {
            if (n == 0) continue;
            int rank = (int) Math.ceil(ps[i] * n) - 1;
            out[i] = sorted[Math.min(n - 1, Math.max(0, rank))];
        }
        return out;
    }
}
