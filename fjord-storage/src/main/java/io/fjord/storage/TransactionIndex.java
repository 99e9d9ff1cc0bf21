package io.fjord.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The aborted-transaction index of one segment, file {@code <20-digit base offset>.txnindex}: one entry per ABORT
 * marker written into that segment, in marker (offset) order. Kafka's layout, 34 bytes per entry, big-endian, no
 * header:
 * <pre>
 * int16 version (0)
 * int64 producer id
 * int64 first offset      (the transaction's first data batch in this partition)
 * int64 last offset       (the ABORT marker's offset)
 * int64 last stable offset (the partition's LSO right after the marker, see {@link AbortedTxn})
 * </pre>
 * An entry belongs to the segment that holds its marker, so its data may lie in earlier segments; a reader looking
 * for the aborted transactions of a range walks the segments from the one holding the range's start until an
 * entry's last stable offset reaches the range's end ({@link PartitionLog#abortedTransactions}).
 *
 * <p>The entries are kept in memory too (they are few: one per aborted transaction). Writes append to the file
 * (fsynced with the segment's flush); truncation rewrites it through a {@code .tmp} + rename. A torn last entry (a
 * crash mid-append) is ignored on load; the producer-state scan after the newest snapshot re-adds the entries of
 * markers it passes ({@link ProducerStateManager#load}).
 *
 * <p>Threading: mutated under the partition's append lock; {@link #entries()} may be read concurrently (the list is
 * replaced, never changed in place).
 */
public final class TransactionIndex {
    public static final String SUFFIX = ".txnindex";
    static final int ENTRY_BYTES = 2 + 8 + 8 + 8 + 8;
    private static final short VERSION = 0;

    private final Path file;
    private volatile List<AbortedTxn> entries;
    private boolean dirty;

    private TransactionIndex(Path file, List<AbortedTxn> entries) {
        this.file = file;
        this.entries = entries;
    }

    static Path fileFor(Path dir, long baseOffset) {
        return dir.resolve(LogSegment.fileName(baseOffset, SUFFIX));
    }

    /** Opens the index of the segment at {@code baseOffset}; a missing file is an empty index (no file written). */
    static TransactionIndex open(Path dir, long baseOffset) throws IOException {
        Path f = fileFor(dir, baseOffset);
        return new TransactionIndex(f, Files.exists(f) ? read(f) : List.of());
    }

    static List<AbortedTxn> read(Path f) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(f));
        List<AbortedTxn> out = new ArrayList<>();
        while (buf.remaining() >= ENTRY_BYTES) {
            short version = buf.getShort();
            AbortedTxn t = new AbortedTxn(buf.getLong(), buf.getLong(), buf.getLong(), buf.getLong());
            if (version != VERSION) throw new IOException("unknown transaction index entry version " + version + " in " + f);
            out.add(t);
        }
        return List.copyOf(out);
    }

    public List<AbortedTxn> entries() {
        return entries;
    }

    public Path file() {
        return file;
    }

    /** See {@link PartitionLog#abortedTransactions}: {@code first} is the segment holding the start (null: all). */
    static List<AbortedTxn> collect(List<LogSegment> segments, LogSegment first, long startOffset, long upperBound) {
        List<AbortedTxn> out = new ArrayList<>();
        for (LogSegment s : segments) {
            if (first != null && s.baseOffset() < first.baseOffset()) continue;
            for (AbortedTxn t : s.txnIndex().entries()) {
                if (t.lastOffset() >= startOffset && t.firstOffset() < upperBound) out.add(t);
                if (t.lastStableOffset() >= upperBound) return out;
            }
        }
        return out;
    }

    /** Appends an entry; its marker must come after every entry's marker already here. */
    void append(AbortedTxn t) throws IOException {
        List<AbortedTxn> cur = entries;
        if (!cur.isEmpty() && cur.get(cur.size() - 1).lastOffset() >= t.lastOffset()) {
            throw new IllegalArgumentException("aborted transaction at " + t.lastOffset() + " is not after the last entry "
                    + cur.get(cur.size() - 1) + " of " + file);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer b = encode(List.of(t));
            while (b.hasRemaining()) ch.write(b);
        }
        List<AbortedTxn> next = new ArrayList<>(cur);
        next.add(t);
        entries = List.copyOf(next);
        dirty = true;
    }

    /** Drops the entries whose marker is at or after {@code offset}. */
    void truncateFrom(long offset) throws IOException {
        List<AbortedTxn> cur = entries;
        int keep = 0;
        while (keep < cur.size() && cur.get(keep).lastOffset() < offset) keep++;
        if (keep == cur.size()) return;
        List<AbortedTxn> kept = List.copyOf(cur.subList(0, keep));
        rewrite(file, kept);
        entries = kept;
        dirty = false;
    }

    void flush() throws IOException {
        if (!dirty || !Files.exists(file)) return;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        dirty = false;
    }

    void deleteFile() throws IOException {
        Files.deleteIfExists(file);
    }

    /**
     * Merges the index files of the segments based in {@code bases} (oldest first) into the first one's file, keeping
     * one entry per marker offset: the segment swap of the cleaner replaces several segments by one. Idempotent, so a
     * replacement interrupted after this step can run it again.
     */
    static void mergeInto(Path dir, List<Long> bases) throws IOException {
        if (bases.size() < 2) return;
        TreeMap<Long, AbortedTxn> byMarker = new TreeMap<>();
        boolean any = false;
        for (long b : bases) {
            Path f = fileFor(dir, b);
            if (!Files.exists(f)) continue;
            any = true;
            for (AbortedTxn t : read(f)) byMarker.putIfAbsent(t.lastOffset(), t);
        }
        if (!any) return;
        rewrite(fileFor(dir, bases.get(0)), new ArrayList<>(byMarker.values()));
    }

    private static void rewrite(Path target, List<AbortedTxn> entries) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = encode(entries);
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static ByteBuffer encode(List<AbortedTxn> entries) {
        ByteBuffer b = ByteBuffer.allocate(entries.size() * ENTRY_BYTES);
        for (AbortedTxn t : entries) {
            b.putShort(VERSION).putLong(t.producerId()).putLong(t.firstOffset()).putLong(t.lastOffset())
                    .putLong(t.lastStableOffset());
        }
        return b.flip();
    }
}
