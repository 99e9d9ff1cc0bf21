package io.fjord.storage;

import io.fjord.protocol.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;

/**
 * Opens a partition directory: completes interrupted segment swaps, loads (and after an unclean shutdown
 * recovers) the segments, derives the offsets, then loads the leader-epoch cache and the producer state that sit
 * beside them. The files themselves are described by {@link PartitionLog} and the classes it names.
 *
 * <p>Rules, in order:
 * <ol>
 * <li>Interrupted cleaner swaps are rolled back or completed ({@link SegmentSwap}). {@code .tmp} files are deleted,
 *     and so are index files whose {@code .log} is gone (an interrupted delete or truncation).</li>
 * <li>Segments load oldest first. Unclean: every segment from the one holding the checkpointed recovery point on
 *     is scanned with CRC checks and cut at the first bad batch; a cut or an overlap drops every later segment
 *     (so the result is always a prefix of what was written). Earlier segments only get index sanity checks.</li>
 * <li>An empty directory gets one empty segment at 0.</li>
 * <li>The leader-epoch cache: read from its file, or rebuilt from the batch headers if the file is missing or
 *     malformed; then entries at or beyond the log end go (their data was lost or truncated) and the first is
 *     moved up to the log start.</li>
 * <li>Producer state: see {@link ProducerStateManager#load}.</li>
 * </ol>
 *
 * <p>Threading: runs once, on the opening thread, before the log is visible to anyone.
 */
final class LogLoader {
    private static final Logger log = LoggerFactory.getLogger(LogLoader.class);

    /** What a load produced; the caller owns the open segments. */
    record LoadedLog(LogSegments segments, long logStartOffset, long logEndOffset, long recoveryPoint,
                     long highWatermark, LeaderEpochFileCache epochCache, ProducerStateManager producerState) {
    }

    private LogLoader() {
    }

    /**
     * Loads {@code dir} (which must exist).
     *
     * @param checkpointedRecoveryPoint offsets below it were fsynced (0 = scan everything after a crash)
     * @param checkpointedLogStart      raises the log start above the first segment's base (DeleteRecords)
     * @param checkpointedHighWatermark the high watermark from replication-offset-checkpoint, if the log had one
     */
    static LoadedLog load(Path dir, LogConfig config, Clock clock, boolean cleanShutdown,
                          long checkpointedRecoveryPoint, long checkpointedLogStart,
                          OptionalLong checkpointedHighWatermark) throws IOException {
        LogSegments segments = new LogSegments(dir);
        try {
            SegmentSwap.recoverInterrupted(dir);
            loadSegments(dir, config, clock.millis(), cleanShutdown, checkpointedRecoveryPoint, segments);
            LogSegment last = segments.last();
            last.makeActive(config);
            long logEnd = last.nextOffset();
            long logStart = Math.min(Math.max(segments.first().baseOffset(), checkpointedLogStart), logEnd);
            long recoveryPoint = cleanShutdown ? logEnd : Math.min(checkpointedRecoveryPoint, logEnd);
            // The high watermark: checkpointed (never above the log end) when this log has an entry. Without one
            // the data predates replication: the single-node broker showed consumers everything up to the log
            // end, so after a clean shutdown the log end is the truthful value; after a crash only the fsynced
            // prefix (the recovery point) is known to have been acknowledged, and a too-high watermark could expose
            // offsets a new leader truncates, while a low one only delays reads until the broker advances it.
            long hw = checkpointedHighWatermark.isPresent()
                    ? Math.min(checkpointedHighWatermark.getAsLong(), logEnd)
                    : cleanShutdown ? logEnd : recoveryPoint;
            hw = Math.max(hw, logStart);
            LeaderEpochFileCache epochs = loadEpochCache(dir, segments, logStart, logEnd);
            // After a crash only what lies below the recovery point was fsynced, transaction indexes included: the
            // producer state (and the indexes' entries) is rebuilt from a snapshot no newer than that.
            ProducerStateManager producers = ProducerStateManager.load(dir, segments.snapshot(), logEnd,
                    cleanShutdown ? logEnd : Math.min(logEnd, recoveryPoint), clock,
                    ProducerStateManager.DEFAULT_EXPIRATION_MS);
            log.debug("Loaded {}: {} segments, offsets [{}, {}), hw {}", dir, segments.count(), logStart, logEnd, hw);
            return new LoadedLog(segments, logStart, logEnd, recoveryPoint, hw, epochs, producers);
        } catch (IOException | RuntimeException e) {
            segments.closeQuietly();
            throw e;
        }
    }

