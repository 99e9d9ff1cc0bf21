package io.fjord.broker.group.consumer;

import java.util.EnumSet;
import java.util.Set;

/**
 * A consumer group's state (KIP-848), derived after every replayed record from its epochs and members:
 * <pre>
 * state        meaning                                              may follow
 * EMPTY        no members                                           (new group), ASSIGNING, RECONCILING, STABLE
 * ASSIGNING    group epoch ahead of the target assignment epoch     EMPTY, RECONCILING, STABLE
 * RECONCILING  a member's epoch or partitions differ from target    EMPTY, ASSIGNING, STABLE
 * STABLE       every member is at the target epoch and owns it      EMPTY, ASSIGNING, RECONCILING
 * DEAD         deleted (DeleteGroups, offsets expired, downgrade)   any
 * </pre>
 * Nothing follows DEAD. Names are Kafka's display names ({@link #displayName}).
 */
public enum ConsumerGroupState {
    EMPTY("Empty"),
    ASSIGNING("Assigning"),
    RECONCILING("Reconciling"),
    STABLE("Stable"),
    DEAD("Dead");

    private final String displayName;

    ConsumerGroupState(String displayName) {
        this.displayName = displayName;
    }

    public String displayName() {
        return displayName;
    }

    Set<ConsumerGroupState> validPrevious() {
        return switch (this) {
            case EMPTY -> EnumSet.of(EMPTY, ASSIGNING, RECONCILING, STABLE);
            case ASSIGNING -> EnumSet.of(ASSIGNING, EMPTY, RECONCILING, STABLE);
            case RECONCILING -> EnumSet.of(RECONCILING, EMPTY, ASSIGNING, STABLE);
            case STABLE -> EnumSet.of(STABLE, EMPTY, ASSIGNING, RECONCILING);
            case DEAD -> EnumSet.of(EMPTY, ASSIGNING, RECONCILING, STABLE, DEAD);
        };
    }
}
