package io.fjord.client.consumer.internals;

import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.OffsetAndMetadata;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What the consumer reads from: how partitions were chosen ({@link Mode}), the assigned partitions and, per
 * partition, its position (the next offset to hand out), a pending reset (seekToBeginning/End), whether the group's
 * committed offset is still to be looked up, pause, and the last high watermark seen. Every change of position
 * bumps the partition's epoch, so fetch answers requested for an older position are recognised and dropped.
 * Not thread-safe: owned by the consumer's polling thread (rebalance callbacks run there too).
 */
public final class SubscriptionState {
    /** Where the assignment comes from. Manual and group assignment exclude each other, as in Kafka. */
    public enum Mode { NONE, USER_ASSIGNED, AUTO_TOPICS, AUTO_PATTERN }

    /** Special positions a reset asks ListOffsets for (Kafka's timestamps -2 and -1). */
    public static final long EARLIEST = -2L;
    public static final long LATEST = -1L;

    private Mode mode = Mode.NONE;
    private final Map<TopicPartition, PartitionState> assigned = new LinkedHashMap<>();

    private static final class PartitionState {
        Long position;
        Long resetTo;
        boolean needsCommitted;
        boolean paused;
        long highWatermark = -1;
        int epoch;
        /** The topic id (incarnation) the position was fetched under; null until the first fetch, cleared by a new position. */
        UUID topicId;
    }

    public Mode mode() {
        return mode;
    }

    /** NONE → the given group mode; switching between topics and a pattern is allowed, manual assignment is not. */
    public void subscribeByGroup(Mode groupMode) {
        if (groupMode != Mode.AUTO_TOPICS && groupMode != Mode.AUTO_PATTERN) throw new IllegalArgumentException(groupMode.name());
        if (mode == Mode.USER_ASSIGNED) throw new IllegalStateException("Subscription to topics, partitions and pattern are mutually exclusive");
        mode = groupMode;
    }

    public boolean isGroupSubscribed() {
        return mode == Mode.AUTO_TOPICS || mode == Mode.AUTO_PATTERN;
    }

    /** Manual assignment: keeps the state of partitions still wanted, forgets the others. */
    public void assignFromUser(Collection<TopicPartition> partitions) {
        if (isGroupSubscribed()) throw new IllegalStateException("Subscription to topics, partitions and pattern are mutually exclusive");
        Set<TopicPartition> wanted = new HashSet<>(partitions);
        assigned.keySet().retainAll(wanted);
        for (TopicPartition tp : partitions) assigned.computeIfAbsent(tp, k -> new PartitionState());
        mode = partitions.isEmpty() ? Mode.NONE : Mode.USER_ASSIGNED;
    }

    /** unsubscribe(): no partitions, no mode. */
    public void unsubscribe() {
        assigned.clear();
        mode = Mode.NONE;
    }

