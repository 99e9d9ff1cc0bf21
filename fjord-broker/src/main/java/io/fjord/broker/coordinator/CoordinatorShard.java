package io.fjord.broker.coordinator;

/**
 * The state a coordinator keeps for one partition of its internal topic. Owned by the runtime: every call runs on
 * the shard's serial executor, one at a time, so a shard needs no locks.
 */
public interface CoordinatorShard {
    /** Applies one record of the partition (while loading, and after each write of this shard). */
    void replay(CoordinatorRecord record);

    /** Loading finished: every record up to the log end was replayed. Timers may be started here. */
    default void onLoaded() {
    }

    /** This broker stopped leading the partition: answer whatever waits (NOT_COORDINATOR). */
    default void onUnloaded() {
    }
}
