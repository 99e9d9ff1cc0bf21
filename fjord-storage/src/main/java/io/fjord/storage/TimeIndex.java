package io.fjord.storage;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * Sparse index from timestamps to offsets in a segment.
 *
 * <p>File {@code <20-digit base offset>.timeindex}: back-to-back 12-byte big-endian entries
 * <pre>
 *  0 timestamp      int64   (largest batch max-timestamp seen in the segment so far; strictly increasing)
 *  8 relativeOffset int32   (last offset of the batch that carried it - segment base offset; non-decreasing)
 * </pre>
 * An entry is added together with an {@link OffsetIndex} entry, only when the max timestamp grew. Every batch up to
 * and including an entry's offset has a max timestamp {@code <=} the entry's timestamp.
 *
 * <p>Threading: see {@link AbstractIndex} (single writer under the partition lock, lock-free readers).
 */
public final class TimeIndex extends AbstractIndex {
    static final int ENTRY_SIZE = 12;

    /** An entry: timestamp and absolute offset. */
    public record Entry(long timestamp, long offset) {
    }

    TimeIndex(Path path, long baseOffset, int maxIndexSize, boolean preallocate) throws IOException {
        super(path, baseOffset, ENTRY_SIZE, maxIndexSize, preallocate);
    }

    @Override
    protected long key(MappedByteBuffer m, int slot) {
        return m.getLong(slot * ENTRY_SIZE);
    }

    private long offset(MappedByteBuffer m, int slot) {
        return baseOffset + m.getInt(slot * ENTRY_SIZE + 8);
    }

    /** Writer: adds (timestamp, offset) if the timestamp is larger than the last entry's. */
    void maybeAppend(long timestamp, long offset) {
        int n = entries();
        MappedByteBuffer m = buffer();
        if (n > 0) {
            if (timestamp <= key(m, n - 1)) return;
            if (offset < offset(m, n - 1)) {
                throw new IllegalArgumentException("time index offset " + offset + " goes backwards");
            }
        }
        long rel = offset - baseOffset;
        if (rel < 0 || rel > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + offset + " not indexable in segment " + baseOffset);
        }
        int at = nextSlotOffset();
        m.putLong(at, timestamp);
        m.putInt(at + 8, (int) rel);
        publishEntry();
    }

    /** The greatest entry with timestamp strictly below {@code timestamp}, or null. */
    public Entry lookupBefore(long timestamp) {
        MappedByteBuffer m = buffer();
        int slot = largestLowerBoundSlot(timestamp, true);
        return slot < 0 ? null : new Entry(key(m, slot), offset(m, slot));
    }

    /** Writer: drops the entries whose offset is at or after {@code offset} (offsets never decrease). */
    void truncateFrom(long offset) {
        MappedByteBuffer m = buffer();
        int n = entries();
        while (n > 0 && offset(m, n - 1) >= offset) n--;
        truncateToEntries(n);
    }

    /** The last entry, or null if empty. */
    public Entry lastEntry() {
        int n = entries();
        MappedByteBuffer m = buffer();
        return n == 0 ? null : new Entry(key(m, n - 1), offset(m, n - 1));
    }

    public Entry entry(int slot) {
        if (slot < 0 || slot >= entries()) throw new IndexOutOfBoundsException(slot);
        MappedByteBuffer m = buffer();
        return new Entry(key(m, slot), offset(m, slot));
    }

    /** True if the entries can be trusted for a segment whose last offset is below {@code nextOffset}. */
    boolean isSane(long nextOffset, boolean full) {
        if (isCorrupt()) return false;
        int n = entries();
        if (n == 0) return true;
        MappedByteBuffer m = buffer();
        if (offset(m, n - 1) >= nextOffset) return false;
        if (!full) return true;
        long prevTs = Long.MIN_VALUE;
        long prevOff = baseOffset;
        for (int i = 0; i < n; i++) {
            long ts = key(m, i);
            long off = offset(m, i);
            if ((i > 0 && ts <= prevTs) || off < prevOff) return false;
            prevTs = ts;
            prevOff = off;
        }
        return true;
    }
}
