package io.fjord.broker;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Says what a stopping node is waiting on: each shutdown step is announced ("waiting for ..."), a step still running
 * after every {@code reportEveryMs} is reported again with the time spent, and its end is logged with its duration,
 * so an operator watching a slow stop sees whether it is the controlled shutdown, the requests in flight and the
 * purgatory, the coordinators' unload, the replica fetchers or the log flush. Time comes from {@code nanoTime};
 * one daemon thread does the repeated reports. Used by one closing thread; {@link #close()} stops the reporter.
 */
final class ShutdownProgress implements AutoCloseable {
    private final String who;
    private final LongSupplier nanoTime;
    private final Consumer<String> out;
    private final ScheduledExecutorService reporter;
    private final long reportEveryMs;
    /** The step running now and since when; guarded by {@code this}, so no report follows a step's end. */
    private String current;
    private long currentSinceNanos;

    ShutdownProgress(String who, long reportEveryMs, LongSupplier nanoTime, Consumer<String> out) {
        this.who = who;
        this.nanoTime = nanoTime;
        this.out = out;
        this.reportEveryMs = reportEveryMs;
        this.reporter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fjord-shutdown-progress");
            t.setDaemon(true);
            return t;
        });
        reporter.scheduleWithFixedDelay(this::report, reportEveryMs, reportEveryMs, TimeUnit.MILLISECONDS);
    }

    private synchronized void report() {
        if (current == null) return;
        long spent = elapsedMs(currentSinceNanos);
        // A step shorter than the interval is not reported twice; a longer one once per interval.
        if (spent >= reportEveryMs) out.accept(who + " stopping: still waiting for " + current + " (" + spent + " ms)");
    }

    private long elapsedMs(long since) {
        return TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - since);
    }

    /** Runs one step, announcing it and its end. */
    void step(String what, Runnable r) {
        synchronized (this) {
            currentSinceNanos = nanoTime.getAsLong();
            current = what;
            out.accept(who + " stopping: waiting for " + what);
        }
        try {
            r.run();
        } finally {
            synchronized (this) {
                current = null;
                out.accept(who + " stopping: " + what + " done in " + elapsedMs(currentSinceNanos) + " ms");
            }
        }
    }

    @Override
    public void close() {
        reporter.shutdownNow();
    }
}
