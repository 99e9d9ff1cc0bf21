package io.fjord.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;

/**
 * The segments of one partition log, keyed and ordered by base offset; the last one is the active segment. Also
 * the segment-level half of truncation ({@link #truncateTo}, {@link #truncateFully}) and the deferred closing of
 * deleted segments' channels ({@link #retire}).
 *
 * <p>Threading: backed by a {@link ConcurrentSkipListMap}. Mutators (and the retired list) run under the owning
 * {@link PartitionLog}'s append lock; readers may iterate concurrently (weakly consistent views: a reader racing a
 * roll simply finds the new segment, one racing a deletion may still see the old one, whose channel stays open).
 */
final class LogSegments {
    private static final Logger log = LoggerFactory.getLogger(LogSegments.class);
    /** How long a deleted segment's channel stays open for reads in flight (file slices being sent). */
    static final long RETIRED_CLOSE_DELAY_MS = 60_000;

    private final Path dir;
    private final ConcurrentSkipListMap<Long, LogSegment> byBase = new ConcurrentSkipListMap<>();
    private final List<RetiredSegment> retired = new ArrayList<>();

    private record RetiredSegment(LogSegment segment, long retiredAtMs) {
    }

    LogSegments(Path dir) {
        this.dir = dir;
    }

    void add(LogSegment s) {
        byBase.put(s.baseOffset(), s);
    }

    LogSegment remove(long baseOffset) {
        return byBase.remove(baseOffset);
    }

    LogSegment get(long baseOffset) {
        return byBase.get(baseOffset);
    }

    boolean contains(long baseOffset) {
        return byBase.containsKey(baseOffset);
    }

    boolean isEmpty() {
        return byBase.isEmpty();
    }

    int count() {
        return byBase.size();
    }

    /** The oldest segment, or null. */
    LogSegment first() {
        Map.Entry<Long, LogSegment> e = byBase.firstEntry();
        return e == null ? null : e.getValue();
    }

    /** The newest (active) segment, or null. */
    LogSegment last() {
        Map.Entry<Long, LogSegment> e = byBase.lastEntry();
        return e == null ? null : e.getValue();
    }

    /** The segment that would hold {@code offset}: the one with the greatest base at or below it, or null. */
    LogSegment floor(long offset) {
        Map.Entry<Long, LogSegment> e = byBase.floorEntry(offset);
        return e == null ? null : e.getValue();
    }

    /** The segment after the one based at {@code baseOffset}, or null. */
    LogSegment after(long baseOffset) {
        Map.Entry<Long, LogSegment> e = byBase.higherEntry(baseOffset);
        return e == null ? null : e.getValue();
    }

    /** Where the segment based at {@code baseOffset} ends: the next segment's base, or {@code logEndOffset}. */
    long endOf(long baseOffset, long logEndOffset) {
        Long next = byBase.higherKey(baseOffset);
        return next == null ? logEndOffset : next;
    }

    /** Live view, oldest first. */
    Collection<LogSegment> all() {
        return byBase.values();
    }

    /** Live view of the segments based at or after {@code baseOffset}. */
    Collection<LogSegment> from(long baseOffset) {
        return byBase.tailMap(baseOffset, true).values();
    }

    /** Live view of the segments based in {@code [fromBase, toBase)}. */
    Collection<LogSegment> range(long fromBase, long toBase) {
        return byBase.subMap(fromBase, true, toBase, false).values();
    }

    /** Live view of the segments based below {@code baseOffset}. */
    Collection<LogSegment> before(long baseOffset) {
        return byBase.headMap(baseOffset, false).values();
    }

    /** A copy, oldest first. */
    List<LogSegment> snapshot() {
        return List.copyOf(byBase.values());
    }

    long sizeInBytes() {
        long total = 0;
        for (LogSegment s : byBase.values()) total += s.sizeInBytes();
        return total;
    }

    // ---------------------------------------------------------------- deletion and truncation (writer)

