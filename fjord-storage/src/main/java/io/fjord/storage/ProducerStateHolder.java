package io.fjord.storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The current {@link ProducerStateManager} of one partition log (a truncation replaces it) and its unstable region
 * ({@link ProducerStateManager#unstable}) published for lock-free readers of the last stable offset.
 *
 * <p>Threading: every method except {@link #firstUnstableOffset} runs under the owning {@link PartitionLog}'s
 * append lock (the producer state itself is not thread-safe); the unstable region is republished there after
 * every change and read through a volatile field.
 */
final class ProducerStateHolder {
    /** Aborted transactions go to the active segment's index (it holds the marker), looked up at each abort. */
    private final ProducerStateManager.AbortSink activeTxnIndex;
    private ProducerStateManager current;
    /** The unstable region, see {@link ProducerStateManager#unstable}; republished under the lock on every change. */
    private volatile long[] unstable = new long[0];

    ProducerStateHolder(LocalLog local, ProducerStateManager initial, long highWatermark) {
        this.activeTxnIndex = t -> local.active().txnIndex().append(t);
        this.current = initial;
        this.unstable = initial.unstable(highWatermark);
    }

    ProducerStateManager current() {
        return current;
    }

    /** Records appended batches in the producer state. */
    void onAppended(ByteBuffer batches) throws IOException {
        current.onAppended(batches, activeTxnIndex);
    }

    /** After the producer state changed: republishes its unstable region as seen at {@code highWatermark}. */
    void publish(long highWatermark) {
        unstable = current.unstable(highWatermark);
    }

    /** Installs a rebuilt producer state (after a truncation); the caller then {@link #publish}es. */
    void replace(ProducerStateManager rebuilt) {
        current = rebuilt;
    }

    /** Installs an empty producer state (after a full truncation): nothing is unstable. */
    void reset(ProducerStateManager empty) {
        current = empty;
        unstable = new long[0];
    }

    /** Lock-free: where the first undecided transaction starts at {@code highWatermark} (MAX_VALUE if none). */
    long firstUnstableOffset(long highWatermark) {
        return ProducerStateManager.firstUnstableOffset(unstable, highWatermark);
    }
}
