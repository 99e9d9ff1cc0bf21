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
 * Where requests wait for a condition on some partitions: fetches for {@code fetch.min.bytes} of data (woken by
 * appends and, for consumers, by the high watermark moving), acks=all produces for the high watermark to cover
 * their batches (woken by followers' fetches). Nothing polls: a change to a partition re-checks the operations
 * watching it ({@link #checkAndComplete}), a timer completes the rest at their deadline. One class, one instance
 * per kind of operation. Thread-safe; an operation completes exactly once.
 */
public final class DelayedOperationPurgatory implements AutoCloseable {
    /** A parked operation. {@code isSatisfied} re-checks its condition; {@code complete} answers it. */
    public interface DelayedOperation {
        /** True if the operation can now be answered (it is then answered by the purgatory calling {@link #complete}). */
        boolean isSatisfied();

        /** Answers with what there is (also at the deadline, whether satisfied or not). */
        void complete();
    }

    /**
     * Where deadlines are kept: a real scheduler thread in the broker, a manual one in tests (so an operation's
     * timeout is tested by moving a clock, not by waiting).
     */
    public interface Timer extends AutoCloseable {
        /** Runs {@code task} once {@code delayMs} has passed; the returned handle cancels it. */
        Runnable schedule(Runnable task, long delayMs);

        @Override
        void close();

        /** A daemon thread named after the purgatory. */
        static Timer system(String name) {
            ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "fjord-" + name + "-purgatory");
                t.setDaemon(true);
                return t;
            });
            return new Timer() {
                @Override
                public Runnable schedule(Runnable task, long delayMs) {
                    ScheduledFuture<?> f = executor.schedule(task, delayMs, TimeUnit.MILLISECONDS);
                    return () -> f.cancel(false);
                }

                @Override
                public void close() {
                    executor.shutdownNow();
                }
            };
        }
    }

    private final Timer timer;
    private final Map<TopicPartition, Set<Waiter>> watchers = new ConcurrentHashMap<>();

    public DelayedOperationPurgatory(String name) {
        this(Timer.system(name));
    }

    public DelayedOperationPurgatory(Timer timer) {
        this.timer = timer;
    }

    private final class Waiter {
        final DelayedOperation op;
        final Iterable<TopicPartition> partitions;
        final AtomicBoolean done = new AtomicBoolean();
        volatile Runnable cancelTimeout;

        Waiter(DelayedOperation op, Iterable<TopicPartition> partitions) {
            this.op = op;
            this.partitions = partitions;
        }

        void finish() {
            if (!done.compareAndSet(false, true)) return;
            Runnable cancel = cancelTimeout;
            if (cancel != null) cancel.run();
            for (TopicPartition tp : partitions) {
                Set<Waiter> set = watchers.get(tp);
                if (set != null) set.remove(this);
            }
            op.complete();
        }
    }

    /** Parks {@code op} until it is satisfied or {@code maxWaitMs} passes. */
    public void park(DelayedOperation op, Iterable<TopicPartition> partitions, long maxWaitMs) {
        Waiter w = new Waiter(op, partitions);
        for (TopicPartition tp : partitions) watchers.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(w);
        w.cancelTimeout = timer.schedule(w::finish, Math.max(0, maxWaitMs));
        // A change may have landed between the caller's check and the registration above.
        if (op.isSatisfied()) w.finish();
    }

    /** Completes the operations waiting on {@code tp} whose condition now holds. */
    public void checkAndComplete(TopicPartition tp) {
        Set<Waiter> set = watchers.get(tp);
        if (set == null || set.isEmpty()) return;
        for (Waiter w : set.toArray(new Waiter[0])) {
            if (!w.done.get() && w.op.isSatisfied()) w.finish();
        }
    }

    /** Completes every operation waiting on {@code tp} now, satisfied or not (e.g. leadership moved away). */
    public void completeAll(TopicPartition tp) {
        Set<Waiter> set = watchers.get(tp);
        if (set == null || set.isEmpty()) return;
        for (Waiter w : set.toArray(new Waiter[0])) w.finish();
    }

    public int waiting() {
        int n = 0;
        for (Set<Waiter> s : watchers.values()) n += s.size();
        return n;
    }

    @Override
    public void close() {
        for (Set<Waiter> set : watchers.values()) for (Waiter w : set.toArray(new Waiter[0])) w.finish();
        timer.close();
    }
}
