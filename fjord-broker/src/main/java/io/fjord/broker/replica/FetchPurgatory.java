package io.fjord.broker.replica;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where fetches wait when not enough data is there yet ({@code fetch.min.bytes}), until an append to one of their
 * partitions satisfies them or {@code fetch.max.wait.ms} passes. Nothing polls: appends wake the watchers of their
 * partition, a timer wakes the rest. Thread-safe.
 */
public final class FetchPurgatory implements AutoCloseable {
    /** A parked fetch. {@code tryComplete} re-checks its condition; {@code complete} answers with what there is. */
    public interface DelayedFetch {
        /** True if the fetch can now be answered (it is then answered by the purgatory calling {@link #complete}). */
        boolean isSatisfied();

        void complete();
    }

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fjord-fetch-timer");
        t.setDaemon(true);
        return t;
    });
    private final Map<TopicPartition, Set<Waiter>> watchers = new ConcurrentHashMap<>();

    private final class Waiter {
        final DelayedFetch fetch;
        final Iterable<TopicPartition> partitions;
        final AtomicBoolean done = new AtomicBoolean();
        volatile ScheduledFuture<?> timeout;

        Waiter(DelayedFetch fetch, Iterable<TopicPartition> partitions) {
            this.fetch = fetch;
            this.partitions = partitions;
        }

        void finish() {
            if (!done.compareAndSet(false, true)) return;
            ScheduledFuture<?> t = timeout;
            if (t != null) t.cancel(false);
            for (TopicPartition tp : partitions) {
                Set<Waiter> set = watchers.get(tp);
                if (set != null) set.remove(this);
            }
            fetch.complete();
        }
    }

    /** Parks {@code fetch} until it is satisfied or {@code maxWaitMs} passes. */
    public void park(DelayedFetch fetch, Iterable<TopicPartition> partitions, long maxWaitMs) {
        Waiter w = new Waiter(fetch, partitions);
        for (TopicPartition tp : partitions) watchers.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(w);
        w.timeout = timer.schedule(w::finish, maxWaitMs, TimeUnit.MILLISECONDS);
        // An append may have landed between the caller's check and the registration above.
        if (fetch.isSatisfied()) w.finish();
    }

    /** Wakes the fetches waiting on {@code tp} whose condition now holds. */
    public void onAppend(TopicPartition tp) {
        Set<Waiter> set = watchers.get(tp);
        if (set == null || set.isEmpty()) return;
        for (Waiter w : set.toArray(new Waiter[0])) {
            if (!w.done.get() && w.fetch.isSatisfied()) w.finish();
        }
    }

    public int waiting() {
        int n = 0;
        for (Set<Waiter> s : watchers.values()) n += s.size();
        return n;
    }

    @Override
    public void close() {
        for (Set<Waiter> set : watchers.values()) for (Waiter w : set.toArray(new Waiter[0])) w.finish();
        timer.shutdownNow();
    }
}
