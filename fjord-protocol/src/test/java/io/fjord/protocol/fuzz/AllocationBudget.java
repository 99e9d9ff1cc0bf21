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
     * Runs {@code decode} and throws if it allocated more than {@code fixed + perInputByte * inputLength} bytes.
     * The fixed part covers per-call objects (structs, exception messages); the proportional part covers what a
     * well-formed input of that size legitimately decodes to. An input over budget is run a second time and judged
     * on that run: the first use of a code path may load (and, under Jazzer, instrument) classes on this thread,
     * which is not the decoder's allocation; a length field that makes the decoder allocate does so every time.
     */
    public static void run(Runnable decode, int inputLength, long fixed, long perInputByte, String what) {
        long budget = fixed + perInputByte * inputLength;
        long used = measure(decode);
        if (used <= budget) return;
        used = measure(decode);
        if (used > budget) {
            throw new AssertionError(what + " allocated " + used + " bytes for a " + inputLength
                    + "-byte input (budget " + budget + ")");
        }
    }

    private static long measure(Runnable decode) {
        long before = allocatedNow();
        decode.run();
        return before < 0 ? 0 : allocatedNow() - before;
    }
}
