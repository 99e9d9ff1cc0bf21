package io.fjord.storage.cleaner;

import io.fjord.protocol.record.Record;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.protocol.record.RecordBatchBuilder;
import io.fjord.protocol.record.RecordBatchReader;
import io.fjord.storage.AbortedTxn;
import io.fjord.storage.LogConfig;
import io.fjord.storage.LogManager;
import io.fjord.storage.LogManager.TopicPartition;
import io.fjord.storage.LogSegment;
import io.fjord.storage.PartitionLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.zip.CRC32C;

/**
 * Log compaction for partitions whose config has {@link LogConfig.Compaction#compact()} set: keeps the last record
 * of every key, drops keyless records, and drops tombstones (null value) once their delete horizon passed.
 *
 * <p>A log is split into a clean part (already compacted; from the log start up to the offset in the dir's
 * {@link CleanerCheckpoint}) and a dirty part after it. A pass over one log:
 * <ol>
 * <li>picks the cleanable range: closed segments only, ending before the first dirty segment holding a record
 *     newer than {@code min.compaction.lag.ms} (by its max timestamp); the log qualifies when dirty bytes /
 *     cleanable bytes {@code >= min.cleanable.dirty.ratio}, or when a delete horizon written earlier has passed;</li>
 * <li>builds a key → last offset map over the dirty segments of that range;</li>
 * <li>rewrites the whole range, group by group (consecutive segments whose total size fits in segment.bytes and
 *     whose batches fit the index), into {@code .cleaned} files and swaps each in with
 *     {@link PartitionLog#replaceSegments}. A record survives if it has a key, no later offset of the key is in the
 *     map, and it is not a tombstone past its batch's delete horizon. A batch whose records all survive (and whose
 *     horizon does not change) is copied byte for byte; otherwise its surviving records are re-encoded with the
 *     batch's codec, keeping the batch's base offset and last offset delta, producer id/epoch/base sequence, leader
 *     epoch, transactional flag and timestamp type, and every record's offset, timestamp and headers. Control
 *     batches are copied unchanged. A batch left empty is dropped, so offsets have gaps.</li>
 * <li>moves the checkpoint to the end of the range.</li>
 * </ol>
 *
 * <p>Tombstones (Kafka's delete-horizon scheme, KIP-534): a batch that still has tombstones after a pass but no
 * delete horizon is re-encoded with attribute bit 6 set and base timestamp = pass time + {@code delete.retention.ms}
 * (record timestamps are stored relative to it, so they do not change). A later pass at or after that time drops
 * the tombstones. The cleaner remembers the earliest horizon it wrote per log so that a log with no new data is
 * still cleaned again when a horizon expires; after a restart every compacted log gets one pass to relearn it.
 *
 * <p>Transactions (Kafka's rules): the cleanable range ends at or below the first unstable offset (the start of
 * the first transaction open, or whose marker is not yet replicated), so only decided
 * transactions are cleaned. Batches of aborted transactions (the transaction indexes of the range) are dropped and
 * never enter the key map, so they cannot shadow an earlier committed value. A COMMIT/ABORT marker is kept while
 * any data batch of its transaction is kept in the pass; once none is, it is treated like a tombstone: the first
 * such pass re-encodes it with a delete horizon (now + {@code delete.retention.ms}), a pass after the horizon drops
 * it — so a consumer that read the data has had {@code delete.retention.ms} to read the marker too.
 *
 * <p>Not done: {@code max.compaction.lag.ms}, a bounded offset map (the map holds every key of the dirty part).
 *
 * <p>Threading: {@code log.cleaner.threads} workers each pick the dirtiest eligible log not being cleaned by another
 * worker, every {@code log.cleaner.backoff.ms} when idle. {@link #cleanOnce} runs one pass synchronously (tests).
 */
