package io.fjord.broker.coordinator;

import java.util.List;

/**
 * What a shard's request handler returns: the records to write and the response to give once they are committed
 * (the high watermark covers them). Handlers do not change state themselves; the runtime replays the records into
 * the shard after they are appended, so the leader's state is what any replica rebuilds from the log.
 */
public record CoordinatorResult<T>(List<CoordinatorRecord> records, T response) {
    public CoordinatorResult {
        records = List.copyOf(records);
    }

    public static <T> CoordinatorResult<T> of(T response) {
        return new CoordinatorResult<>(List.of(), response);
    }
}
