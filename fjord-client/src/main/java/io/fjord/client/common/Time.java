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
    };

    /** Wall-clock milliseconds (deadlines, record timestamps). */
    long milliseconds();

    /** A monotonic reading in nanoseconds (elapsed times). */
    long nanoseconds();
}
