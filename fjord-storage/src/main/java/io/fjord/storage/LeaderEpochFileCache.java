package io.fjord.storage;

import io.fjord.protocol.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Which leader epoch wrote which offsets of one partition: a list of (epoch, start offset) entries, ascending in
 * both, where an epoch covers the offsets from its start up to the next entry's start (the latest one up to the log
 * end). It answers OffsetForLeaderEpoch ({@link #endOffsetFor}) so that a follower can find where its log diverges
 * from the leader's.
 *
 * <p>File {@value #FILE_NAME} in the partition directory, Kafka's text format:
 * <pre>
 * 0              version
 * 2              number of entries
 * 3 0            epoch startOffset
 * 5 1200
 * </pre>
 * Rewritten whole on every change: to {@code leader-epoch-checkpoint.tmp}, fsynced, then renamed over the old file,
 * so a crash leaves the old or the new list. {@link PartitionLog} assigns an epoch <em>before</em> it writes the
 * batch that carries it and truncates the cache <em>after</em> it truncated the data, so the file never lacks an
 * entry for data on disk; entries at or beyond the log end are trimmed when the log is loaded.
 *
 * <p>Threading: thread-safe. Readers (the fetch path, OffsetForLeaderEpoch) take a read lock; mutators (the
 * partition's append path, under its append lock) take the write lock and write the file while holding it.
 */
public final class LeaderEpochFileCache {
    private static final Logger log = LoggerFactory.getLogger(LeaderEpochFileCache.class);
    public static final String FILE_NAME = "leader-epoch-checkpoint";
    /** Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET. */
    public static final int UNDEFINED_EPOCH = -1;
    public static final long UNDEFINED_EPOCH_OFFSET = -1L;
    private static final int VERSION = 0;

    private final Path file;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Epoch to entry; start offsets ascend with the epochs. */
    private final TreeMap<Integer, EpochEntry> epochs = new TreeMap<>();

    private LeaderEpochFileCache(Path file, List<EpochEntry> entries) {
        this.file = file;
        for (EpochEntry e : entries) epochs.put(e.epoch(), e);
    }

    /** A cache of {@code entries} (ascending, already checked) stored in {@code <dir>/leader-epoch-checkpoint}. */
    static LeaderEpochFileCache of(Path dir, List<EpochEntry> entries) {
        return new LeaderEpochFileCache(dir.resolve(FILE_NAME), entries);
    }

    /**
     * Reads {@code <dir>/leader-epoch-checkpoint}. Returns null if the file is missing or malformed (bad header or
     * count, unparsable line, entries not strictly ascending in epoch and non-decreasing in offset, negatives):
     * the caller then rebuilds the cache from the batch headers.
     */
    static List<EpochEntry> readFile(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) return null;
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.size() < 2 || Integer.parseInt(lines.get(0).trim()) != VERSION) {
                throw new IllegalArgumentException("bad header");
            }
            int count = Integer.parseInt(lines.get(1).trim());
            if (count < 0 || lines.size() < 2 + count) throw new IllegalArgumentException("expected " + count + " entries");
            List<EpochEntry> out = new ArrayList<>(count);
            for (int i = 2; i < 2 + count; i++) {
                String[] f = lines.get(i).trim().split(" ");
                if (f.length != 2) throw new IllegalArgumentException("bad line '" + lines.get(i) + "'");
                EpochEntry e = new EpochEntry(Integer.parseInt(f[0]), Long.parseLong(f[1]));
                if (e.epoch() < 0 || e.startOffset() < 0) throw new IllegalArgumentException("negative entry " + e);
                if (!out.isEmpty()) {
                    EpochEntry prev = out.get(out.size() - 1);
                    if (e.epoch() <= prev.epoch() || e.startOffset() < prev.startOffset()) {
                        throw new IllegalArgumentException("entry " + e + " does not follow " + prev);
                    }
                }
                out.add(e);
            }
            return out;
        } catch (IOException | RuntimeException e) {
            log.warn("Ignoring malformed leader epoch checkpoint {}: {}", file, e.toString());
            return null;
        }
    }

    public Path file() {
        return file;
    }

    // ---------------------------------------------------------------- mutators

    /**
     * Records that {@code epoch} starts at {@code startOffset}. An epoch at or below the latest one is ignored
     * (it is already recorded, or stale). If {@code startOffset} is below the latest entry's start, the entries
     * starting at or after it are dropped first: their data was truncated, as Kafka does for a new epoch.
     *
     * @throws IllegalArgumentException for a negative epoch or offset
     */
    public void assign(int epoch, long startOffset) {
        if (epoch < 0 || startOffset < 0) {
            throw new IllegalArgumentException("invalid leader epoch entry (" + epoch + ", " + startOffset + ")");
        }
        lock.writeLock().lock();
        try {
            Map.Entry<Integer, EpochEntry> latest = epochs.lastEntry();
            if (latest != null && epoch <= latest.getKey()) return;
            List<EpochEntry> removed = new ArrayList<>();
            while (!epochs.isEmpty() && epochs.lastEntry().getValue().startOffset() >= startOffset) {
                removed.add(epochs.pollLastEntry().getValue());
            }
            epochs.put(epoch, new EpochEntry(epoch, startOffset));
            if (!removed.isEmpty()) {
                log.warn("{}: new epoch {} at {} replaced entries {}", file.getParent(), epoch, startOffset, removed);
            }
            writeFile();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Before a write of {@code batches} (whole magic-2 batches, the buffer's position to its limit, offsets
     * assigned): assigns each batch's partition leader epoch that is newer than the latest one so far, starting at
     * that batch's base offset. The caller (a partition append, under its append lock) writes the bytes afterwards.
     */
    void assignEpochsOf(ByteBuffer batches) {
        OptionalInt latestOpt = latestEpoch();
        int latest = latestOpt.isPresent() ? latestOpt.getAsInt() : -1;
        for (int p = batches.position(); p < batches.limit(); p += RecordBatch.sizeInBytes(batches, p)) {
            int epoch = RecordBatch.partitionLeaderEpoch(batches, p);
            if (epoch > latest) {
                assign(epoch, RecordBatch.baseOffset(batches, p));
                latest = epoch;
            }
        }
    }

    /** Removes the entries starting at or after {@code endOffset} (the log was truncated to it). */
    public void truncateFromEnd(long endOffset) {
        lock.writeLock().lock();
        try {
            boolean changed = false;
            while (!epochs.isEmpty() && epochs.lastEntry().getValue().startOffset() >= endOffset) {
                epochs.pollLastEntry();
                changed = true;
            }
            if (changed) writeFile();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * The log now starts at {@code startOffset}: entries wholly below it go, and the one spanning it (the last
     * entry starting at or below it) is moved to start at {@code startOffset}. An entry starting after it stays.
     */
    public void truncateFromStart(long startOffset) {
        lock.writeLock().lock();
        try {
            Map.Entry<Integer, EpochEntry> spanning = null;
            for (Map.Entry<Integer, EpochEntry> e : epochs.entrySet()) {
                if (e.getValue().startOffset() > startOffset) break;
                spanning = e;
            }
            if (spanning == null) return;
            if (spanning.getValue().startOffset() == startOffset && spanning.getKey().equals(epochs.firstKey())) return;
            int epoch = spanning.getKey();
            epochs.headMap(epoch, true).clear();
            epochs.put(epoch, new EpochEntry(epoch, startOffset));
            writeFile();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes every entry (the log was emptied). */
    public void clear() {
        lock.writeLock().lock();
        try {
            epochs.clear();
            writeFile();
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ---------------------------------------------------------------- readers

    public OptionalInt latestEpoch() {
        lock.readLock().lock();
        try {
            return epochs.isEmpty() ? OptionalInt.empty() : OptionalInt.of(epochs.lastKey());
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The start offset recorded for exactly {@code epoch}, if any. */
    public OptionalLong startOffsetOf(int epoch) {
        lock.readLock().lock();
        try {
            EpochEntry e = epochs.get(epoch);
            return e == null ? OptionalLong.empty() : OptionalLong.of(e.startOffset());
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A copy of the entries, ascending. */
    public List<EpochEntry> entries() {
        lock.readLock().lock();
        try {
            return List.copyOf(epochs.values());
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Kafka's OffsetForLeaderEpoch answer for {@code requestedEpoch}, given the log end offset:
     * <ul>
     * <li>{@value #UNDEFINED_EPOCH} requested, an empty cache, or an epoch above the latest: UNDEFINED;</li>
     * <li>the latest epoch: (latest, {@code logEndOffset});</li>
     * <li>an epoch below the first entry: (requested, start of the first entry). The epochs before it were removed
     *     with their data (retention), so the follower should truncate to where the leader's known history
     *     begins; this is what Kafka answers (its doc comment mentions UNDEFINED, its code does this);</li>
     * <li>otherwise: (largest epoch E &lt;= requested, start offset of the first entry after E).</li>
     * </ul>
     */
    public EpochEndOffset endOffsetFor(int requestedEpoch, long logEndOffset) {
        lock.readLock().lock();
        try {
            if (requestedEpoch == UNDEFINED_EPOCH || epochs.isEmpty()) return EpochEndOffset.UNDEFINED;
            if (requestedEpoch == epochs.lastKey()) return new EpochEndOffset(requestedEpoch, logEndOffset);
            Map.Entry<Integer, EpochEntry> higher = epochs.higherEntry(requestedEpoch);
            if (higher == null) return EpochEndOffset.UNDEFINED;
            Map.Entry<Integer, EpochEntry> floor = epochs.floorEntry(requestedEpoch);
            long end = higher.getValue().startOffset();
            return new EpochEndOffset(floor == null ? requestedEpoch : floor.getKey(), end);
        } finally {
            lock.readLock().unlock();
        }
    }

    // ---------------------------------------------------------------- file

    /** Writes the current entries (caller holds the write lock). */
    private void writeFile() {
        StringBuilder sb = new StringBuilder(16 + epochs.size() * 24);
        sb.append(VERSION).append('\n').append(epochs.size()).append('\n');
        for (EpochEntry e : epochs.values()) sb.append(e.epoch()).append(' ').append(e.startOffset()).append('\n');
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try {
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new StorageException("cannot write " + file, e);
        }
    }

    /** Writes the file even if nothing changed (a cache rebuilt from the log on load). */
    void persist() {
        lock.writeLock().lock();
        try {
            writeFile();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "LeaderEpochFileCache(" + entries() + ")";
    }
}
