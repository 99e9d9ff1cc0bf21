package io.fjord.storage;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * Sparse index from offsets to byte positions in a segment's .log file.
 *
 * <p>File {@code <20-digit base offset>.index}: back-to-back 8-byte big-endian entries
 * <pre>
 *  0 relativeOffset int32   (last offset of an indexed batch - segment base offset; > 0, strictly increasing)
 *  4 position       int32   (byte position of that batch's start in the .log file; strictly increasing)
 * </pre>
 * Entries are sparse: one every {@code index.interval.bytes} of batches. Looking up offset {@code t} gives the
 * greatest entry with offset {@code <= t}; the batch at its position ends at or before {@code t}, so scanning batch
 * headers forward from there finds the batch holding {@code t}.
 *
 * <p>Threading: see {@link AbstractIndex} (single writer under the partition lock, lock-free readers).
 */
public final class OffsetIndex extends AbstractIndex {
    static final int ENTRY_SIZE = 8;

    /** An entry: absolute offset and file position. */
    public record Entry(long offset, int position) {
    }

    OffsetIndex(Path path, long baseOffset, int maxIndexSize, boolean preallocate) throws IOException {
        super(path, baseOffset, ENTRY_SIZE, maxIndexSize, preallocate);
    }

    @Override
    protected long key(MappedByteBuffer m, int slot) {
        return baseOffset + m.getInt(slot * ENTRY_SIZE);
    }

    private int position(MappedByteBuffer m, int slot) {
        return m.getInt(slot * ENTRY_SIZE + 4);
    }

    /** Writer: adds an entry; offsets and positions must increase. */
    void append(long offset, int position) {
        long rel = offset - baseOffset;
        if (rel <= 0 || rel > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + offset + " not indexable in segment " + baseOffset);
        }
        int n = entries();
        MappedByteBuffer m = buffer();
        if (n > 0 && (key(m, n - 1) >= offset || position(m, n - 1) >= position)) {
            throw new IllegalArgumentException("index entry (" + offset + ", " + position + ") is not after the last");
        }
        int at = nextSlotOffset();
        m.putInt(at, (int) rel);
        m.putInt(at + 4, position);
        publishEntry();
    }

    /** The greatest entry with offset {@code <= target}; (base offset, 0) if there is none. */
    public Entry lookup(long target) {
        MappedByteBuffer m = buffer();
        int slot = largestLowerBoundSlot(target, false);
        return slot < 0 ? new Entry(baseOffset, 0) : new Entry(key(m, slot), position(m, slot));
    }

    /**
     * The greatest entry whose position is in {@code (after, maxPosition]} and below {@code end}, and whose offset is
     * {@code <= maxOffset}; null if there is none. The batches between {@code after} and that entry's position are
     * whole and all end before the entry's offset, so a reader bounded by {@code maxPosition} bytes and the exclusive
     * offset bound {@code maxOffset} can take them without reading their headers.
     */
    public Entry lastEntryWithin(long after, long maxPosition, long maxOffset, long end) {
        MappedByteBuffer m = buffer();
        int n = Math.min(entries(), largestLowerBoundSlot(maxOffset, false) + 1);
        long bound = Math.min(maxPosition, end - 1);
        int lo = 0, hi = n - 1, found = -1;
        while (lo <= hi) { // positions increase with the slot, like offsets
            int mid = (lo + hi) >>> 1;
            if (position(m, mid) <= bound) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (found < 0 || position(m, found) <= after) return null;
        return new Entry(key(m, found), position(m, found));
    }

    /** Writer: drops the entries for offsets at or after {@code offset}. */
    void truncateFrom(long offset) {
        truncateToEntries(largestLowerBoundSlot(offset, true) + 1);
    }

    /** The last entry, or (base offset, 0) if empty. */
    public Entry lastEntry() {
        int n = entries();
        MappedByteBuffer m = buffer();
        return n == 0 ? new Entry(baseOffset, 0) : new Entry(key(m, n - 1), position(m, n - 1));
    }

    public Entry entry(int slot) {
        if (slot < 0 || slot >= entries()) throw new IndexOutOfBoundsException(slot);
        MappedByteBuffer m = buffer();
        return new Entry(key(m, slot), position(m, slot));
    }

    /**
     * True if the entries can be trusted for a .log file of {@code logSize} bytes. The cheap check only looks at
     * the last entry; the full check verifies that every entry increases and points inside the file.
     */
    boolean isSane(long logSize, boolean full) {
        if (isCorrupt()) return false;
        int n = entries();
        if (n == 0) return true;
        MappedByteBuffer m = buffer();
        if (position(m, n - 1) >= logSize || m.getInt((n - 1) * ENTRY_SIZE) <= 0) return false;
        if (!full) return true;
        long prevRel = 0;
        long prevPos = 0;
        for (int i = 0; i < n; i++) {
            int rel = m.getInt(i * ENTRY_SIZE);
            int pos = position(m, i);
            if (rel <= prevRel || pos <= prevPos || pos >= logSize) return false;
            prevRel = rel;
            prevPos = pos;
        }
        return true;
    }
}
