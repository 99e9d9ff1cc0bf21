package io.fjord.broker.group.consumer;

import io.fjord.broker.coordinator.CoordinatorRecord;
import io.fjord.protocol.api.Errors;
import java.util.List;

/**
 * The online upgrade of a classic group whose members are live (KIP-848, {@code group.consumer.migration.policy}
 * upgrade or bidirectional): implemented by the shard, which owns the classic groups. On success the classic
 * members are handed over (the classic group keeps only the offsets) and {@code records} write them as consumer
 * group members; {@code group} is the consumer group as those records will make it.
 */
public interface ClassicUpgrade {
    record Outcome(Errors error, String message, ConsumerGroup group, List<CoordinatorRecord> records) {
        static Outcome refused(Errors e, String message) {
            return new Outcome(e, message, null, List.of());
        }
    }

    Outcome convert(String groupId, ConsumerGroupProtocol protocol);
}
