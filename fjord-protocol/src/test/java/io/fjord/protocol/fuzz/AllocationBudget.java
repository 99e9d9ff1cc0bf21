package io.fjord.protocol.fuzz;

import java.lang.management.ManagementFactory;

/**
 * Measures the heap bytes the current thread allocates while decoding one fuzz input, so a fuzz test can check
 * that no length or count field makes a decoder allocate more than the input could justify. Uses HotSpot's
 * per-thread allocation counter ({@code com.sun.management.ThreadMXBean}); where that is missing the budget is
 * not checked (the JDKs this project builds with all have it).
 */
public final class AllocationBudget {
    private static final com.sun.management.ThreadMXBean THREADS = threads();

    private AllocationBudget() {
    }

    private static com.sun.management.ThreadMXBean threads() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported()) {
            t.setThreadAllocatedMemoryEnabled(true);
            return t;
        }
        return null;
    }

    /** Bytes allocated so far by the current thread, or -1 when the JVM cannot tell. */
    public static long allocatedNow() {
        return THREADS == null ? -1 : THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    /**
     * Throws if more than {@code fixed + perInputByte * inputLength} bytes were allocated since {@code before}
     * (a value from {@link #allocatedNow}). The fixed part covers per-call objects (schemas' structs, exception
     * messages); the proportional part covers what a well-formed input of that size legitimately decodes to.
     */
    public static void check(long before, int inputLength, long fixed, long perInputByte, String what) {
        if (before < 0) return;
        long used = allocatedNow() - before;
        long budget = fixed + perInputByte * inputLength;
        if (used > budget) {
            throw new AssertionError(what + " allocated " + used + " bytes for a " + inputLength
                    + "-byte input (budget " + budget + ")");
        }
    }
}
