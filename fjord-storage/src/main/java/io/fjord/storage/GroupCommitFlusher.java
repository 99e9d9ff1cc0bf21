package io.fjord.storage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: makes appends durable before they are acknowledged without one fsync per request. A single
 * flusher thread repeatedly takes every request that arrived since its last round, forces the .log of each
 * distinct log named in them once ({@link PartitionLog#forceLog()}: the .log only, indexes and producer state are
 * rebuilt by recovery), then completes every request whose offset lies below the position that force reached.
 * While a round's forces run, new requests queue up and are served together by the next round, so under load one
 * force per partition covers many produce requests, across connections and partitions; with a single writer it
 * degenerates to one force per request. A request already below the log's durable offset completes at once,
 * without queueing (an earlier force covered it).
 *
 * <p>Futures are completed on the flusher thread: callers must only hand work on from there (the produce path
 * schedules its response write on the connection's event loop), never block it. Thread-safe. {@link #close()}
 * fails outstanding requests.
 */
public final class GroupCommitFlusher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommitFlusher.class);

    private record Request(PartitionLog log, long upToOffset, CompletableFuture<Void> done) {
    }

    private final Object monitor = new Object();
    private List<Request> pending = new ArrayList<>();
    private boolean closed;
    private final Thread thread;
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong forces = new AtomicLong();

    /** Starts the flusher on a daemon thread called {@code name}. */
    public GroupCommitFlusher(String name) {
        this(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the flusher on a thread made by {@code threads} (tests gate the first round with it). */
    public GroupCommitFlusher(java.util.concurrent.ThreadFactory threads) {
        thread = threads.newThread(this::run);
        thread.start();
    }

    /**
     * A future completed once every offset below {@code upToOffset} of {@code log} is on disk (exceptionally if the
     * flush fails or the flusher is closed).
     */
    public CompletableFuture<Void> flushed(PartitionLog log, long upToOffset) {
        if (log.durableOffset() >= upToOffset) return CompletableFuture.completedFuture(null);
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (monitor) {
            if (closed) {
                f.completeExceptionally(new IllegalStateException("flusher closed"));
                return f;
            }
            pending.add(new Request(log, upToOffset, f));
            monitor.notifyAll();
        }
        return f;
    }

    /** Flush rounds run so far (each is one fsync per log involved). */
    public long rounds() {
        return rounds.get();
    }

    /** .log forces issued so far (at most one per log per round; none for a log an earlier force covered). */
    public long forces() {
        return forces.get();
    }

    /** Requests served so far. */
    public long requests() {
        return requests.get();
    }

    private void run() {
        while (true) {
            List<Request> batch;
            synchronized (monitor) {
                while (pending.isEmpty() && !closed) {
                    try {
                        monitor.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        closed = true;
                    }
                }
                if (pending.isEmpty()) return;
                batch = pending;
                pending = new ArrayList<>();
            }
            Map<PartitionLog, Throwable> failures = new IdentityHashMap<>();
            Map<PartitionLog, Long> wanted = new IdentityHashMap<>();
            for (Request r : batch) wanted.merge(r.log(), r.upToOffset(), Math::max);
            for (Map.Entry<PartitionLog, Long> e : wanted.entrySet()) {
                try {
                    if (e.getKey().durableOffset() < e.getValue()) {
                        e.getKey().forceLog();
                        forces.incrementAndGet();
                    }
                } catch (RuntimeException ex) {
                    log.error("Group commit flush of {} failed", e.getKey(), ex);
                    failures.put(e.getKey(), ex);
                }
            }
            rounds.incrementAndGet();
            requests.addAndGet(batch.size());
            for (Request r : batch) {
                Throwable t = failures.get(r.log());
                if (t == null && r.log().durableOffset() < r.upToOffset()) { // truncated meanwhile (or closed)
                    t = new StorageException("log " + r.log() + " lost offsets below " + r.upToOffset()
                            + " before they were forced", null);
                }
                if (t == null) r.done().complete(null);
                else r.done().completeExceptionally(t);
            }
        }
    }

    @Override
    public void close() {
        List<Request> left;
        synchronized (monitor) {
            if (closed && pending.isEmpty()) return;
            closed = true;
            monitor.notifyAll();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (monitor) {
            left = pending;
            pending = Collections.emptyList();
        }
        for (Request r : left) r.done().completeExceptionally(new IllegalStateException("flusher closed"));
    }
}
