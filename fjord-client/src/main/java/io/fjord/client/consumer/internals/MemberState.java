package io.fjord.client.consumer.internals;

/** A consumer's membership of its group (classic protocol); the transitions are in {@link GroupMembership}. */
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
