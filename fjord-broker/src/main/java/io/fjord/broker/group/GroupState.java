package io.fjord.broker.group;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states of a classic consumer group and the moves between them.
 *
 * <pre>
 * Empty               --member joins-->                       PreparingRebalance
 * PreparingRebalance  --join phase done, members left-->      CompletingRebalance
 * PreparingRebalance  --join phase done, nobody left-->       Empty
 * CompletingRebalance --leader's SyncGroup-->                 Stable
 * CompletingRebalance --member joins/leaves/times out-->      PreparingRebalance
 * Stable              --member joins/leaves/times out,
 *                       leader rejoins, metadata changes-->   PreparingRebalance
 * Stable              --members handed to a consumer group
 *                       (KIP-848 online upgrade)-->           Empty
 * Empty               --group deleted / offsets expired-->    Dead
 * any                 --coordinator unloads the group-->      Dead
 * </pre>
 * {@code displayName} is what DescribeGroups and ListGroups report.
 */
public enum GroupState {
    EMPTY("Empty"),
    PREPARING_REBALANCE("PreparingRebalance"),
    COMPLETING_REBALANCE("CompletingRebalance"),
    STABLE("Stable"),
    DEAD("Dead");

    private final String displayName;

    GroupState(String displayName) {
        this.displayName = displayName;
    }

    public String displayName() {
        return displayName;
    }

    /** The states this one may be entered from. */
    Set<GroupState> validPrevious() {
        return switch (this) {
            case EMPTY -> EnumSet.of(PREPARING_REBALANCE, STABLE);
            case PREPARING_REBALANCE -> EnumSet.of(EMPTY, COMPLETING_REBALANCE, STABLE);
            case COMPLETING_REBALANCE -> EnumSet.of(PREPARING_REBALANCE);
            case STABLE -> EnumSet.of(COMPLETING_REBALANCE);
            case DEAD -> EnumSet.of(EMPTY, PREPARING_REBALANCE, COMPLETING_REBALANCE, STABLE, DEAD);
        };
    }

    public static GroupState fromDisplayName(String name) {
        for (GroupState s : values()) if (s.displayName.equalsIgnoreCase(name)) return s;
        return null;
    }
}
