package io.fjord.client.common;

import java.util.Random;

/**
 * The client's one backoff policy (KIP-580): the n-th consecutive failure waits {@code initial * 2^n}, capped at
 * {@code max}, then spread by +-20% jitter so that many clients failing together do not retry in lockstep; the
 * jittered value stays within [initial/2, max] (a retry never waits longer than the configured maximum). With
 * {@code initial >= max} the wait is fixed at {@code max} (Kafka's rule when retry.backoff.max.ms is set below
 * retry.backoff.ms), still jittered. Immutable; thread-safe if its {@link Random} is (java.util.Random is).
 */
public final class ExponentialBackoff {
    public static final double DEFAULT_JITTER = 0.2;
    private static final int MULTIPLIER = 2;

    private final long initialMs;
    private final long maxMs;
    private final double jitter;
    private final Random random;

    public ExponentialBackoff(long initialMs, long maxMs, double jitter, Random random) {
        if (initialMs < 0 || maxMs < 0) throw new IllegalArgumentException("backoffs must not be negative");
        if (jitter < 0 || jitter >= 1) throw new IllegalArgumentException("jitter must be in [0, 1)");
        this.initialMs = Math.min(initialMs, maxMs);
        this.maxMs = maxMs;
        this.jitter = jitter;
        this.random = random;
    }

    /** {@code retry.backoff.ms} (default 100) to {@code retry.backoff.max.ms} (default 1000). */
    public static ExponentialBackoff retry(ClientConfig config, Random random) {
        return new ExponentialBackoff(config.getLong("retry.backoff.ms", 100),
                config.getLong("retry.backoff.max.ms", 1000), DEFAULT_JITTER, random);
    }

    /** {@code reconnect.backoff.ms} (default 50) to {@code reconnect.backoff.max.ms} (default 1000). */
    public static ExponentialBackoff reconnect(ClientConfig config, Random random) {
        return new ExponentialBackoff(config.getLong("reconnect.backoff.ms", 50),
                config.getLong("reconnect.backoff.max.ms", 1000), DEFAULT_JITTER, random);
    }

    /** The wait after {@code failures} consecutive failures (1 for the first failure; 0 or less means none yet). */
    public long backoffMs(int failures) {
        if (failures <= 0 || maxMs == 0) return 0;
        // 2^62 overflows nothing and is far beyond any max; the cap makes the exponent's size irrelevant above it.
        int exponent = Math.min(failures - 1, 62);
        double term = initialMs == 0 ? 0 : Math.min(maxMs, initialMs * Math.pow(MULTIPLIER, exponent));
        double factor = jitter == 0 ? 1.0 : 1.0 - jitter + 2 * jitter * random.nextDouble();
        long v = (long) (term * factor);
        return Math.max(initialMs / 2, Math.min(maxMs, v));
    }

    public long initialMs() {
        return initialMs;
    }

    public long maxMs() {
        return maxMs;
    }
}
