package io.fjord.client.consumer.internals;

import io.fjord.client.consumer.WakeupException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code consumer.wakeup()}: the next (or current) blocking consumer call throws {@link WakeupException} once.
 * A blocking wait registers the future it waits for; a wakeup fails that wait (not the future itself, which others
 * may still use). Thread-safe: wakeup() comes from another thread.
 */
public final class WakeupTrigger {
    private final AtomicBoolean pending = new AtomicBoolean();
    private final AtomicReference<java.util.concurrent.CompletableFuture<Void>> activeWait = new AtomicReference<>();
    private final PollThreadQueue queue;

    public WakeupTrigger(PollThreadQueue queue) {
        this.queue = queue;
    }

    public void wakeup() {
        pending.set(true);
        java.util.concurrent.CompletableFuture<Void> w = activeWait.get();
        if (w != null) w.complete(null);
        queue.wake();
    }

    /** Throws WakeupException (once) if a wakeup is pending. */
    public void maybeTrigger() {
        if (pending.compareAndSet(true, false)) throw new WakeupException();
    }

    /** A future that completes when wakeup() is called, for the polling thread to wait on beside its real one. */
    java.util.concurrent.CompletableFuture<Void> beginWait() {
        java.util.concurrent.CompletableFuture<Void> w = new java.util.concurrent.CompletableFuture<>();
        activeWait.set(w);
        if (pending.get()) w.complete(null);
        return w;
    }

    void endWait() {
        activeWait.set(null);
    }

    /**
     * Waits for {@code f} up to {@code timeoutMs}; a wakeup meanwhile throws {@link WakeupException} (the future
     * itself is left alone). Returns true if {@code f} completed normally (read it with join/getNow), false if the
     * time ran out; throws ExecutionException if {@code f} failed.
     */
    public <T> boolean await(java.util.concurrent.CompletableFuture<T> f, long timeoutMs)
            throws java.util.concurrent.ExecutionException {
        java.util.concurrent.CompletableFuture<Void> w = beginWait();
        try {
            java.util.concurrent.CompletableFuture.anyOf(f, w).get(Math.max(1, timeoutMs), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            // f failed: reported below by f.get()
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.fjord.client.errors.FjordClientException("interrupted");
        } finally {
            endWait();
        }
        if (!f.isDone()) {
            maybeTrigger();
            return false;
        }
        try {
            f.get();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.fjord.client.errors.FjordClientException("interrupted");
        }
    }
}