    /**
     * Removes {@code s} from the map and deletes its files (.log first, so a crash leaves only index leftovers,
     * which loading deletes); with {@code syncDir} the directory is fsynced, so deletions reach the disk in order.
     * The channel stays open a while ({@link #closeRetired}).
     */
    void delete(LogSegment s, boolean syncDir, long nowMs) throws IOException {
        byBase.remove(s.baseOffset());
        s.deleteFiles();
        if (syncDir) LogManager.fsyncDir(dir);
        retired.add(new RetiredSegment(s, nowMs));
    }

    /** Closes the channels of segments deleted at least {@value #RETIRED_CLOSE_DELAY_MS} ms ago (all if asked). */
    void closeRetired(long nowMs, boolean all) {
        retired.removeIf(r -> {
            if (!all && nowMs - r.retiredAtMs() < RETIRED_CLOSE_DELAY_MS) return false;
            r.segment().closeQuietly();
            return true;
        });
    }

    /**
     * Removes every offset at or after {@code offset}, which must be at or above the first segment's base:
     * segments based after it are deleted newest first (each deletion fsynced, so a crash leaves a prefix), then
     * the one holding it is cut at the start of the batch containing it and becomes the active segment.
     * {@code hook} hears "deleted-&lt;base&gt;" and "cut" (crash tests).
     *
     * @return the new end: the end of the last kept batch, or the holding segment's base if it was emptied
     */
    long truncateTo(long offset, LogConfig config, long nowMs, Consumer<String> hook) throws IOException {
        List<LogSegment> doomed = new ArrayList<>(from(offset + 1));
        for (int i = doomed.size() - 1; i >= 0; i--) {
            delete(doomed.get(i), true, nowMs);
            hook.accept("deleted-" + doomed.get(i).baseOffset());
        }
        LogSegment holding = last();
        long newEnd = holding.truncateTo(offset, config);
        hook.accept("cut");
        holding.makeActive(config);
        return newEnd;
    }

    /**
     * Deletes every segment and leaves one empty segment based at {@code newOffset}: segments newest first, the
     * oldest emptied, then (if its base differs) the new one created and the emptied one deleted. A crash leaves a
     * prefix of the old segments or an empty log. {@code hook} hears "deleted-&lt;base&gt;" and "emptied".
     *
     * @return the new, empty, active segment
     */
    LogSegment truncateFully(long newOffset, LogConfig config, long nowMs, Consumer<String> hook) throws IOException {
        List<LogSegment> all = snapshot();
        for (int i = all.size() - 1; i >= 1; i--) {
            delete(all.get(i), true, nowMs);
            hook.accept("deleted-" + all.get(i).baseOffset());
        }
        LogSegment oldest = all.get(0);
        oldest.truncateTo(oldest.baseOffset(), config);
        hook.accept("emptied");
        if (oldest.baseOffset() == newOffset) {
            oldest.makeActive(config);
            return oldest;
        }
        LogSegment fresh = LogSegment.create(dir, newOffset, config, nowMs);
        add(fresh);
        delete(oldest, true, nowMs);
        log.debug("{} now starts empty at {}", dir, newOffset);
        return fresh;
    }

    // ---------------------------------------------------------------- flushing and closing

    /** Forces every dirty segment based below {@code beforeBase} to disk (any thread; see {@link LogSegment#flush}). */
    void flushDirty(long beforeBase) throws IOException {
        for (LogSegment s : byBase.headMap(beforeBase, false).values()) {
            if (s.isDirty()) s.flush();
        }
    }

    /** Forces the .log (only) of the segment holding {@code fromOffset} and of every later one that was written. */
    void forceLogsFrom(long fromOffset) throws IOException {
        Long from = byBase.floorKey(fromOffset);
        for (LogSegment s : (from == null ? byBase : byBase.tailMap(from, true)).values()) s.forceLog();
    }

    /** Writer: closes every segment's files and every retired channel; returns the first failure, if any. */
    IOException closeAll(long nowMs) {
        closeRetired(nowMs, true);
        IOException failure = null;
        for (LogSegment s : byBase.values()) {
            try {
                s.close();
            } catch (IOException e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
        }
        return failure;
    }

    void closeQuietly() {
        for (LogSegment s : byBase.values()) s.closeQuietly();
    }
}
