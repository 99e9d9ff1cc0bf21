package io.fjord.broker.group;

/** A topic partition a group commits offsets for, ordered by topic then partition. */
public record OffsetKey(String topic, int partition) implements Comparable<OffsetKey> {
    @Override
    public int compareTo(OffsetKey o) {
        int c = topic.compareTo(o.topic);
        return c != 0 ? c : Integer.compare(partition, o.partition);
    }
}
