package io.fjord.client.common;

/**
 * The client's clock, passed in so timers (request deadlines, backoffs, heartbeats, auto-commit, linger) can be
 * driven by a manual clock in tests. {@link #SYSTEM} is the wall clock. Implementations must be thread-safe.
 */
public interface Time {
    Time SYSTEM = new Time() {
        @Override
        public long milliseconds() {
            return System.currentTimeMillis();
        }

        @Override
        public long nanoseconds() {
            return System.nanoTime();
        }

        @Override
        public void sleep(long ms) {
            if (ms <= 0) return;
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new io.fjord.client.errors.FjordClientException("interrupted");
            }
        }
    };

    /** Wall-clock milliseconds (deadlines, record timestamps). */
    long milliseconds();

    /** A monotonic reading in nanoseconds (elapsed times). */
    long nanoseconds();

    /**
     * Waits (a retry backoff on a caller's thread). The system clock sleeps; a manual clock just moves forward.
     * An interrupt is kept on the thread and surfaces as a {@link io.fjord.client.errors.FjordClientException}.
     */
    void sleep(long ms);
}
