package io.fjord.storage;

import io.fjord.protocol.api.Errors;
import io.fjord.protocol.record.ControlRecords;
import io.fjord.protocol.record.InvalidRecordException;
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
 * Producer state of one partition: per producer id its epoch, the metadata of its last {@value #BATCHES_RETAINED}
 * batches (first/last sequence, first/last offset), the broker time of its last append, and for transactional
 * producers the coordinator epoch of its last marker and the first offset of its open transaction here.
 * {@link #checkAppend} decides whether batches may be appended: a retried batch still in the window is a duplicate
 * (answered with its original offsets, nothing appended); an older epoch is fenced ({@code INVALID_PRODUCER_EPOCH},
 * what a 4.x broker answers an idempotent producer); a sequence that does not follow the last one, or a new epoch
 * not starting at 0, is {@code OUT_OF_ORDER_SEQUENCE_NUMBER}. A producer the partition has no state for (never
 * seen, expired after {@code producer.id.expiration.ms}, or its batches removed) is accepted at any sequence, as
 * Kafka 4.x does. Sequences wrap from {@link Integer#MAX_VALUE} to 0.
 *
 * <p>Transactions (Kafka's rules): a transactional batch of a producer without an open transaction opens one at its
 * base offset; a non-transactional batch while one is open is {@code INVALID_TXN_STATE}. A COMMIT/ABORT marker
 * ({@link #checkMarker}: an older producer epoch is {@code INVALID_PRODUCER_EPOCH} — with transaction version 2 the
 * marker's epoch must be above the current one, or equal with no transaction open, a retried marker — and an older
 * coordinator epoch {@code TRANSACTION_COORDINATOR_FENCED}) closes the open transaction; an aborted one is handed to
 * the caller's {@link AbortSink} for the transaction index. A marker for a producer with nothing open here is still
 * written (the coordinator cannot know which partitions got data) and only updates the producer's epochs. Open and
 * just-completed transactions make up the partition's unstable region ({@link #unstable}): the last stable offset is
 * the smallest first offset of a transaction still open, or completed by a marker the high watermark has not yet
 * passed, and never above the high watermark. Producers with an open transaction never expire.
 *
 * <p>Durability: the state is derived from the log. A snapshot {@code <20-digit offset>.snapshot} holds the state of
 * every batch below that offset; it is written when a segment rolls and on clean shutdown. On open, the newest
 * snapshot at or below the log end is loaded (newer ones, left behind by a recovery truncation, are deleted) and
 * the batch headers after it are scanned to rebuild the rest; no decompression is needed.
 *
 * <p>Snapshot layout (big-endian); version 1 (written before transactions) lacks the three fields marked v2 and
 * is still read:
 * <pre>
 * int16  version (2)
 * int32  CRC-32C of every byte after this field
 * int32  producer count
 * per producer:
 *   int64  producer id
 *   int16  epoch
 *   int64  broker time (ms) of the last append
 *   int32  coordinator epoch of the last marker, -1 if none        (v2)
 *   int64  first offset of the open transaction, -1 if none        (v2)
 *   int64  max timestamp of the last batch or marker, -1 if none   (v2)
 *   int8   batch count n (0..5), oldest first
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
    private static final short VERSION = 2;
    private static final short VERSION_1 = 1;
    private static final int HEADER_BYTES = 2 + 4 + 4;
    private static final int BATCH_BYTES = 4 + 4 + 8 + 8;

    /** Metadata of one appended batch. */
    record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset) {
    }

    /** One producer's state. */
    static final class Entry {
        short epoch;
        long lastUpdateMs;
        int coordinatorEpoch = -1;
        long currentTxnFirstOffset = -1;
        long lastTimestamp = -1;
        /** Markers applied to this producer since the log was opened (in memory only): the verification guard. */
        long markersApplied;
        /**
         * A marker moved the producer to a new epoch (transaction version 2) and no batch of it is here yet: its
         * first batch must start at sequence 0 (in memory only; after a restart any sequence is taken, as for an
         * unknown producer).
         */
        boolean newEpochByMarker;
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
            newEpochByMarker = false;
            lastUpdateMs = now;
        }

        /** A marker: the transaction (if any) is over; a new epoch forgets the old epoch's batches. */
        void endTransaction(short markerEpoch, int markerCoordinatorEpoch, long timestamp, long now) {
            if (markerEpoch != epoch) {
                epoch = markerEpoch;
                batches.clear();
                newEpochByMarker = true;
            }
            coordinatorEpoch = markerCoordinatorEpoch;
            currentTxnFirstOffset = -1;
            markersApplied++;
            lastTimestamp = timestamp;
            lastUpdateMs = now;
        }

        boolean expired(long now, long expirationMs) {
            return currentTxnFirstOffset < 0 && now - lastUpdateMs >= expirationMs;
        }
    }

    /** A transaction a marker ended: its producer, first data offset, marker offset, and whether it aborted. */
    record CompletedTxn(long producerId, long firstOffset, long lastOffset, boolean aborted) {
    }

    /** Receives the aborted transactions found while batches are recorded (the transaction index). */
    @FunctionalInterface
    interface AbortSink {
        void aborted(AbortedTxn txn) throws IOException;
    }

    /** What DescribeProducers reports of one producer. */
    public record ProducerInfo(long producerId, short epoch, int lastSequence, long lastTimestamp,
                               int coordinatorEpoch, long currentTxnStartOffset) {
    }

    private final Path dir;
    private final Clock clock;
    private final long expirationMs;
    private final Map<Long, Entry> producers = new HashMap<>();
    /** Open transactions: first offset -> producer id. */
    private final java.util.TreeMap<Long, Long> ongoing = new java.util.TreeMap<>();
    /** Transactions a marker ended that the high watermark may not have passed yet: first offset -> marker offset. */
    private final java.util.TreeMap<Long, Long> unreplicated = new java.util.TreeMap<>();

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
        return checkAppend(batches, NO_GUARD);
    }

    /** No verification guard: the batches were not verified with the transaction coordinator. */
    public static final long NO_GUARD = -1L;

    /**
     * As {@link #checkAppend(ByteBuffer)}, and a transactional batch that would open a transaction is refused with
     * INVALID_TXN_STATE unless its producer's {@link #verificationGuard} still equals {@code guard} (KIP-890 part 1:
     * a marker that arrived while the partition was being verified with the coordinator ended the transaction the
     * verification was about, so the batch must not open a new one).
     */
    LogAppendResult checkAppend(ByteBuffer batches, long guard) {
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
                    if (epoch == e.epoch && e.newEpochByMarker && firstSeq != 0) {
                        // Kafka's rule: a known epoch with no sequence yet starts at 0. A later batch of the new
                        // epoch arriving first (an earlier one is being retried) must wait for it.
                        throw new ProducerStateException(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, "Out of order sequence"
                                + " number for producer " + pid + ": " + firstSeq + " (incoming), the epoch " + epoch
                                + " has no batch yet");
                    }
                    if (e.currentTxnFirstOffset >= 0 && !RecordBatch.isTransactional(batches, p)) {
                        throw new ProducerStateException(Errors.INVALID_TXN_STATE, "Expected transactional write from"
                                + " producer " + pid + ": its transaction from offset " + e.currentTxnFirstOffset
                                + " is still open");
                    }
                }
                if (guard != NO_GUARD && RecordBatch.isTransactional(batches, p) && (e == null || e.currentTxnFirstOffset < 0)
                        && verificationGuard(pid) != guard) {
                    throw new ProducerStateException(Errors.INVALID_TXN_STATE, "The transaction of producer " + pid
                            + " ended while the partition was being verified with its coordinator");
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

    /**
     * Checks a COMMIT/ABORT marker the coordinator asks for, before it is written.
     *
     * @param transactionVersion the WriteTxnMarkers request's (0/1 legacy, 2 = KIP-890 epoch bump per transaction)
     * @throws ProducerStateException INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED
     */
    void checkMarker(long pid, short epoch, int coordinatorEpoch, int transactionVersion) {
        Entry e = liveEntry(pid, clock.millis());
        if (e == null) return;
        boolean invalid = transactionVersion >= 2 ? epoch <= e.epoch : epoch < e.epoch;
        boolean retried = transactionVersion >= 2 && epoch == e.epoch && e.currentTxnFirstOffset < 0;
        if (invalid && !retried) {
            throw new ProducerStateException(Errors.INVALID_PRODUCER_EPOCH, "Marker epoch " + epoch + " of producer "
                    + pid + " is " + (transactionVersion >= 2 ? "not above" : "below") + " its epoch " + e.epoch);
        }
        if (e.coordinatorEpoch > coordinatorEpoch) {
            throw new ProducerStateException(Errors.TRANSACTION_COORDINATOR_FENCED, "Coordinator epoch "
                    + coordinatorEpoch + " of the marker for producer " + pid + " is older than " + e.coordinatorEpoch);
        }
    }

    /**
     * Records batches just appended (their base offsets are assigned), data and markers alike: a transactional batch
     * may open a transaction, a marker closes one; aborted ones go to {@code sink}, in marker order. A marker batch
     * must be whole in {@code batches} (its record is read).
     */
    void onAppended(ByteBuffer batches, AbortSink sink) throws IOException {
        long now = clock.millis();
        int limit = batches.limit();
        for (int p = batches.position(); p < limit; p += RecordBatch.sizeInBytes(batches, p)) {
            record(batches, p, now, sink);
        }
    }

    /** Records the batch at {@code p}: its header fields, and for a marker its record (then the batch is whole). */
    private void record(ByteBuffer batches, int p, long now, AbortSink sink) throws IOException {
        long pid = RecordBatch.producerId(batches, p);
        if (pid < 0) return;
        long base = RecordBatch.baseOffset(batches, p);
        short epoch = RecordBatch.producerEpoch(batches, p);
        if (RecordBatch.isControl(batches, p)) {
            ControlRecords.EndTxnMarker m;
            try {
                m = ControlRecords.readMarker(batches, p);
            } catch (InvalidRecordException e) {
                log.warn("Unreadable control batch at offset {} of {}: {}", base, dir, e.getMessage());
                return;
            }
            if (m != null) onMarker(pid, epoch, m, base, RecordBatch.maxTimestamp(batches, p), now, sink);
            return;
        }
        int delta = RecordBatch.lastOffsetDelta(batches, p);
        int firstSeq = RecordBatch.baseSequence(batches, p);
        Entry e = producers.computeIfAbsent(pid, k -> new Entry());
        e.add(epoch, new BatchMetadata(firstSeq, incrementSequence(firstSeq, delta), base, base + delta), now);
        e.lastTimestamp = RecordBatch.maxTimestamp(batches, p);
        if (RecordBatch.isTransactional(batches, p) && e.currentTxnFirstOffset < 0) {
            e.currentTxnFirstOffset = base;
            ongoing.put(base, pid);
        }
    }

    private void onMarker(long pid, short epoch, ControlRecords.EndTxnMarker m, long offset, long timestamp, long now,
                          AbortSink sink) throws IOException {
        Entry e = producers.computeIfAbsent(pid, k -> new Entry());
        long first = e.currentTxnFirstOffset;
        e.endTransaction(epoch, m.coordinatorEpoch(), timestamp, now);
        if (first < 0) return; // nothing of this producer was open here: the marker changes no transaction
        ongoing.remove(first);
        unreplicated.put(first, offset);
        if (m.isAbort()) {
            // The LSO right after this marker: the next still-open transaction's start, else just past the marker.
            long lso = ongoing.isEmpty() ? offset + 1 : Math.min(ongoing.firstKey(), offset + 1);
            sink.aborted(new AbortedTxn(pid, first, offset, lso));
        }
    }

    /**
     * The unstable region as (first offset, end) pairs, flattened: {@code end} is the marker offset of a completed
     * transaction the high watermark {@code hw} has not yet passed, or {@link Long#MAX_VALUE} for an open one.
     * Completed transactions below {@code hw} are forgotten. The caller publishes the array for lock-free LSO reads.
     */
    long[] unstable(long hw) {
        unreplicated.values().removeIf(marker -> marker < hw);
        long[] out = new long[2 * (ongoing.size() + unreplicated.size())];
        int i = 0;
        for (long first : ongoing.keySet()) {
            out[i++] = first;
            out[i++] = Long.MAX_VALUE;
        }
        for (Map.Entry<Long, Long> u : unreplicated.entrySet()) {
            out[i++] = u.getKey();
            out[i++] = u.getValue();
        }
        return out;
    }

    /**
     * The first unstable offset given the {@link #unstable} array and the high watermark: the smallest first offset
     * of a transaction open, or ended by a marker at or above {@code hw}; {@link Long#MAX_VALUE} if none. The last
     * stable offset is its minimum with the high watermark.
     */
    static long firstUnstableOffset(long[] unstable, long hw) {
        long first = Long.MAX_VALUE;
        for (int i = 0; i < unstable.length; i += 2) {
            if (unstable[i + 1] >= hw && unstable[i] < first) first = unstable[i];
        }
        return first;
    }

    /** Every producer this partition keeps state for (DescribeProducers). */
    List<ProducerInfo> producerInfos() {
        List<ProducerInfo> out = new ArrayList<>(producers.size());
        for (Map.Entry<Long, Entry> me : producers.entrySet()) {
            Entry e = me.getValue();
            out.add(new ProducerInfo(me.getKey(), e.epoch, e.lastSeq(), e.lastTimestamp, e.coordinatorEpoch,
                    e.currentTxnFirstOffset));
        }
        out.sort(Comparator.comparingLong(ProducerInfo::producerId));
        return out;
    }

    private Entry liveEntry(long pid, long now) {
        Entry e = producers.get(pid);
        if (e != null && e.expired(now, expirationMs)) {
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

    /**
     * The verification guard of {@code producerId} (KIP-890 part 1): read before asking the coordinator whether the
     * partition is in the producer's transaction, passed to the append after; a marker in between changes it.
     */
    public long verificationGuard(long producerId) {
        Entry e = producers.get(producerId);
        return e == null ? 0 : e.markersApplied;
    }

    /** Whether {@code producerId} at {@code epoch} has a transaction open on this partition. */
    public boolean hasOngoingTransaction(long producerId, short epoch) {
        Entry e = producers.get(producerId);
        return e != null && e.epoch == epoch && e.currentTxnFirstOffset >= 0;
    }

    /** First offset of {@code producerId}'s open transaction here, or -1. */
    public long openTransactionStart(long producerId) {
        Entry e = producers.get(producerId);
        return e == null ? -1 : e.currentTxnFirstOffset;
    }

    // ---------------------------------------------------------------- snapshots

    static Path snapshotFile(Path dir, long offset) {
        return dir.resolve(LogSegment.fileName(offset, SNAPSHOT_SUFFIX));
    }

    /** Writes the state of every batch below {@code offset} (the log end) and deletes all but the newest snapshots. */
    void takeSnapshot(long offset) throws IOException {
        long now = clock.millis();
        producers.values().removeIf(e -> e.expired(now, expirationMs));
        int size = HEADER_BYTES;
        for (Entry e : producers.values()) size += 8 + 2 + 8 + 4 + 8 + 8 + 1 + e.batches.size() * BATCH_BYTES;
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.putShort(VERSION).putInt(0).putInt(producers.size());
        for (Map.Entry<Long, Entry> me : producers.entrySet()) {
            Entry e = me.getValue();
            buf.putLong(me.getKey()).putShort(e.epoch).putLong(e.lastUpdateMs).putInt(e.coordinatorEpoch)
                    .putLong(e.currentTxnFirstOffset).putLong(e.lastTimestamp).put((byte) e.batches.size());
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
        short version = buf.remaining() < HEADER_BYTES ? -1 : buf.getShort(0);
        if (version != VERSION && version != VERSION_1) return false;
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
                if (version >= VERSION) {
                    e.coordinatorEpoch = buf.getInt();
                    e.currentTxnFirstOffset = buf.getLong();
                    e.lastTimestamp = buf.getLong();
                }
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
        ongoing.clear();
        unreplicated.clear();
        for (Map.Entry<Long, Entry> me : loaded.entrySet()) {
            if (me.getValue().currentTxnFirstOffset >= 0) ongoing.put(me.getValue().currentTxnFirstOffset, me.getKey());
        }
        return true;
    }

    // ---------------------------------------------------------------- loading

    /** {@link #load(Path, List, long, long, Clock, long)} with every snapshot up to the log end usable. */
    static ProducerStateManager load(Path dir, List<LogSegment> segments, long logEndOffset, Clock clock,
                                     long expirationMs) throws IOException {
        return load(dir, segments, logEndOffset, logEndOffset, clock, expirationMs);
    }

    /**
     * Loads the state of a log whose segments are already recovered: the newest valid snapshot at or below
     * {@code maxSnapshotOffset} (the log end, or after a crash the base of the first recovered segment, so that the
     * transaction index of every recovered segment is rebuilt), then the batches from that offset on. Snapshots above
     * the log end (the log was cut in recovery) or unreadable are deleted. The transaction indexes are made to agree
     * with the scan: entries for markers at or after the snapshot offset are dropped and re-added as the scan meets
     * the markers, so a torn or lost index entry, or one beyond a truncation, cannot survive a load.
     */
    static ProducerStateManager load(Path dir, List<LogSegment> segments, long logEndOffset, long maxSnapshotOffset,
                                     Clock clock, long expirationMs) throws IOException {
        ProducerStateManager m = new ProducerStateManager(dir, clock, expirationMs);
        long from = -1;
        List<Long> offsets = snapshotOffsets(dir);
        for (int i = offsets.size() - 1; i >= 0; i--) {
            long off = offsets.get(i);
            Path f = snapshotFile(dir, off);
            if (off > logEndOffset) {
                log.info("Deleting producer snapshot {} beyond the log end {}", f, logEndOffset);
                Files.deleteIfExists(f);
            } else if (from < 0 && off <= maxSnapshotOffset && m.readSnapshot(f)) {
                from = off;
            } else if (from < 0 && off <= maxSnapshotOffset) {
                log.warn("Deleting unreadable producer snapshot {}", f);
                Files.deleteIfExists(f);
            }
        }
        if (from < 0) from = 0;
        for (LogSegment s : segments) {
            if (s.nextOffset() > from || s.baseOffset() >= from) s.txnIndex().truncateFrom(from);
        }
        if (from < logEndOffset) m.scan(segments, from, logEndOffset);
        return m;
    }

    /** Rebuilds from the batches in [{@code from}, {@code end}): headers only, plus the record of each marker. */
    private void scan(List<LogSegment> segments, long from, long end) throws IOException {
        ByteBuffer hdr = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        long now = clock.millis();
        int scanned = 0;
        for (Iterator<LogSegment> it = segments.iterator(); it.hasNext(); ) {
            LogSegment s = it.next();
            if (s.nextOffset() <= from || s.baseOffset() >= end) continue;
            AbortSink sink = t -> s.txnIndex().append(t);
            try (FileChannel ch = FileChannel.open(s.logFile(), StandardOpenOption.READ)) {
                long size = s.sizeInBytes();
                long pos = 0;
                while (pos + RecordBatch.HEADER_SIZE <= size) {
                    if (!readFully(ch, hdr, pos)) break;
                    int batchSize = RecordBatch.sizeInBytes(hdr, 0);
                    long base = RecordBatch.baseOffset(hdr, 0);
                    if (base >= end) break;
                    long pid = RecordBatch.producerId(hdr, 0);
                    if (RecordBatch.lastOffset(hdr, 0) >= from && pid >= 0) {
                        ByteBuffer batch = hdr;
                        if (RecordBatch.isControl(hdr, 0)) { // a marker is small: read it whole for its record
                            batch = ByteBuffer.allocate(batchSize);
                            if (pos + batchSize > size || !readFully(ch, batch, pos)) break;
                        }
                        record(batch, 0, now, sink);
                        scanned++;
                    }
                    pos += batchSize;
                }
            }
        }
        log.debug("Rebuilt producer state of {} from offset {}: {} batches, {} producers", dir, from, scanned,
                producers.size());
    }

    private static boolean readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        b.clear();
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) return false;
        }
        return true;
    }
}
