package io.fjord.broker.replica.sim;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.IntToLongFunction;
import java.util.function.Supplier;

/**
 * An in-memory network between the brokers, the controller and the client. Each directed link behaves like one
 * TCP connection: messages arrive in order after a random delay, or not at all — a lost message stands for a
 * broken connection, so nothing is duplicated or reordered. A link can be cut (a network partition); messages in
 * flight on it are lost, and a message to or from a process that crashed or restarted since it was sent is lost too
 * (its connections died with it).
 *
 * <p>Not thread-safe: used by the single simulation thread.
 */
final class SimNetwork {
    static final int CONTROLLER = -1;
    static final int CLIENT = -2;

    private final SimScheduler scheduler;
    /** Current process incarnation of a node, or -1 when it is down. */
    private final IntToLongFunction incarnation;
    private final long minDelayMs;
    private final long maxDelayMs;
    private final double lossRate;
    private final Set<Long> cutLinks = new HashSet<>();
    private final Map<Long, Long> lastArrival = new HashMap<>();

    SimNetwork(SimScheduler scheduler, IntToLongFunction incarnation, long minDelayMs, long maxDelayMs, double lossRate) {
        this.scheduler = scheduler;
        this.incarnation = incarnation;
        this.minDelayMs = minDelayMs;
        this.maxDelayMs = maxDelayMs;
        this.lossRate = lossRate;
    }

    private static long pair(int a, int b) {
        int lo = Math.min(a, b);
        int hi = Math.max(a, b);
        return ((long) lo << 32) ^ (hi & 0xffffffffL);
    }

    private static long directed(int from, int to) {
        return ((long) from << 32) ^ (to & 0xffffffffL);
    }

    boolean isCut(int a, int b) {
        return cutLinks.contains(pair(a, b));
    }

    void cut(int a, int b) {
        cutLinks.add(pair(a, b));
    }

    void healAll() {
        cutLinks.clear();
    }

    /** Sends a message: {@code deliver} runs at the receiver when (and if) it arrives. */
    void send(int from, int to, Supplier<String> what, Runnable deliver) {
        long fromInc = incarnation.applyAsLong(from);
        long toInc = incarnation.applyAsLong(to);
        if (fromInc < 0) return;
        if (toInc < 0 || isCut(from, to) || scheduler.chance(lossRate)) {
            scheduler.note((Supplier<String>) () -> "lost " + from + "->" + to + " " + what.get());
            return;
        }
        long link = directed(from, to);
        long arrival = Math.max(scheduler.nowMs() + scheduler.between(minDelayMs, maxDelayMs),
                lastArrival.getOrDefault(link, 0L));
        lastArrival.put(link, arrival);
        scheduler.at(arrival, (Supplier<String>) () -> from + "->" + to + " " + what.get(), () -> {
            if (isCut(from, to) || incarnation.applyAsLong(from) != fromInc || incarnation.applyAsLong(to) != toInc) {
                scheduler.note("  (connection gone, not delivered)");
                return;
            }
            deliver.run();
        });
    }
}
