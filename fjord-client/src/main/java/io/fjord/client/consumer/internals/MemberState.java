package io.fjord.client.consumer.internals;

/**
 * A consumer's membership of its group (classic protocol). Transitions, each one method of
 * {@link ConsumerCoordinator}:
 * <pre>
 *   UNJOINED --startJoin--> JOINING --onJoined--> SYNCING --onSynced--> STABLE
 *   JOINING/SYNCING --retriable error / MEMBER_ID_REQUIRED / REBALANCE_IN_PROGRESS--> UNJOINED (rejoin at once)
 *   STABLE --requestRejoin (heartbeat REBALANCE_IN_PROGRESS, subscription or metadata change, cooperative revoke)--> STABLE + rejoin flag, then startJoin
 *   any --resetGeneration (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, poll timeout)--> UNJOINED (owned partitions lost)
 *   any --leave (close, unsubscribe)--> UNJOINED
 * </pre>
 */
public enum MemberState {
    /** Not a member of a generation: must (re)join. */
    UNJOINED,
    /** JoinGroup in flight. */
    JOINING,
    /** SyncGroup in flight. */
    SYNCING,
    /** Member of a generation with an assignment; heartbeats run. */
    STABLE
}
