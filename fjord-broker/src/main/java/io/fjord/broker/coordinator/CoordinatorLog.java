package io.fjord.broker.coordinator;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Where the runtime reads and writes a coordinator's internal topic: the partition's log on this broker in
 * production ({@link ReplicatedCoordinatorLog}), memory in unit tests.
 */
public interface CoordinatorLog {
    /**
     * Replays the partition from its log start to its log end (a new leader's whole log is the truth: what lies
     * above its high watermark gets committed as followers catch up). Throws if this broker does not lead it at
     * {@code epoch}.
     */
    void load(int partition, int epoch, Consumer<CoordinatorRecord> sink);

    /** Appends records as one batch while leading at {@code epoch}; returns the offset after the last one. */
    long append(int partition, int epoch, List<CoordinatorRecord> records);

    /** Completes once the high watermark reaches {@code endOffset}; fails if leadership moves first or in time. */
    CompletableFuture<Void> awaitCommitted(int partition, int epoch, long endOffset);
}
