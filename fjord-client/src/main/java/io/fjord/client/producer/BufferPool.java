package io.fjord.client.producer;

import io.fjord.client.errors.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The producer's memory budget ({@code buffer.memory}): batches reserve bytes here before they are created and
 * give them back when done. A reservation that does not fit waits, first come first served, up to the caller's
 * time bound ({@code max.block.ms}), then fails with a {@link TimeoutException}.
 */
public final class BufferPool {
    private final long totalMemory;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Condition freed = lock.newCondition();
    private long available;
    private int waiters;
    private boolean closed;

    public BufferPool(long totalMemory) {
        this.totalMemory = totalMemory;
        this.available = totalMemory;
    }

    public void allocate(int size, long maxWaitMs) throws InterruptedException {
        if (size > totalMemory) {
            throw new IllegalArgumentException("cannot reserve " + size + " bytes: buffer.memory is " + totalMemory);
        }
        lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMs);
            waiters++;
            try {
                while (available < size) {
                    if (closed) throw new IllegalStateException("producer closed while waiting for buffer memory");
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new TimeoutException("Failed to allocate " + size + " bytes within the configured max blocking time "
                                + maxWaitMs + " ms. Total memory: " + totalMemory + " bytes. Available memory: " + available + " bytes.");
                    }
                    freed.awaitNanos(left);
                }
                available -= size;
            } finally {
                waiters--;
                if (available > 0) freed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    public void deallocate(int size) {
        lock.lock();
        try {
            available += size;
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public long availableMemory() {
        lock.lock();
        try {
            return available;
        } finally {
            lock.unlock();
        }
    }

    public long totalMemory() {
        return totalMemory;
    }

    /** True while some append is waiting for memory: the sender then sends everything it can. */
    public boolean isExhausted() {
        lock.lock();
        try {
            return waiters > 0;
        } finally {
            lock.unlock();
        }
    }

    public void close() {
        lock.lock();
        try {
            closed = true;
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