public final class LogCleaner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);

    private final Supplier<Collection<PartitionLog>> logs;
    private final int threads;
    private final long backoffMs;
    private final Clock clock;
    private final Set<PartitionLog> inProgress = ConcurrentHashMap.newKeySet();
    private double maxIoBytesPerSecond = Double.MAX_VALUE;
    private final ThreadLocal<Throttler> throttler = ThreadLocal.withInitial(() -> new Throttler(maxIoBytesPerSecond));
    /** Earliest delete horizon written into each log's clean part (absent: none, or unknown after a restart). */
    private final Map<PartitionLog, Long> pendingHorizon = new ConcurrentHashMap<>();
    private final Set<PartitionLog> seen = ConcurrentHashMap.newKeySet();
    private final Map<Path, Map<TopicPartition, Long>> checkpoints = new HashMap<>();
    private ScheduledExecutorService pool;

    public LogCleaner(LogManager logManager, int threads, long backoffMs, Clock clock) {
        this(logManager::allLogs, threads, backoffMs, clock);
    }

    /** @param maxIoBytesPerSecond {@code log.cleaner.io.max.bytes.per.second}, per worker ({@code Double.MAX_VALUE}: no limit) */
    public LogCleaner(LogManager logManager, int threads, long backoffMs, double maxIoBytesPerSecond, Clock clock) {
        this(logManager::allLogs, threads, backoffMs, clock);
        this.maxIoBytesPerSecond = maxIoBytesPerSecond;
    }

    public LogCleaner(Supplier<Collection<PartitionLog>> logs, int threads, long backoffMs, Clock clock) {
        if (threads < 1) throw new IllegalArgumentException("log.cleaner.threads must be >= 1");
        this.logs = logs;
        this.threads = threads;
        this.backoffMs = Math.max(1, backoffMs);
        this.clock = clock;
    }

    public synchronized void start() {
        if (pool != null) return;
        AtomicInteger n = new AtomicInteger();
        pool = Executors.newScheduledThreadPool(threads, r -> {
            Thread t = new Thread(r, "fjord-log-cleaner-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < threads; i++) {
            pool.scheduleWithFixedDelay(this::work, backoffMs, backoffMs, TimeUnit.MILLISECONDS);
        }
    }

    private void work() {
        try {
            while (!Thread.currentThread().isInterrupted() && cleanOnce()) {
                // keep going while there is work
            }
        } catch (RuntimeException e) {
            log.warn("Log cleaner pass failed", e);
        }
    }

    /** Stops the workers, waiting for a pass in progress to finish. */
    @Override
    public synchronized void close() {
        if (pool == null) return;
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) log.warn("Log cleaner did not stop within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Cleans the most eligible log, if any; returns whether a pass ran to completion. */
    public boolean cleanOnce() {
        long now = clock.millis();
        PartitionLog best = null;
        double bestRatio = -1;
        for (PartitionLog l : logs.get()) {
            if (!l.config().compaction().compact() || inProgress.contains(l)) continue;
            Range r = range(l, firstDirtyOffset(l), now);
            if (r == null) continue;
            boolean dirtyEnough = r.dirtyBytes > 0 && r.dirtyRatio() >= l.config().compaction().minCleanableDirtyRatio();
            Long horizon = pendingHorizon.get(l);
            boolean due = dirtyEnough || (horizon != null && now >= horizon) || !seen.contains(l);
            if (due && r.dirtyRatio() > bestRatio) {
                best = l;
                bestRatio = r.dirtyRatio();
            }
        }
        if (best == null || !inProgress.add(best)) return false;
        try {
            return clean(best) != null;
        } catch (IOException | RuntimeException e) {
            log.warn("Cleaning {} failed", best, e);
            return false;
        } finally {
            inProgress.remove(best);
        }
    }

    /** Where the dirty part of {@code l} starts: the checkpoint, or the log start if none or out of range. */
    public long firstDirtyOffset(PartitionLog l) {
        Long cp;
        synchronized (checkpoints) {
            cp = checkpoints.computeIfAbsent(l.dir().getParent(), CleanerCheckpoint::read)
                    .get(new TopicPartition(l.topic(), l.partition()));
        }
        if (cp == null || cp < l.logStartOffset() || cp > l.logEndOffset()) return l.logStartOffset();
        return cp;
    }

    private record Range(List<LogSegment> segments, long end, long cleanBytes, long dirtyBytes) {
        double dirtyRatio() {
            long total = cleanBytes + dirtyBytes;
            return total == 0 ? 0 : (double) dirtyBytes / total;
        }
    }

    /** The cleanable segments (closed, before the compaction-lag limit), or null if none. */
    private static Range range(PartitionLog l, long firstDirty, long now) {
        List<LogSegment> all = l.segments();
        long lag = l.config().compaction().minCompactionLagMs();
        List<LogSegment> out = new ArrayList<>();
        long clean = 0;
        long dirty = 0;
        long end = -1;
        long unstable = l.firstUnstableOffset();
        for (int i = 0; i < all.size() - 1; i++) {
            LogSegment s = all.get(i);
            if (all.get(i + 1).baseOffset() > unstable) break; // undecided transactions: not cleanable yet
            boolean isDirty = s.baseOffset() >= firstDirty;
            if (isDirty && lag > 0 && s.maxTimestamp() > now - lag) break;
            out.add(s);
            if (isDirty) dirty += s.sizeInBytes();
            else clean += s.sizeInBytes();
            end = all.get(i + 1).baseOffset();
        }
        return out.isEmpty() ? null : new Range(out, end, clean, dirty);
    }

    /** Statistics of one pass. */
    public record Stats(long endOffset, int groupsReplaced, long recordsRead, long recordsRetained) {
    }

    /**
     * Runs one pass over {@code l} now, whatever its dirty ratio (the lag and the active segment still apply).
     * Returns null if there was nothing cleanable or the log changed under the pass.
     */
    public Stats clean(PartitionLog l) throws IOException {
        long now = clock.millis();
        long firstDirty = firstDirtyOffset(l);
        seen.add(l);
        Range r = range(l, firstDirty, now);
        if (r == null) return null;
        LogConfig cfg = l.config();
        Transactions txns = new Transactions(l.abortedTransactions(r.segments.get(0).baseOffset(), r.end));
        // 1. key -> last offset over the dirty segments (aborted data left out).
        Map<ByteBuffer, Long> lastOffsets = new HashMap<>();
        for (LogSegment s : r.segments) {
            if (s.baseOffset() < firstDirty) continue;
            forEachBatch(s, (batch, count) -> {
                if (RecordBatch.isControl(batch, 0) || txns.isAborted(batch)) return;
                for (RecordBatchReader it = new RecordBatchReader(batch, 0); it.hasNext(); ) {
                    Record rec = it.next();
                    if (rec.key() != null) lastOffsets.put(ByteBuffer.wrap(rec.keyBytes()), rec.offset());
                }
            });
        }
        // 2. group the range and rewrite each group.
        long deleteRetention = cfg.compaction().deleteRetentionMs();
        int maxBatches = cfg.segmentIndexBytes() / 12;
        List<LogSegment> segs = r.segments;
        long minHorizon = Long.MAX_VALUE;
        int replaced = 0;
        long[] counts = new long[2];
        int i = 0;
        while (i < segs.size()) {
            List<LogSegment> group = new ArrayList<>();
            long bytes = 0;
            long batches = 0;
            long groupBase = segs.get(i).baseOffset();
            while (i < segs.size()) {
                LogSegment s = segs.get(i);
                long n = countBatches(s);
                long segEnd = i + 1 < segs.size() ? segs.get(i + 1).baseOffset() : r.end;
                if (!group.isEmpty() && (bytes + s.sizeInBytes() > cfg.segmentBytes() || batches + n > maxBatches
                        || segEnd - 1 - groupBase > Integer.MAX_VALUE)) break;
                group.add(s);
                bytes += s.sizeInBytes();
                batches += n;
                i++;
            }
            long groupEnd = i < segs.size() ? segs.get(i).baseOffset() : r.end;
            Path cleaned = l.cleanedFile(groupBase, groupEnd);
            Files.deleteIfExists(cleaned);
            boolean[] changed = {false};
            long[] horizon = {Long.MAX_VALUE};
            try (FileChannel out = FileChannel.open(cleaned, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                for (LogSegment s : group) {
                    forEachBatch(s, (batch, count) -> {
                        ByteBuffer kept = txns.filter(batch, lastOffsets, now, deleteRetention, counts);
                        if (kept != batch) changed[0] = true;
                        if (kept == null) return;
                        if ((RecordBatch.attributes(kept, 0) & RecordBatch.DELETE_HORIZON_MASK) != 0) {
                            horizon[0] = Math.min(horizon[0], RecordBatch.baseTimestamp(kept, 0));
                        }
                        kept.position(0);
                        int written = kept.remaining();
                        while (kept.hasRemaining()) out.write(kept);
                        try {
                            throttler.get().maybeThrottle((long) batch.limit() + written);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new java.io.UncheckedIOException(new java.io.InterruptedIOException("cleaner stopped"));
                        }
                    });
                }
                out.force(true);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(cleaned);
                throw e;
            }
            minHorizon = Math.min(minHorizon, horizon[0]);
            if (group.size() == 1 && !changed[0]) {
                Files.deleteIfExists(cleaned);
                continue;
            }
            if (!l.replaceSegments(group, cleaned)) {
                log.info("{} changed while being cleaned; will retry", l);
                return null;
            }
            replaced++;
        }
        if (minHorizon == Long.MAX_VALUE) pendingHorizon.remove(l);
        else pendingHorizon.put(l, minHorizon);
        saveCheckpoint(l, r.end);
        log.debug("Cleaned {} up to {}: {} groups replaced, {} of {} records kept", l, r.end, replaced, counts[1],
                counts[0]);
        return new Stats(r.end, replaced, counts[0], counts[1]);
    }

    /** What one pass knows of transactions: the aborted ones of its range, and whether each open one kept data. */
    private static final class Transactions {
        private final Map<Long, List<AbortedTxn>> aborted = new HashMap<>();
        /** Producer id -> whether a data batch of its current transaction was kept so far in this pass. */
        private final Map<Long, Boolean> keptData = new HashMap<>();

        Transactions(List<AbortedTxn> abortedInRange) {
            for (AbortedTxn t : abortedInRange) aborted.computeIfAbsent(t.producerId(), k -> new ArrayList<>()).add(t);
        }

        boolean isAborted(ByteBuffer batch) {
            if (!RecordBatch.isTransactional(batch, 0) || RecordBatch.isControl(batch, 0)) return false;
            List<AbortedTxn> list = aborted.get(RecordBatch.producerId(batch, 0));
            if (list == null) return false;
            long base = RecordBatch.baseOffset(batch, 0);
            for (AbortedTxn t : list) if (base >= t.firstOffset() && base <= t.lastOffset()) return true;
            return false;
        }

        /** {@link LogCleaner#filter} plus the transaction rules, in log order. */
        ByteBuffer filter(ByteBuffer batch, Map<ByteBuffer, Long> lastOffsets, long now, long deleteRetention,
                          long[] counts) throws IOException {
            long pid = RecordBatch.producerId(batch, 0);
            if (RecordBatch.isControl(batch, 0)) {
                boolean dataKept = Boolean.TRUE.equals(keptData.remove(pid));
                if (dataKept || !RecordBatch.isTransactional(batch, 0)) return batch;
                return expireMarker(batch, now, deleteRetention);
            }
            boolean transactional = RecordBatch.isTransactional(batch, 0);
            if (transactional && isAborted(batch)) {
                int n = RecordBatch.recordsCount(batch, 0);
                counts[0] += n;
                keptData.putIfAbsent(pid, false);
                return null;
            }
            ByteBuffer kept = LogCleaner.filter(batch, lastOffsets, now, deleteRetention, counts);
            if (transactional) {
                if (kept != null) keptData.put(pid, true);
                else keptData.putIfAbsent(pid, false);
            }
            return kept;
        }

        /** A marker whose transaction has no data left: give it a delete horizon, or drop it once that passed. */
        private static ByteBuffer expireMarker(ByteBuffer marker, long now, long deleteRetention) {
            short attributes = RecordBatch.attributes(marker, 0);
            if ((attributes & RecordBatch.DELETE_HORIZON_MASK) != 0) {
                return now >= RecordBatch.baseTimestamp(marker, 0) ? null : marker;
            }
            RecordBatchReader reader = new RecordBatchReader(marker, 0);
            if (!reader.hasNext()) return null;
            Record rec = reader.next();
            ByteBuffer out = new RecordBatchBuilder(RecordBatch.baseOffset(marker, 0), reader.compression())
                    .producer(RecordBatch.producerId(marker, 0), RecordBatch.producerEpoch(marker, 0),
                            RecordBatch.baseSequence(marker, 0))
                    .partitionLeaderEpoch(RecordBatch.partitionLeaderEpoch(marker, 0))
                    .transactional(true).control(true).deleteHorizon(now + deleteRetention)
                    .appendWithOffset(rec.offset(), rec.timestamp(), rec.key(), rec.value(), rec.headers())
                    .build();
            return out;
        }
    }

    /**
     * The batch to keep for {@code batch} (positioned at 0): the same buffer if unchanged, a re-encoded batch, or
     * null if no record survives.
     */
    private static ByteBuffer filter(ByteBuffer batch, Map<ByteBuffer, Long> lastOffsets, long now,
                                     long deleteRetention, long[] counts) {
        if (RecordBatch.isControl(batch, 0)) return batch;
        short attributes = RecordBatch.attributes(batch, 0);
        long horizon = (attributes & RecordBatch.DELETE_HORIZON_MASK) != 0 ? RecordBatch.baseTimestamp(batch, 0) : -1;
        RecordBatchReader reader = new RecordBatchReader(batch, 0);
        List<Record> kept = new ArrayList<>();
        int total = 0;
        boolean tombstones = false;
        while (reader.hasNext()) {
            Record rec = reader.next();
            total++;
            if (rec.key() == null) continue;
            Long last = lastOffsets.get(rec.key());
            if (last != null && last > rec.offset()) continue;
            if (rec.value() == null) {
                if (horizon >= 0 && now >= horizon) continue;
                tombstones = true;
            }
            kept.add(rec);
        }
        counts[0] += total;
        counts[1] += kept.size();
        long newHorizon = tombstones ? (horizon >= 0 ? horizon : now + deleteRetention) : -1;
        if (kept.size() == total && newHorizon == horizon) return batch;
        if (kept.isEmpty()) return null;
        RecordBatchBuilder b = new RecordBatchBuilder(RecordBatch.baseOffset(batch, 0), reader.compression())
                .producer(RecordBatch.producerId(batch, 0), RecordBatch.producerEpoch(batch, 0),
                        RecordBatch.baseSequence(batch, 0))
                .partitionLeaderEpoch(RecordBatch.partitionLeaderEpoch(batch, 0))
                .transactional((attributes & RecordBatch.TRANSACTIONAL_MASK) != 0);
        if (newHorizon >= 0) b.deleteHorizon(newHorizon);
        for (Record rec : kept) b.appendWithOffset(rec.offset(), rec.timestamp(), rec.key(), rec.value(), rec.headers());
        ByteBuffer out = b.build();
        // Keep the original offset span and timestamp type, then re-sign.
        out.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, RecordBatch.lastOffsetDelta(batch, 0));
        if ((attributes & RecordBatch.TIMESTAMP_TYPE_MASK) != 0) {
            out.putShort(RecordBatch.ATTRIBUTES_OFFSET,
                    (short) (RecordBatch.attributes(out, 0) | RecordBatch.TIMESTAMP_TYPE_MASK));
            out.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, RecordBatch.maxTimestamp(batch, 0));
        }
        CRC32C crc = new CRC32C();
        crc.update(out.array(), RecordBatch.ATTRIBUTES_OFFSET, out.limit() - RecordBatch.ATTRIBUTES_OFFSET);
        out.putInt(RecordBatch.CRC_OFFSET, (int) crc.getValue());
        return out;
    }

    private interface BatchConsumer {
        void accept(ByteBuffer batch, int index) throws IOException;
    }

    /** Calls {@code c} with each whole batch of the closed segment {@code s}, in a heap buffer positioned at 0. */
    private static void forEachBatch(LogSegment s, BatchConsumer c) throws IOException {
        int end = s.sizeInBytes();
        try (FileChannel ch = FileChannel.open(s.logFile(), StandardOpenOption.READ)) {
            ByteBuffer hdr = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
            long pos = 0;
            int n = 0;
            while (pos + RecordBatch.HEADER_SIZE <= end) {
                readFully(ch, hdr.clear(), pos);
                int size = RecordBatch.sizeInBytes(hdr, 0);
                if (size < RecordBatch.HEADER_SIZE || pos + size > end) {
                    throw new IOException("bad batch at " + pos + " of " + s.logFile());
                }
                ByteBuffer batch = ByteBuffer.allocate(size);
                readFully(ch, batch, pos);
                c.accept(batch, n++);
                pos += size;
            }
        }
    }

    private static long countBatches(LogSegment s) throws IOException {
        int end = s.sizeInBytes();
        long n = 0;
        try (FileChannel ch = FileChannel.open(s.logFile(), StandardOpenOption.READ)) {
            ByteBuffer hdr = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
            long pos = 0;
            while (pos + RecordBatch.HEADER_SIZE <= end) {
                readFully(ch, hdr.clear(), pos);
                pos += RecordBatch.sizeInBytes(hdr, 0);
                n++;
            }
        }
        return n;
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
        long p = pos;
        while (dst.hasRemaining()) {
            int r = ch.read(dst, p);
            if (r < 0) throw new IOException("unexpected end of file at " + p);
            p += r;
        }
        dst.flip();
    }

    private void saveCheckpoint(PartitionLog l, long offset) throws IOException {
        Path logDir = l.dir().getParent();
        synchronized (checkpoints) {
            Map<TopicPartition, Long> m = checkpoints.computeIfAbsent(logDir, CleanerCheckpoint::read);
            m.put(new TopicPartition(l.topic(), l.partition()), offset);
            // Forget partitions that are gone from this dir.
            Set<TopicPartition> present = new java.util.HashSet<>();
            for (PartitionLog x : logs.get()) {
                if (x.dir().getParent().equals(logDir)) present.add(new TopicPartition(x.topic(), x.partition()));
            }
            m.keySet().retainAll(present);
            m.put(new TopicPartition(l.topic(), l.partition()), offset);
            CleanerCheckpoint.write(logDir, m);
        }
    }
}
