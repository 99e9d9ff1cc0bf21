package io.fjord.storage.cleaner;

/**
 * Holds a worker to at most {@code maxBytesPerSecond} of I/O ({@code log.cleaner.io.max.bytes.per.second}), so a
 * cleaner pass does not starve produce and fetch of disk bandwidth. The cleaner thread sleeps when it is ahead of
 * the allowed rate; nothing else waits on it. One per worker thread: not thread-safe.
 */
final class Throttler {
    private static final long CHECK_INTERVAL_NANOS = 10_000_000L;
    private final double maxBytesPerSecond;
    private long periodStart = System.nanoTime();
    private long bytesInPeriod;

    Throttler(double maxBytesPerSecond) {
        if (maxBytesPerSecond <= 0) throw new IllegalArgumentException("log.cleaner.io.max.bytes.per.second must be > 0");
        this.maxBytesPerSecond = maxBytesPerSecond;
    }

    boolean isUnlimited() {
        return maxBytesPerSecond >= Double.MAX_VALUE;
    }

    /** Counts {@code bytes} of I/O and sleeps as long as the rate since the period began is above the limit. */
    void maybeThrottle(long bytes) throws InterruptedException {
        if (isUnlimited()) return;
        bytesInPeriod += bytes;
        long elapsed = System.nanoTime() - periodStart;
        if (elapsed < CHECK_INTERVAL_NANOS && bytesInPeriod < maxBytesPerSecond / 100) return;
        double allowedNanos = bytesInPeriod / maxBytesPerSecond * 1e9;
        long sleepNanos = (long) allowedNanos - elapsed;
        if (sleepNanos > 0) Thread.sleep(sleepNanos / 1_000_000, (int) (sleepNanos % 1_000_000));
        periodStart = System.nanoTime();
        bytesInPeriod = 0;
    }
}
