package io.fjord.broker.network;

import java.util.ArrayList;
import java.util.List;

/**
 * The broker-wide bound on requests read but not yet answered by a handler: {@code queued.max.requests} requests
 * and {@code queued.max.request.bytes} bytes of them (-1: no byte bound), as Kafka's request queue and memory pool
 * bound them. A connection that reads a request while the budget is spent stops reading from its socket until the
 * budget has room again (requests already read are still served, so the budget always drains). One request larger
 * than the whole byte budget is still taken (alone), so no request that passes {@code socket.request.max.bytes} can
 * stall forever.
 *
 * <p>Thread-safe: connections on every event loop and handler threads release into it.
 */
final class RequestQueueBudget {
    private final int maxRequests;
    private final long maxBytes;
    private int requests;
    private long bytes;
    private final List<Runnable> waiting = new ArrayList<>();

    RequestQueueBudget(int maxRequests, long maxBytes) {
        if (maxRequests < 1) throw new IllegalArgumentException("queued.max.requests must be at least 1");
        this.maxRequests = maxRequests;
        this.maxBytes = maxBytes;
    }

    /** Counts one request in; false when the budget is now spent (the caller should pause reading). */
    synchronized boolean acquire(int size) {
        requests++;
        bytes += size;
        return !spent();
    }

    synchronized void release(int size) {
        requests--;
        bytes -= size;
        if (spent() || waiting.isEmpty()) return;
        List<Runnable> wake = new ArrayList<>(waiting);
        waiting.clear();
        wake.forEach(Runnable::run);
    }

    /** Runs {@code resume} once the budget has room (at once if it has room now). */
    void whenRoom(Runnable resume) {
        synchronized (this) {
            if (spent()) {
                waiting.add(resume);
                return;
            }
        }
        resume.run();
    }

    synchronized int queuedRequests() {
        return requests;
    }

    synchronized long queuedBytes() {
        return bytes;
    }

    private boolean spent() {
        return requests >= maxRequests || (maxBytes >= 0 && bytes >= maxBytes);
    }
}
