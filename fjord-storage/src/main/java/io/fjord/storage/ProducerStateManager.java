package io.fjord.storage;

import io.fjord.protocol.api.Errors;
import io.fjord.protocol.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Idempotent-producer state of one partition: per producer id its epoch, the metadata of its last
 * {@value #BATCHES_RETAINED} batches (first/last sequence, first/last offset) and the broker time of its last append.
 * {@link #checkAppend} decides whether batches may be appended: a retried batch still in the window is a duplicate
 * (answered with its original offsets, nothing appended); an older epoch is fenced ({@code INVALID_PRODUCER_EPOCH},
 * what a 4.x broker answers an idempotent producer); a sequence that does not follow the last one, or a new epoch
 * not starting at 0, is {@code OUT_OF_ORDER_SEQUENCE_NUMBER}. A producer the partition has no state for (never
 * seen, expired after {@code producer.id.expiration.ms}, or its batches removed) is accepted at any sequence, as
 * Kafka 4.x does. Sequences wrap from {@link Integer#MAX_VALUE} to 0.
 *
 * <p>Durability: the state is derived from the log. A snapshot {@code <20-digit offset>.snapshot} holds the state of
 * every batch below that offset; it is written when a segment rolls and on clean shutdown. On open, the newest
 * snapshot at or below the log end is loaded (newer ones, left behind by a recovery truncation, are deleted) and
 * the batch headers after it are scanned to rebuild the rest; no decompression is needed.
 *
 * <p>Snapshot layout (big-endian):
 * <pre>
 * int16  version (1)
 * int32  CRC-32C of every byte after this field
 * int32  producer count
 * per producer:
 *   int64  producer id
 *   int16  epoch
 *   int64  broker time (ms) of the last append
 *   int8   batch count n (1..5), oldest first
 *   n x { int32 first sequence, int32 last sequence, int64 first offset, int64 last offset }
 * </pre>
 *
 * <p>Threading: not thread-safe; every call runs under the owning {@link PartitionLog}'s append lock, so the
 * duplicate check and the append it guards are atomic.
 */
public final class ProducerStateManager {
    private static final Logger log = LoggerFactory.getLogger(ProducerStateManager.class);
    public static final String SNAPSHOT_SUFFIX = ".snapshot";
    public static final long DEFAULT_EXPIRATION_MS = 86_400_000L;
    static final int BATCHES_RETAINED = 5;
    private static final int SNAPSHOTS_KEPT = 3;
    private static final short VERSION = 1;
    private static final int HEADER_BYTES = 2 + 4 + 4;
    private static final int BATCH_BYTES = 4 + 4 + 8 + 8;

    /** Metadata of one appended batch. */
    record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset) {
    }

    /** One producer's state. */
    static final class Entry {
        short epoch;
        long lastUpdateMs;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(BATCHES_RETAINED);

        int lastSeq() {
            return batches.isEmpty() ? -1 : batches.peekLast().lastSeq();
        }

        BatchMetadata find(int firstSeq, int lastSeq) {
            for (BatchMetadata b : batches) {
                if (b.firstSeq() == firstSeq && b.lastSeq() == lastSeq) return b;
            }
            return null;
        }

        void add(short batchEpoch, BatchMetadata b, long now) {
            if (batchEpoch != epoch) {
                epoch = batchEpoch;
                batches.clear();
            }
            if (batches.size() == BATCHES_RETAINED) batches.removeFirst();
            batches.addLast(b);
            lastUpdateMs = now;
        }
    }

    private final Path dir;
    private final Clock clock;
    private final long expirationMs;
    private final Map<Long, Entry> producers = new HashMap<>();

    ProducerStateManager(Path dir, Clock clock, long expirationMs) {
        this.dir = dir;
        this.clock = clock;
        this.expirationMs = expirationMs;
    }

    // ---------------------------------------------------------------- append path

    /**
     * Checks whole, framed batches before offsets are assigned.
     *
     * @return null if they may be appended, or the original offsets if the (single producer) batch is a duplicate
     * @throws ProducerStateException if a batch is fenced or out of sequence
     */
    LogAppendResult checkAppend(ByteBuffer batches) {
        long now = clock.millis();
        Map<Long, long[]> earlier = null; // producer id -> {epoch, last seq} of an earlier batch in this append
        int limit = batches.limit();
        for (int p = batches.position(); p < limit; p += RecordBatch.sizeInBytes(batches, p)) {
            long pid = RecordBatch.producerId(batches, p);
            if (pid < 0 || RecordBatch.isControl(batches, p)) continue;
            short epoch = RecordBatch.producerEpoch(batches, p);
            int firstSeq = RecordBatch.baseSequence(batches, p);
            if (firstSeq < 0 || epoch < 0) {
                throw new ProducerStateException(Errors.INVALID_RECORD,
                        "Batch of producer " + pid + " has no sequence number or epoch");
            }
            int lastSeq = incrementSequence(firstSeq, RecordBatch.lastOffsetDelta(batches, p));
            long[] prev = earlier == null ? null : earlier.get(pid);
            if (prev != null) {
                checkSequence(pid, (short) prev[0], (int) prev[1], epoch, firstSeq);
            } else {
                Entry e = liveEntry(pid, now);
                if (e != null) {
                    if (epoch == e.epoch) {
                        BatchMetadata dup = e.find(firstSeq, lastSeq);
                        if (dup != null) return LogAppendResult.duplicate(dup.firstOffset(), dup.lastOffset());
                    }
                    checkSequence(pid, e.epoch, e.lastSeq(), epoch, firstSeq);
                }
            }
            if (p + RecordBatch.sizeInBytes(batches, p) < limit) {
                if (earlier == null) earlier = new HashMap<>();
                earlier.put(pid, new long[] {epoch, lastSeq});
            }
        }
        return null;
    }

    private static void checkSequence(long pid, short currentEpoch, int currentLastSeq, short epoch, int firstSeq) {
        if (epoch < currentEpoch) {
            throw new ProducerStateException(Errors.INVALID_PRODUCER_EPOCH, "Producer " + pid + " has epoch " + epoch
                    + ", older than the current epoch " + currentEpoch);
        }
        if (epoch > currentEpoch) {
            if (firstSeq != 0) {
                throw new ProducerStateException(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, "Producer " + pid
                        + " starts new epoch " + epoch + " at sequence " + firstSeq + " instead of 0");
            }
        } else if (currentLastSeq >= 0 && !inSequence(currentLastSeq, firstSeq)) {
            throw new ProducerStateException(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, "Out of order sequence number for producer "
                    + pid + ": " + firstSeq + " (incoming), " + currentLastSeq + " (last appended)");
        }
    }

    /** Records batches just appended (their base offsets are assigned). */
    void onAppended(ByteBuffer batches) {
        long now = clock.millis();
        int limit = batches.limit();
        for (int p = batches.position(); p < limit; p += RecordBatch.sizeInBytes(batches, p)) {
            long pid = RecordBatch.producerId(batches, p);
            if (pid < 0 || RecordBatch.isControl(batches, p)) continue;
            int delta = RecordBatch.lastOffsetDelta(batches, p);
            int firstSeq = RecordBatch.baseSequence(batches, p);
            long base = RecordBatch.baseOffset(batches, p);
            producers.computeIfAbsent(pid, k -> new Entry()).add(RecordBatch.producerEpoch(batches, p),
                    new BatchMetadata(firstSeq, incrementSequence(firstSeq, delta), base, base + delta), now);
        }
    }

    private Entry liveEntry(long pid, long now) {
        Entry e = producers.get(pid);
        if (e != null && now - e.lastUpdateMs >= expirationMs) {
            producers.remove(pid);
            return null;
        }
        return e;
    }

    static boolean inSequence(int lastSeq, int nextSeq) {
        return nextSeq == lastSeq + 1L || (nextSeq == 0 && lastSeq == Integer.MAX_VALUE);
    }

    static int incrementSequence(int seq, int increment) {
        if (seq > Integer.MAX_VALUE - increment) return increment - (Integer.MAX_VALUE - seq) - 1;
        return seq + increment;
    }

    // ---------------------------------------------------------------- accessors (tests, tools)

    public int producerCount() {
        return producers.size();
    }

    /** The epoch of {@code producerId}, or -1 if this partition has no state for it. */
    public short epochOf(long producerId) {
        Entry e = producers.get(producerId);
        return e == null ? -1 : e.epoch;
    }

    /** The last sequence appended by {@code producerId}, or -1. */
    public int lastSequenceOf(long producerId) {
        Entry e = producers.get(producerId);
        return e == null ? -1 : e.lastSeq();
    }

    // ---------------------------------------------------------------- snapshots

    static Path snapshotFile(Path dir, long offset) {
        return dir.resolve(LogSegment.fileName(offset, SNAPSHOT_SUFFIX));
    }

    /** Writes the state of every batch below {@code offset} (the log end) and deletes all but the newest snapshots. */
    void takeSnapshot(long offset) throws IOException {
        long now = clock.millis();
        producers.values().removeIf(e -> now - e.lastUpdateMs >= expirationMs);
        int size = HEADER_BYTES;
        for (Entry e : producers.values()) size += 8 + 2 + 8 + 1 + e.batches.size() * BATCH_BYTES;
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.putShort(VERSION).putInt(0).putInt(producers.size());
        for (Map.Entry<Long, Entry> me : producers.entrySet()) {
            Entry e = me.getValue();
            buf.putLong(me.getKey()).putShort(e.epoch).putLong(e.lastUpdateMs).put((byte) e.batches.size());
            for (BatchMetadata b : e.batches) {
                buf.putInt(b.firstSeq()).putInt(b.lastSeq()).putLong(b.firstOffset()).putLong(b.lastOffset());
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 6, size - 6);
        buf.putInt(2, (int) crc.getValue());
        buf.flip();
        Path target = snapshotFile(dir, offset);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (buf.hasRemaining()) ch.write(buf);
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        List<Long> offsets = snapshotOffsets(dir);
        for (int i = 0; i < offsets.size() - SNAPSHOTS_KEPT; i++) Files.deleteIfExists(snapshotFile(dir, offsets.get(i)));
    }

    /** Offsets of the snapshot files in {@code dir}, ascending. */
    static List<Long> snapshotOffsets(Path dir) throws IOException {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SNAPSHOT_SUFFIX)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                String digits = name.substring(0, name.length() - SNAPSHOT_SUFFIX.length());
                if (digits.length() != 20) continue;
                try {
                    out.add(Long.parseLong(digits));
                } catch (NumberFormatException ignored) {
                    // not ours
                }
            }
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    /**
     * Deletes every snapshot of {@code dir} (the log is emptied). Always safe: without a snapshot the next load
     * rebuilds the state from the batch headers.
     */
    static void deleteAllSnapshots(Path dir) throws IOException {
        for (long off : snapshotOffsets(dir)) Files.deleteIfExists(snapshotFile(dir, off));
    }

    private boolean readSnapshot(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file));
        if (buf.remaining() < HEADER_BYTES || buf.getShort(0) != VERSION) return false;
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 6, buf.remaining() - 6);
        if ((int) crc.getValue() != buf.getInt(2)) return false;
        buf.position(6);
        int count = buf.getInt();
        Map<Long, Entry> loaded = new HashMap<>();
        try {
            for (int i = 0; i < count; i++) {
                long pid = buf.getLong();
                Entry e = new Entry();
                e.epoch = buf.getShort();
                e.lastUpdateMs = buf.getLong();
                int n = buf.get();
                for (int j = 0; j < n; j++) {
                    e.batches.addLast(new BatchMetadata(buf.getInt(), buf.getInt(), buf.getLong(), buf.getLong()));
                }
                loaded.put(pid, e);
            }
        } catch (java.nio.BufferUnderflowException ex) {
            return false;
        }
        producers.clear();
        producers.putAll(loaded);
        return true;
    }

    // ---------------------------------------------------------------- loading

    /**
     * Loads the state of a log whose segments are already recovered: the newest valid snapshot at or below
     * {@code logEndOffset}, then the batch headers from that offset on. Snapshots above the log end (the log was
     * cut in recovery) or unreadable are deleted.
     */
    static ProducerStateManager load(Path dir, List<LogSegment> segments, long logEndOffset, Clock clock,
                                     long expirationMs) throws IOException {
        ProducerStateManager m = new ProducerStateManager(dir, clock, expirationMs);
        long from = -1;
        List<Long> offsets = snapshotOffsets(dir);
        for (int i = offsets.size() - 1; i >= 0; i--) {
            long off = offsets.get(i);
            Path f = snapshotFile(dir, off);
            if (off > logEndOffset) {
                log.info("Deleting producer snapshot {} beyond the log end {}", f, logEndOffset);
                Files.deleteIfExists(f);
            } else if (from < 0 && m.readSnapshot(f)) {
                from = off;
            } else if (from < 0) {
                log.warn("Deleting unreadable producer snapshot {}", f);
                Files.deleteIfExists(f);
            }
        }
        if (from < 0) from = 0;
        if (from < logEndOffset) m.scan(segments, from, logEndOffset);
        return m;
    }

    /** Rebuilds from the headers of the batches in [{@code from}, {@code end}). */
    private void scan(List<LogSegment> segments, long from, long end) throws IOException {
        long now = clock.millis();
        ByteBuffer hdr = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        int scanned = 0;
        for (Iterator<LogSegment> it = segments.iterator(); it.hasNext(); ) {
            LogSegment s = it.next();
            if (s.nextOffset() <= from || s.baseOffset() >= end) continue;
            try (FileChannel ch = FileChannel.open(s.logFile(), StandardOpenOption.READ)) {
                long size = s.sizeInBytes();
                long pos = 0;
                while (pos + RecordBatch.HEADER_SIZE <= size) {
                    hdr.clear();
                    while (hdr.hasRemaining()) {
                        if (ch.read(hdr, pos + hdr.position()) < 0) break;
                    }
                    if (hdr.hasRemaining()) break;
                    int batchSize = RecordBatch.sizeInBytes(hdr, 0);
                    long base = RecordBatch.baseOffset(hdr, 0);
                    int delta = RecordBatch.lastOffsetDelta(hdr, 0);
                    if (base >= end) break;
                    long pid = RecordBatch.producerId(hdr, 0);
                    if (base + delta >= from && pid >= 0 && !RecordBatch.isControl(hdr, 0)) {
                        int firstSeq = RecordBatch.baseSequence(hdr, 0);
                        producers.computeIfAbsent(pid, k -> new Entry()).add(RecordBatch.producerEpoch(hdr, 0),
                                new BatchMetadata(firstSeq, incrementSequence(firstSeq, delta), base, base + delta), now);
                        scanned++;
                    }
                    pos += batchSize;
                }
            }
        }
        log.debug("Rebuilt producer state of {} from offset {}: {} batches, {} producers", dir, from, scanned,
                producers.size());
    }
}