    private static void loadSegments(Path dir, LogConfig cfg, long now, boolean cleanShutdown,
                                     long checkpointedRecoveryPoint, LogSegments segments) throws IOException {
        List<Long> bases = new ArrayList<>();
        List<Path> indexFiles = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.endsWith(LogSegment.LOG_SUFFIX)) {
                    Long base = parseBase(name, LogSegment.LOG_SUFFIX);
                    if (base != null) bases.add(base);
                } else if (name.endsWith(LogSegment.INDEX_SUFFIX) || name.endsWith(LogSegment.TIME_INDEX_SUFFIX)
                        || name.endsWith(TransactionIndex.SUFFIX)) {
                    indexFiles.add(p);
                } else if (name.endsWith(".tmp")) {
                    Files.deleteIfExists(p);
                }
            }
        }
        bases.sort(Comparator.naturalOrder());
        // Index files without a .log are leftovers of an interrupted delete, roll or truncation.
        for (Path p : indexFiles) {
            String name = p.getFileName().toString();
            String stem = name.substring(0, name.lastIndexOf('.'));
            if (!Files.exists(dir.resolve(stem + LogSegment.LOG_SUFFIX))) Files.deleteIfExists(p);
        }
        // Unclean: scan from the segment holding the recovery point (the last base <= it) to the end.
        long recoverFrom = 0;
        for (long b : bases) if (b <= checkpointedRecoveryPoint) recoverFrom = b;
        for (int i = 0; i < bases.size(); i++) {
            boolean last = i == bases.size() - 1;
            boolean recover = !cleanShutdown && bases.get(i) >= recoverFrom;
            LogSegment s = LogSegment.load(dir, bases.get(i), cfg, last, recover, !cleanShutdown, now);
            LogSegment prev = segments.last();
            if (prev != null && s.baseOffset() < prev.nextOffset()) {
                log.warn("Segment {} of {} overlaps the one before it; dropping it and later segments",
                        s.baseOffset(), dir);
                s.closeQuietly();
                break;
            }
            segments.add(s);
            if (!last && s.truncatedOnLoad() > 0) {
                log.warn("Segment {} of {} was truncated; dropping the segments after it", s.baseOffset(), dir);
                break;
            }
        }
        // Delete any segment files not loaded (e.g. beyond the cut).
        for (Long base : bases) {
            if (!segments.contains(base)) {
                Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, LogSegment.LOG_SUFFIX)));
                Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, LogSegment.INDEX_SUFFIX)));
                Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, LogSegment.TIME_INDEX_SUFFIX)));
                Files.deleteIfExists(TransactionIndex.fileFor(dir, base));
            }
        }
        if (segments.isEmpty()) segments.add(LogSegment.create(dir, 0L, cfg, now));
    }

    /** The cache from its file (or rebuilt from the batch headers), trimmed to {@code [logStart, logEnd)}. */
    private static LeaderEpochFileCache loadEpochCache(Path dir, LogSegments segments, long logStart, long logEnd)
            throws IOException {
        List<EpochEntry> stored = LeaderEpochFileCache.readFile(dir);
        boolean rebuilt = stored == null;
        if (rebuilt) {
            stored = epochsFromBatches(segments);
            log.info("Rebuilt the leader epoch cache of {} from its batches: {} entries", dir, stored.size());
        }
        LeaderEpochFileCache cache = LeaderEpochFileCache.of(dir, stored);
        cache.truncateFromEnd(logEnd);
        cache.truncateFromStart(logStart);
        if (rebuilt) cache.persist();
        return cache;
    }

    /** (epoch, base offset) of each batch whose partition leader epoch is above every earlier batch's. */
    static List<EpochEntry> epochsFromBatches(LogSegments segments) throws IOException {
        List<EpochEntry> out = new ArrayList<>();
        int[] latest = {-1};
        for (LogSegment s : segments.all()) {
            s.forEachBatchHeader(0, (hdr, pos) -> {
                int epoch = RecordBatch.partitionLeaderEpoch(hdr, 0);
                if (epoch > latest[0]) {
                    out.add(new EpochEntry(epoch, RecordBatch.baseOffset(hdr, 0)));
                    latest[0] = epoch;
                }
                return true;
            });
        }
        return out;
    }

    static Long parseBase(String name, String suffix) {
        String digits = name.substring(0, name.length() - suffix.length());
        if (digits.length() != 20) return null;
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
