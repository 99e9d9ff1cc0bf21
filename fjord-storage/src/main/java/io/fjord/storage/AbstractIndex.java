package io.fjord.storage;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A memory-mapped file of fixed-size, big-endian entries sorted by a key, shared by {@link OffsetIndex} and
 * {@link TimeIndex}. While its segment is active the file is preallocated (zero-filled, sparse) to
 * {@code segment.index.bytes}; {@link #trim()} cuts it to the entries when the segment rolls or closes. A slot whose
 * bytes are all zero is never a real entry (the first batch of a segment never gets one), so after a crash the
 * entry count of a preallocated file is found as the length of its non-zero prefix.
 *
 * <p>Threading: one writer (the partition's append lock holder) calls the mutators; any number of readers may call
 * the lookups concurrently. The writer fills a slot and then publishes it by writing the volatile entry count;
 * readers read the count first and only touch slots below it. {@code flush} may come from another thread; it is
 * serialised with remapping by the index's monitor.
 */
abstract class AbstractIndex {
    protected final Path path;
    protected final long baseOffset;
    private final int entrySize;
    private volatile MappedByteBuffer mmap;
    private volatile int entries;
    private volatile int maxEntries;
    /** Set when the file could not be parsed (length not a multiple of the entry size); forces a rebuild. */
    private boolean corrupt;

    protected AbstractIndex(Path path, long baseOffset, int entrySize, int maxIndexSize, boolean preallocate)
            throws IOException {
        this.path = path;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        boolean existed = Files.exists(path);
        long length = existed ? Files.size(path) : 0;
        if (length % entrySize != 0) {
            corrupt = true;
            length = 0;
        }
        int slots = (int) (length / entrySize);
        map(Math.max(length, 0));
        int n = corrupt ? 0 : firstZeroSlot(slots);
        this.entries = n;
        if (preallocate) {
            resize(Math.max(roundDown(maxIndexSize), (long) n * entrySize), false);
        } else if ((long) n * entrySize != length || !existed) {
            resize((long) n * entrySize, false);
        }
    }

    private long roundDown(int size) {
        return (long) (size / entrySize) * entrySize;
    }

    private void map(long length) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            if (raf.length() != length) raf.setLength(length);
            mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, length);
            maxEntries = (int) (length / entrySize);
        }
    }

    /** Binary search for the first all-zero slot, assuming real entries form a prefix. */
    private int firstZeroSlot(int slots) {
        int lo = 0, hi = slots;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (isZeroSlot(mid)) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    private boolean isZeroSlot(int slot) {
        MappedByteBuffer m = mmap;
        int at = slot * entrySize;
        for (int i = 0; i < entrySize; i++) {
            if (m.get(at + i) != 0) return false;
        }
        return true;
    }

    /** Changes the file length and remaps; readers holding the old mapping only touch published slots. */
    private synchronized void resize(long length, boolean zeroFirst) throws IOException {
        mmap.force();
        if (zeroFirst) {
            try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
                raf.setLength(0);
            }
        }
        map(length);
    }

    protected final MappedByteBuffer buffer() {
        return mmap;
    }

    protected final int entrySize() {
        return entrySize;
    }

    public final int entries() {
        return entries;
    }

    public final int maxEntries() {
        return maxEntries;
    }

    public final boolean isFull() {
        return entries >= maxEntries;
    }

    final boolean isCorrupt() {
        return corrupt;
    }

    public final Path path() {
        return path;
    }

    /** Writer: makes the slot just filled at index {@link #entries()} visible. */
    protected final void publishEntry() {
        entries = entries + 1;
    }

    /** Writer: checks there is a free slot and returns its byte offset. */
    protected final int nextSlotOffset() {
        if (entries >= maxEntries) {
            throw new IllegalStateException("index " + path + " is full (" + entries + " entries)");
        }
        return entries * entrySize;
    }

    /**
     * Greatest slot whose key is {@code <= target} (or {@code < target} when {@code strict}), or -1 if none.
     * Keys must be increasing.
     */
    protected final int largestLowerBoundSlot(long target, boolean strict) {
        int n = entries;
        MappedByteBuffer m = mmap;
        int lo = 0, hi = n - 1, found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long key = key(m, mid);
            if (key < target || (!strict && key == target)) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The search key of a slot (absolute offset or timestamp). */
    protected abstract long key(MappedByteBuffer m, int slot);

    /**
     * Writer: keeps the first {@code n} entries (log truncation). The count is published first, so readers stop
     * at {@code n}; the dropped slots are then zeroed, so that a preallocated file reopened after a crash counts
     * exactly the kept entries (see the class comment).
     */
    final synchronized void truncateToEntries(int n) {
        int old = entries;
        if (n >= old) return;
        if (n < 0) throw new IllegalArgumentException("negative entry count " + n);
        entries = n;
        MappedByteBuffer m = mmap;
        for (int i = n * entrySize, end = old * entrySize; i < end; i++) m.put(i, (byte) 0);
    }

    /** Writer: drops all entries and zeroes the file, preallocated to {@code maxIndexSize}; used to rebuild. */
    final void reset(int maxIndexSize) throws IOException {
        entries = 0;
        corrupt = false;
        resize(roundDown(maxIndexSize), true);
    }

    /** Writer: preallocates the file again so the (now active) segment can add entries. */
    final void preallocate(int maxIndexSize) throws IOException {
        long want = Math.max(roundDown(maxIndexSize), (long) entries * entrySize);
        if (want != (long) maxEntries * entrySize) resize(want, false);
    }

    /** Writer: cuts the file to exactly its entries (when the segment rolls or the log closes). */
    final void trim() throws IOException {
        long want = (long) entries * entrySize;
        if (want != (long) maxEntries * entrySize) resize(want, false);
    }

    /** Forces the mapping to disk; synchronized with remapping so a concurrent flush never forces a cut mapping. */
    final synchronized void flush() {
        mmap.force();
    }

    /** Trims and drops the mapping; it is unmapped when collected. */
    final void close() throws IOException {
        trim();
        mmap.force();
    }

    final void deleteFile() throws IOException {
        Files.deleteIfExists(path);
    }
}
