package io.fjord.client.consumer.internals;

import io.fjord.client.consumer.ConsumerRebalanceListener;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the consumer asks of its group membership, whichever protocol {@code group.protocol} chose: the classic
 * JoinGroup/SyncGroup one ({@link ConsumerCoordinator}) or the consumer group protocol of KIP-848
 * ({@link ConsumerGroupMember}). Called from the polling thread.
 */
public interface GroupMember extends AutoCloseable {
    void subscribe(Set<String> topics, Pattern pattern, ConsumerRebalanceListener listener);

    Set<String> subscription();

    /** Advances the membership (join, heartbeats, reconciliation); true when the assignment is current. */
    boolean poll(long deadline);

    /** For manually assigned partitions with a group.id: auto-commit only. */
    void pollAssigned();

    /** Revokes (committing first with auto-commit) and leaves the group. */
    void leave(long deadline, boolean revokeAndCommit);

    OffsetCommitter offsets();

    String memberId();

    /** The classic generation, or the member epoch on the consumer protocol (-1 / 0 when not a member). */
    int generation();

    @Override
    void close();
}
