package io.fjord.broker.coordinator;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/** Holds submitted tasks until the test runs them, so the order of events is the test's. Single-threaded use. */
final class ManualExecutor implements Executor {
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public synchronized void execute(Runnable command) {
        tasks.add(command);
    }

    /** Runs tasks (and the ones they submit) until none is left; returns how many ran. */
    int runAll() {
        int n = 0;
        while (true) {
            Runnable r;
            synchronized (this) {
                r = tasks.poll();
            }
            if (r == null) return n;
            r.run();
            n++;
            if (n > 100_000) throw new IllegalStateException("tasks keep coming");
        }
    }

    synchronized int pending() {
        return tasks.size();
    }
}
