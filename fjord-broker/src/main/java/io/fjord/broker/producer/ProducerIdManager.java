package io.fjord.broker.producer;

import java.io.IOException;

/**
 * Hands out producer ids from blocks reserved in the durable metadata log (see
 * {@code LocalController.allocateProducerIds}), so an id is never issued twice, even across restarts: ids of a
 * block that was only partly used before a restart are simply skipped.
 *
 * <p>Threading: thread-safe; {@link #nextId()} is synchronized and reserves a new block (an fsync) once every
 * {@link #BLOCK_SIZE} ids.
 */
public final class ProducerIdManager {
    public static final int BLOCK_SIZE = 1000;

    /** Durably reserves {@code size} ids and returns the first. */
    @FunctionalInterface
    public interface BlockAllocator {
        long allocate(int size) throws IOException;
    }

    private final BlockAllocator allocator;
    private long next;
    private long blockEnd;

    public ProducerIdManager(BlockAllocator allocator) {
        this.allocator = allocator;
    }

    public synchronized long nextId() throws IOException {
        if (next >= blockEnd) {
            long start = allocator.allocate(BLOCK_SIZE);
            next = start;
            blockEnd = start + BLOCK_SIZE;
        }
        return next++;
    }

    /** True if {@code producerId} lies below the end of the last block reserved by this broker (so it was issued). */
    public synchronized boolean mayHaveIssued(long producerId) {
        return producerId >= 0 && producerId < blockEnd;
    }
}
