package io.fjord.broker.replica.sim;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The simulation's only source of time and randomness: a fake clock and a queue of events ordered by (time, order
 * of scheduling), so a run is a pure function of its seed. Keeps the tail of the event trace for failure reports.
 *
 * <p>Not thread-safe: a run is single-threaded.
 */
final class SimScheduler {
    private record Event(long timeMs, long seq, Object label, Runnable action) {
    }

    /** A trace line, formatted only if a failure report needs it (labels are Strings or Suppliers of one). */
    private record TraceLine(long timeMs, Object what) {
        @Override
        public String toString() {
            return timeMs + "ms " + (what instanceof Supplier<?> s ? s.get() : what);
        }
    }

    private final PriorityQueue<Event> queue =
            new PriorityQueue<>(Comparator.comparingLong(Event::timeMs).thenComparingLong(Event::seq));
    private final Random random;
    private final Deque<TraceLine> trace = new ArrayDeque<>();
    private final int traceLimit;
    private long nowMs;
    private long seq;
    private long executed;

    SimScheduler(long seed, int traceLimit) {
        this.random = new Random(seed);
        this.traceLimit = traceLimit;
    }

    long nowMs() {
        return nowMs;
    }

    Random random() {
        return random;
    }

    long executed() {
        return executed;
    }

    /** A uniformly drawn delay in [min, max]. */
    long between(long min, long max) {
        return min + (long) (random.nextDouble() * (max - min + 1));
    }

    boolean chance(double p) {
        return random.nextDouble() < p;
    }

    void after(long delayMs, Object label, Runnable action) {
        at(nowMs + Math.max(0, delayMs), label, action);
    }

    void at(long timeMs, Object label, Runnable action) {
        if (timeMs < nowMs) throw new IllegalArgumentException("event in the past: " + label);
        queue.add(new Event(timeMs, seq++, label, action));
    }

    /** Runs the next event due at or before {@code untilMs}; false if there is none. */
    boolean runNext(long untilMs) {
        Event e = queue.peek();
        if (e == null || e.timeMs > untilMs) return false;
        queue.poll();
        nowMs = e.timeMs;
        executed++;
        if (e.label != null) note(e.label);
        e.action.run();
        return true;
    }

    /** Adds a line to the trace (timestamped with the fake clock): a String or a Supplier of one. */
    void note(Object line) {
        trace.addLast(new TraceLine(nowMs, line));
        if (trace.size() > traceLimit) trace.removeFirst();
    }

    String traceTail() {
        StringBuilder sb = new StringBuilder();
        for (TraceLine l : trace) sb.append(l).append('\n');
        return sb.toString();
    }
}
