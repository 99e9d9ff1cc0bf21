package io.fjord.broker.coordinator;

import io.fjord.protocol.api.Errors;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link CoordinatorShard} per partition of an internal topic that this broker leads.
 *
 * <p>Shard life cycle (per partition and leader epoch), one method per move:
 * <pre>
 * (none)  --scheduleLoad(epoch)-->      LOADING   (requests get COORDINATOR_LOAD_IN_PROGRESS)
 * LOADING --replay done-->              ACTIVE
 * LOADING --replay failed-->            FAILED    (requests get NOT_COORDINATOR; the next epoch loads afresh)
 * any     --scheduleUnload / newer load--> CLOSED (requests get NOT_COORDINATOR; timers never fire)
 * </pre>
 * A write operation runs the shard's pure handler, appends the records it returned, replays them into the shard,
 * and completes the caller's future with the handler's response only once the high watermark covers the records.
 * Each shard's events (loading, operations, timer tasks, unloading) run one at a time in submission order on the
 * shared worker executor, so shards progress in parallel and no shard needs locks. Timers run on the injected
 * clock: {@link #fireDueTimers()} is driven by the runtime's own timer thread in a broker, by the test otherwise.
 *
 * <p>Thread-safe: every public method may be called from any thread.
 */
public final class CoordinatorRuntime<S extends CoordinatorShard> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorRuntime.class);

    /** Builds the (empty) shard of a partition; it is then filled by replaying the partition's records. */
    @FunctionalInterface
    public interface ShardFactory<S> {
        S create(int partition, CoordinatorTimer timer);
    }

    public enum ShardState {
        LOADING, ACTIVE, FAILED, CLOSED;

        boolean canMoveTo(ShardState next) {
            return switch (next) {
                case LOADING -> false;
                case ACTIVE, FAILED -> this == LOADING;
                case CLOSED -> this != CLOSED;
            };
        }
    }

    private final String name;
    private final ShardFactory<S> factory;
    private final CoordinatorLog logIo;
    private final Executor workers;
    private final LongSupplier clock;
    private final Map<Integer, Context> contexts = new ConcurrentHashMap<>();
    private final PriorityQueue<TimerEntry> timerQueue = new PriorityQueue<>();
    private long timerSeq;
    private final Thread timerThread;
    private volatile boolean closed;

    /**
     * @param workers runs the shards' events (a pool in a broker; {@code Runnable::run} in a unit test, which makes
     *                every operation complete inside the call)
     * @param startTimerThread false when the caller drives {@link #fireDueTimers()} itself (manual clock)
     */
    public CoordinatorRuntime(String name, ShardFactory<S> factory, CoordinatorLog logIo, Executor workers,
                              LongSupplier clock, boolean startTimerThread) {
        this.name = name;
        this.factory = factory;
        this.logIo = logIo;
        this.workers = workers;
        this.clock = clock;
        if (startTimerThread) {
            timerThread = new Thread(this::timerLoop, "fjord-" + name + "-timer");
            timerThread.setDaemon(true);
            timerThread.start();
        } else {
            timerThread = null;
        }
    }

    // ------------------------------------------------------------------------------------------------ life cycle

    /** This broker leads {@code partition} at {@code epoch}: load its shard (replaces one of an older epoch). */
    public void scheduleLoad(int partition, int epoch) {
        if (closed) return;
        Context fresh = new Context(partition, epoch);
        List<Context> replaced = new ArrayList<>(1);
        Context now = contexts.compute(partition, (p, old) -> {
            if (old != null && old.epoch >= epoch && old.state != ShardState.CLOSED) return old; // already (re)loading this epoch
            if (old != null) replaced.add(old);
            return fresh;
        });
        if (now != fresh) return;
        for (Context old : replaced) old.submit(() -> old.close("epoch " + epoch + " replaces it"));
        fresh.submit(fresh::load);
    }

    /** This broker stopped leading {@code partition} (at {@code epoch} or before): unload its shard. */
    public void scheduleUnload(int partition, int epoch) {
        Context ctx = contexts.get(partition);
        if (ctx == null || ctx.epoch > epoch) return;
        contexts.remove(partition, ctx);
        ctx.submit(() -> ctx.close("leadership ended at epoch " + epoch));
    }

    /** The state of a partition's shard, or null if there is none here. */
    public ShardState state(int partition) {
        Context ctx = contexts.get(partition);
        return ctx == null ? null : ctx.state;
    }

    public List<Integer> activePartitions() {
        List<Integer> out = new ArrayList<>();
        contexts.forEach((p, c) -> {
            if (c.state == ShardState.ACTIVE) out.add(p);
        });
        out.sort(null);
        return out;
    }

    // ------------------------------------------------------------------------------------------------ operations

    /** Runs {@code op} on the partition's shard, writes its records, answers once they are committed. */
    public <T> CompletableFuture<T> scheduleWriteOperation(String opName, int partition, Function<S, CoordinatorResult<T>> op) {
        CompletableFuture<T> out = new CompletableFuture<>();
        Context ctx = contexts.get(partition);
        if (ctx == null) {
            out.completeExceptionally(notCoordinator(partition));
            return out;
        }
        if (ctx.state == ShardState.LOADING && !ctx.checkActive(out)) return out; // answered at once, as Kafka
        ctx.submit(() -> {
            if (!ctx.checkActive(out)) return;
            CoordinatorResult<T> r;
            try {
                r = op.apply(ctx.shard);
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
                return;
            }
            ctx.write(opName, r.records()).whenComplete((v, e) -> {
                if (e != null) out.completeExceptionally(e); else out.complete(r.response());
            });
        });
        return out;
    }

    /** Runs a read-only {@code op} on the partition's shard. */
    public <T> CompletableFuture<T> scheduleReadOperation(String opName, int partition, Function<S, T> op) {
        CompletableFuture<T> out = new CompletableFuture<>();
        Context ctx = contexts.get(partition);
        if (ctx == null) {
            out.completeExceptionally(notCoordinator(partition));
            return out;
        }
        if (ctx.state == ShardState.LOADING && !ctx.checkActive(out)) return out;
        ctx.submit(() -> {
            if (!ctx.checkActive(out)) return;
            try {
                out.complete(op.apply(ctx.shard));
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    /** Runs a read-only {@code op} on every active shard (ListGroups); shards that unload meanwhile are left out. */
    public <T> CompletableFuture<List<T>> scheduleReadAllOperation(String opName, Function<S, T> op) {
        List<CompletableFuture<T>> parts = new ArrayList<>();
        for (int p : activePartitions()) parts.add(scheduleReadOperation(opName, p, op));
        CompletableFuture<List<T>> out = new CompletableFuture<>();
        CompletableFuture.allOf(parts.stream().map(f -> f.handle((v, e) -> v)).toArray(CompletableFuture[]::new))
                .thenRun(() -> {
                    List<T> all = new ArrayList<>();
                    for (CompletableFuture<T> f : parts) {
                        T v = f.handle((x, e) -> e == null ? x : null).join();
                        if (v != null) all.add(v);
                    }
                    out.complete(all);
                });
        return out;
    }

    private static CoordinatorException notCoordinator(int partition) {
        return new CoordinatorException(Errors.NOT_COORDINATOR, "this broker does not coordinate partition " + partition);
    }

    // ------------------------------------------------------------------------------------------------ timers

    /** Runs the timer tasks that are due on the clock; returns how many were handed to their shards. */
    public int fireDueTimers() {
        List<TimerEntry> due = new ArrayList<>();
        long now = clock.getAsLong();
        synchronized (timerQueue) {
            while (!timerQueue.isEmpty() && timerQueue.peek().deadline <= now) due.add(timerQueue.poll());
        }
        for (TimerEntry t : due) t.ctx.submit(() -> t.ctx.fire(t));
        return due.size();
    }

    private void timerLoop() {
        while (!closed) {
            try {
                fireDueTimers();
                synchronized (timerQueue) {
                    long wait = timerQueue.isEmpty() ? 100 : timerQueue.peek().deadline - clock.getAsLong();
                    if (wait > 0) timerQueue.wait(Math.min(wait, 100));
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("{} timer failed", name, e);
            }
        }
    }

    private final class TimerEntry implements Comparable<TimerEntry> {
        final Context ctx;
        final String key;
        final long deadline;
        final long seq;
        final Supplier<List<CoordinatorRecord>> task;

        TimerEntry(Context ctx, String key, long deadline, long seq, Supplier<List<CoordinatorRecord>> task) {
            this.ctx = ctx;
            this.key = key;
            this.deadline = deadline;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public int compareTo(TimerEntry o) {
            return deadline != o.deadline ? Long.compare(deadline, o.deadline) : Long.compare(seq, o.seq);
        }
    }

    // ------------------------------------------------------------------------------------------------ one shard

    /** One partition at one leader epoch: its shard, its state, its serial event queue and its timers. */
    private final class Context implements CoordinatorTimer {
        final int partition;
        final int epoch;
        volatile ShardState state = ShardState.LOADING;
        S shard;
        /** Current timers by key; touched only on this context's events. */
        final Map<String, TimerEntry> timers = new HashMap<>();
        private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
        private boolean draining;

        Context(int partition, int epoch) {
            this.partition = partition;
            this.epoch = epoch;
        }

        void transitionTo(ShardState next) {
            if (!state.canMoveTo(next)) {
                throw new IllegalStateException(name + " shard " + partition + " cannot go from " + state + " to " + next);
            }
            state = next;
        }

        /** Queues an event; events run one at a time, in order, on the worker executor. */
        void submit(Runnable event) {
            synchronized (queue) {
                queue.add(event);
                if (draining) return;
                draining = true;
            }
            try {
                workers.execute(this::drain);
            } catch (RuntimeException e) { // executor shut down: nothing will run again
                synchronized (queue) {
                    queue.clear();
                    draining = false;
                }
            }
        }

        private void drain() {
            while (true) {
                Runnable next;
                synchronized (queue) {
                    next = queue.poll();
                    if (next == null) {
                        draining = false;
                        return;
                    }
                }
                try {
                    next.run();
                } catch (RuntimeException e) {
                    log.error("{} shard {}: event failed", name, partition, e);
                }
            }
        }

        void load() {
            if (state != ShardState.LOADING) return;
            long start = System.nanoTime();
            try {
                S s = factory.create(partition, this);
                int[] count = {0};
                logIo.load(partition, epoch, rec -> {
                    s.replay(rec);
                    count[0]++;
                });
                shard = s;
                transitionTo(ShardState.ACTIVE);
                s.onLoaded();
                log.info("{} shard {} loaded at epoch {}: {} records in {} ms", name, partition, epoch, count[0],
                        (System.nanoTime() - start) / 1_000_000);
            } catch (RuntimeException e) {
                if (state == ShardState.LOADING) transitionTo(ShardState.FAILED);
                log.warn("{} shard {} failed to load at epoch {}: {}", name, partition, epoch, e.toString());
            }
        }

        void close(String reason) {
            if (state == ShardState.CLOSED) return;
            boolean wasActive = state == ShardState.ACTIVE;
            transitionTo(ShardState.CLOSED);
            timers.clear();
            if (wasActive) shard.onUnloaded();
            log.info("{} shard {} unloaded (epoch {}): {}", name, partition, epoch, reason);
        }

        boolean checkActive(CompletableFuture<?> out) {
            switch (state) {
                case ACTIVE -> {
                    return true;
                }
                case LOADING -> out.completeExceptionally(new CoordinatorException(Errors.COORDINATOR_LOAD_IN_PROGRESS,
                        name + " partition " + partition + " is loading"));
                default -> out.completeExceptionally(notCoordinator(partition));
            }
            return false;
        }

        /** Appends, replays, and returns a future completed when the records are committed. Runs on this context. */
        CompletableFuture<Void> write(String opName, List<CoordinatorRecord> records) {
            if (records.isEmpty()) return CompletableFuture.completedFuture(null);
            long end;
            try {
                end = logIo.append(partition, epoch, records);
            } catch (RuntimeException e) {
                log.info("{} shard {}: {} not written: {}", name, partition, opName, e.toString());
                return CompletableFuture.failedFuture(e);
            }
            for (CoordinatorRecord r : records) shard.replay(r);
            return logIo.awaitCommitted(partition, epoch, end);
        }

        void fire(TimerEntry t) {
            if (state != ShardState.ACTIVE || timers.get(t.key) != t) return; // cancelled, replaced or unloaded
            timers.remove(t.key);
            List<CoordinatorRecord> records;
            try {
                records = t.task.get();
            } catch (RuntimeException e) {
                log.error("{} shard {}: timer {} failed", name, partition, t.key, e);
                return;
            }
            write("timer " + t.key, records).exceptionally(e -> {
                log.info("{} shard {}: records of timer {} not committed: {}", name, partition, t.key, e.toString());
                return null;
            });
        }

        // CoordinatorTimer, used by the shard from its own events

        @Override
        public void schedule(String key, long delayMs, Supplier<List<CoordinatorRecord>> task) {
            TimerEntry t;
            synchronized (timerQueue) {
                t = new TimerEntry(this, key, clock.getAsLong() + Math.max(0, delayMs), timerSeq++, task);
                timerQueue.add(t);
                timerQueue.notifyAll();
            }
            timers.put(key, t); // an entry replaced here stays queued and is skipped when it comes due
        }

        @Override
        public void cancel(String key) {
            timers.remove(key);
        }

        @Override
        public boolean isScheduled(String key) {
            return timers.containsKey(key);
        }
    }

    @Override
    public void close() {
        closed = true;
        if (timerThread != null) timerThread.interrupt();
        for (Context ctx : contexts.values()) ctx.submit(() -> ctx.close("runtime closed"));
        contexts.clear();
    }
}
