package io.fjord.storage;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The segments of one partition log, keyed and ordered by base offset; the last one is the active segment.
 *
 * <p>Threading: backed by a {@link ConcurrentSkipListMap}. Mutators run under the owning {@link PartitionLog}'s
 * append lock; readers may iterate concurrently (weakly consistent views: a reader racing a roll simply finds the
 * new segment, one racing a deletion may still see the old one, whose channel stays open).
 */
final class LogSegments {
    private final ConcurrentSkipListMap<Long, LogSegment> byBase = new ConcurrentSkipListMap<>();

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

    void closeQuietly() {
        for (LogSegment s : byBase.values()) s.closeQuietly();
    }
}
