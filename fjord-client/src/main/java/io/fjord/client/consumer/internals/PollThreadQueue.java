package io.fjord.client.consumer.internals;

import io.fjord.client.errors.FjordClientException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Work handed from the network I/O thread to the consumer's polling thread: fetch answers, async commit callbacks.
 * The I/O thread only enqueues; everything that touches consumer state runs in {@link #runPending} on the polling
 * thread, so the consumer's state needs no locks. Thread-safe.
 */
public final class PollThreadQueue {
    private static final Runnable WAKE = () -> { };
    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();

    /** From any thread. */
    public void add(Runnable r) {
        queue.add(r);
    }

    /** Ends a {@link #runPending} wait early (consumer wakeup). */
    public void wake() {
        queue.add(WAKE);
    }

    /**
     * Runs what is queued; with {@code waitMs > 0} first waits up to that long for something to arrive. Returns
     * how many tasks ran.
     */
    public int runPending(long waitMs) {
        int ran = 0;
        try {
            Runnable r = waitMs > 0 ? queue.poll(waitMs, TimeUnit.MILLISECONDS) : queue.poll();
            while (r != null) {
                r.run();
                if (r != WAKE) ran++;
                r = queue.poll();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FjordClientException("interrupted while polling");
        }
        return ran;
    }
}