    /** Partitions handed out by the group: they start at the committed offset if the group has one. */
    public void addGroupAssigned(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) assigned.computeIfAbsent(tp, k -> new PartitionState()).needsCommitted = true;
    }

    public void remove(Collection<TopicPartition> partitions) {
        assigned.keySet().removeAll(partitions);
    }

    public Set<TopicPartition> assignedPartitions() {
        return new LinkedHashSet<>(assigned.keySet());
    }

    public boolean isAssigned(TopicPartition tp) {
        return assigned.containsKey(tp);
    }

    public boolean hasNoAssignment() {
        return assigned.isEmpty();
    }

    private PartitionState state(TopicPartition tp) {
        PartitionState s = assigned.get(tp);
        if (s == null) throw new IllegalStateException("No current assignment for partition " + tp);
        return s;
    }

    public void seek(TopicPartition tp, long offset) {
        PartitionState s = state(tp);
        s.position = offset;
        s.resetTo = null;
        s.topicId = null;
        s.epoch++;
    }

    /** Forgets the position; the next poll looks one up with ListOffsets at {@code to} (EARLIEST or LATEST). */
    public void requestReset(TopicPartition tp, long to) {
        PartitionState s = state(tp);
        s.position = null;
        s.resetTo = to;
        s.topicId = null;
        s.epoch++;
    }

    /** The position, or null while unknown. */
    public Long position(TopicPartition tp) {
        return state(tp).position;
    }

    /** Sets a position found by lookup (committed offset or reset), unless one was set meanwhile. */
    public void maybeSetResolvedPosition(TopicPartition tp, long offset) {
        PartitionState s = assigned.get(tp);
        if (s == null || s.position != null) return;
        s.position = offset;
        s.resetTo = null;
        s.topicId = null;
        s.epoch++;
    }

    /** Advances the position as records are handed out; the epoch stays (the fetch pipeline is still valid). */
    public void advance(TopicPartition tp, long nextOffset) {
        PartitionState s = assigned.get(tp);
        if (s != null && s.position != null && nextOffset > s.position) s.position = nextOffset;
    }

    public Long pendingReset(TopicPartition tp) {
        return state(tp).resetTo;
    }

    /** Partitions whose group committed offset is still to be looked up (no position, no reset pending). */
    public Set<TopicPartition> needingCommittedLookup() {
        Set<TopicPartition> out = new LinkedHashSet<>();
        assigned.forEach((tp, s) -> {
            if (s.needsCommitted && s.position == null && s.resetTo == null) out.add(tp);
        });
        return out;
    }

    public void committedLookupDone(TopicPartition tp) {
        PartitionState s = assigned.get(tp);
        if (s != null) s.needsCommitted = false;
    }

    /** Partitions without a position and without a committed lookup still to do. */
    public Set<TopicPartition> missingPositions() {
        Set<TopicPartition> out = new LinkedHashSet<>();
        assigned.forEach((tp, s) -> {
            if (s.position == null && !(s.needsCommitted && s.resetTo == null)) out.add(tp);
        });
        return out;
    }

    /**
     * Binds the position to the topic incarnation it is fetched from. Returns false if it is bound to another id:
     * the topic was deleted and recreated under the same name, and the position means nothing in the new one.
     */
    public boolean bindTopicId(TopicPartition tp, UUID id) {
        PartitionState s = assigned.get(tp);
        if (s == null || id == null) return true;
        if (s.topicId == null) {
            s.topicId = id;
            return true;
        }
        return s.topicId.equals(id);
    }

    public int epoch(TopicPartition tp) {
        PartitionState s = assigned.get(tp);
        return s == null ? -1 : s.epoch;
    }

    /** True if a fetch requested at {@code offset} in {@code epoch} still matches the partition's state. */
    public boolean isCurrent(TopicPartition tp, long offset, int epoch) {
        PartitionState s = assigned.get(tp);
        return s != null && s.epoch == epoch && s.position != null && s.position == offset;
    }

    /** Assigned, not paused, with a known position: what the fetcher may ask for. */
    public Set<TopicPartition> fetchablePartitions() {
        Set<TopicPartition> out = new LinkedHashSet<>();
        assigned.forEach((tp, s) -> {
            if (!s.paused && s.position != null) out.add(tp);
        });
        return out;
    }

    public boolean isFetchable(TopicPartition tp) {
        PartitionState s = assigned.get(tp);
        return s != null && !s.paused && s.position != null;
    }

    public void pause(TopicPartition tp) {
        state(tp).paused = true;
    }

    public void resume(TopicPartition tp) {
        state(tp).paused = false;
    }

    public boolean isPaused(TopicPartition tp) {
        return state(tp).paused;
    }

    public Set<TopicPartition> pausedPartitions() {
        Set<TopicPartition> out = new LinkedHashSet<>();
        assigned.forEach((tp, s) -> {
            if (s.paused) out.add(tp);
        });
        return out;
    }

    public void updateHighWatermark(TopicPartition tp, long hw) {
        PartitionState s = assigned.get(tp);
        if (s != null) s.highWatermark = hw;
    }

    public long highWatermark(TopicPartition tp) {
        return state(tp).highWatermark;
    }

    /** Positions of assigned partitions that have one, as offsets to commit. */
    public Map<TopicPartition, OffsetAndMetadata> consumedOffsets() {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        assigned.forEach((tp, s) -> {
            if (s.position != null) out.put(tp, new OffsetAndMetadata(s.position));
        });
        return out;
    }
}
