package io.fjord.broker.replica.sim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One replica's log in memory: whole batches in offset order, of which a prefix is flushed. A kill keeps
 * everything (the page cache survives a process); a power loss keeps only the flushed prefix. Truncation is taken
 * to be durable at once (the simulation does not model a truncation undone by a power loss).
 *
 * <p>Not thread-safe.
 */
final class SimLog {
    /** A batch: its offsets [baseOffset, baseOffset + count), the leader epoch that wrote it, and a unique id. */
    record Batch(long baseOffset, int count, int leaderEpoch, long id) {
        long nextOffset() {
            return baseOffset + count;
        }

        @Override
        public String toString() {
            return "[" + baseOffset + ".." + (nextOffset() - 1) + " e" + leaderEpoch + " #" + id + "]";
        }
    }

    private final List<Batch> batches = new ArrayList<>();
    private int flushedBatches;
    /** Grows with every change of the batches (lets the invariant checker skip unchanged logs). */
    private long version;

    long version() {
        return version;
    }

    long logEndOffset() {
        return batches.isEmpty() ? 0 : batches.get(batches.size() - 1).nextOffset();
    }

    long flushedOffset() {
        return flushedBatches == 0 ? 0 : batches.get(flushedBatches - 1).nextOffset();
    }

    List<Batch> batches() {
        return Collections.unmodifiableList(batches);
    }

    void append(Batch b) {
        if (b.baseOffset() != logEndOffset()) {
            throw new IllegalStateException("append of " + b + " at log end " + logEndOffset());
        }
        batches.add(b);
        version++;
    }

    /** Removes the batches at or after {@code offset} (a batch holding it goes whole, as the real log does). */
    void truncateTo(long offset) {
        while (!batches.isEmpty() && batches.get(batches.size() - 1).nextOffset() > offset) {
            batches.remove(batches.size() - 1);
            version++;
        }
        flushedBatches = Math.min(flushedBatches, batches.size());
    }

    void flush() {
        flushedBatches = batches.size();
    }

    void loseUnflushed() {
        truncateTo(flushedOffset());
    }

    /** The batch starting at {@code offset}, or null. */
    Batch batchAt(long offset) {
        int lo = 0;
        int hi = batches.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long base = batches.get(mid).baseOffset();
            if (base == offset) return batches.get(mid);
            if (base < offset) lo = mid + 1;
            else hi = mid - 1;
        }
        return null;
    }

    /** Up to {@code max} batches from {@code offset} (which must be a batch boundary or the log end). */
    List<Batch> readFrom(long offset, int max) {
        List<Batch> out = new ArrayList<>();
        for (Batch b : batches) {
            if (b.baseOffset() < offset) continue;
            if (out.size() == max) break;
            out.add(b);
        }
        return out;
    }
}
