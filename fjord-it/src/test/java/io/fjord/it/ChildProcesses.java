package io.fjord.it;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every child process the tests start, so that a test JVM that is itself stopped (a surefire fork timeout, Ctrl-C)
 * does not leave Fjord nodes or tools running: a shutdown hook kills whatever is still alive. Tests still stop
 * their processes themselves; this is the last resort. Thread-safe.
 */
final class ChildProcesses {
    private static final Set<Process> ALIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Process p : ALIVE) if (p.isAlive()) p.destroyForcibly();
        }, "fjord-it-child-reaper"));
    }

    private ChildProcesses() {
    }

    /** Registers a child; it is dropped from the registry when it exits. */
    static Process track(Process p) {
        ALIVE.add(p);
        p.onExit().thenRun(() -> ALIVE.remove(p));
        return p;
    }
}
