package io.fjord.broker.coordinator;

import java.util.List;
import java.util.function.Supplier;

/**
 * Timers of one shard, kept by the runtime on its injected clock. A task runs on the shard's executor like a write
 * operation: the records it returns are written (and replayed). A timer of an unloaded shard never fires. Use only
 * from the shard's own executor.
 */
public interface CoordinatorTimer {
    /** Schedules {@code task} {@code delayMs} from now under {@code key}, replacing a timer already under that key. */
    void schedule(String key, long delayMs, Supplier<List<CoordinatorRecord>> task);

    void cancel(String key);

    boolean isScheduled(String key);
}
