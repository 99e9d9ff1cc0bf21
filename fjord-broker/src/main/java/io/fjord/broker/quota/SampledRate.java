package io.fjord.broker.quota;

/**
 * A rate measured the way Kafka measures quotas: values are summed into {@code numSamples} consecutive samples of
 * {@code sampleWindowMs} each; the rate is the sum of the live samples divided by the time they cover. That time is
 * never taken as less than {@code numSamples - 1} full windows, so a burst right after start is not read as an
 * enormous rate (Kafka's {@code quota.window.num} × {@code quota.window.size.seconds}).
 *
 * <p>Not thread-safe: callers synchronize. Time is passed in (milliseconds, any monotonic origin).
 */
public final class SampledRate {
    private final int numSamples;
    private final long sampleWindowMs;
    /** Ring of samples: start time of each sample's window and the sum recorded in it. */
    private final long[] starts;
    private final double[] sums;
    private int current;
    private boolean started;

    public SampledRate(int numSamples, long sampleWindowMs) {
        if (numSamples < 2) throw new IllegalArgumentException("at least two samples are needed, got " + numSamples);
        if (sampleWindowMs < 1) throw new IllegalArgumentException("sample window must be at least 1 ms");
        this.numSamples = numSamples;
        this.sampleWindowMs = sampleWindowMs;
        this.starts = new long[numSamples];
        this.sums = new double[numSamples];
    }

    public void record(double value, long nowMs) {
        advance(nowMs);
        sums[current] += value;
    }

    /** Units per second over the live samples. */
    public double ratePerSecond(long nowMs) {
        advance(nowMs);
        double total = 0;
        long oldest = nowMs;
        for (int i = 0; i < numSamples; i++) {
            if (live(i, nowMs)) {
                total += sums[i];
                oldest = Math.min(oldest, starts[i]);
            }
        }
        return total * 1000.0 / windowMs(nowMs, oldest);
    }

    /**
     * How long the recorder must stay quiet for the rate to come back to {@code bound} per second: the excess over
     * the bound, as a fraction of the bound, times the time the samples cover (Kafka's throttle time). Zero when
     * within the bound.
     */
    public long throttleTimeMs(double bound, long nowMs) {
        double rate = ratePerSecond(nowMs);
        if (rate <= bound) return 0;
        long oldest = nowMs;
        for (int i = 0; i < numSamples; i++) if (live(i, nowMs)) oldest = Math.min(oldest, starts[i]);
        return (long) Math.ceil((rate - bound) / bound * windowMs(nowMs, oldest));
    }

    private long windowMs(long nowMs, long oldestStart) {
        long elapsed = nowMs - oldestStart;
        long fullWindows = elapsed / sampleWindowMs;
        long minFull = numSamples - 1;
        if (fullWindows < minFull) elapsed += (minFull - fullWindows) * sampleWindowMs;
        return elapsed;
    }

    private boolean live(int i, long nowMs) {
        return started && nowMs - starts[i] < (long) numSamples * sampleWindowMs && starts[i] <= nowMs;
    }

    private void advance(long nowMs) {
        if (!started) {
            started = true;
            for (int i = 0; i < numSamples; i++) starts[i] = Long.MIN_VALUE / 4;
            starts[0] = nowMs;
            current = 0;
            return;
        }
        if (nowMs - starts[current] < sampleWindowMs) return;
        // Move to a fresh sample; windows with nothing recorded in them are simply skipped (they hold zero).
        current = (current + 1) % numSamples;
        starts[current] = nowMs;
        sums[current] = 0;
    }
}
