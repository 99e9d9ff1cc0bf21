package io.fjord.client.consumer.internals;

import io.fjord.client.common.Time;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.ConsumerRebalanceListener;
import io.fjord.client.consumer.OffsetAndMetadata;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;

/**
 * The application's {@link ConsumerRebalanceListener} as both group protocols call it: revoking commits what was
 * consumed of the partitions (with {@code enable.auto.commit}) before onPartitionsRevoked and then drops them; lost
 * partitions go to onPartitionsLost uncommitted (another member may own them already); assigned ones to
 * onPartitionsAssigned. A listener that throws is logged and the rebalance goes on, so one bad callback does not
 * leave the member half-reconciled. Polling thread only; not thread-safe.
 */
final class RebalanceCallbacks {
    private static final ConsumerRebalanceListener NO_LISTENER = new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        }
    };

    private final String groupId;
    private final ConsumerCoordinator.Host host;
    private final OffsetCommitter committer;
    private final Time time;
    private final long requestTimeoutMs;
    private final Logger log;
    private ConsumerRebalanceListener listener = NO_LISTENER;

    /** {@code log} is the owning member's, so what is logged keeps the category it always had. */
    RebalanceCallbacks(String groupId, ConsumerCoordinator.Host host, OffsetCommitter committer, Time time,
                       long requestTimeoutMs, Logger log) {
        this.groupId = groupId;
        this.host = host;
        this.committer = committer;
        this.time = time;
        this.requestTimeoutMs = requestTimeoutMs;
        this.log = log;
    }

    /** A null listener keeps the one given before (subscribe without a listener). */
    void setListener(ConsumerRebalanceListener l) {
        if (l != null) listener = l;
    }

    /** Commits what was consumed of {@code partitions} (auto-commit), calls onPartitionsRevoked, drops them. */
    void revoke(Set<TopicPartition> partitions) {
        if (committer.autoCommitEnabled()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(host.consumed());
            offsets.keySet().retainAll(partitions);
            try {
                if (!offsets.isEmpty()) committer.commitSync(offsets, time.milliseconds() + requestTimeoutMs);
            } catch (RuntimeException e) {
                log.warn("group {}: committing before revocation failed: {}", groupId, e.toString());
            }
        }
        invoke(() -> listener.onPartitionsRevoked(Set.copyOf(partitions)), "onPartitionsRevoked");
        host.removePartitions(partitions);
    }

    /** Calls onPartitionsLost with {@code partitions} as given, then drops them; nothing is committed. */
    void lose(Set<TopicPartition> partitions) {
        invoke(() -> listener.onPartitionsLost(partitions), "onPartitionsLost");
        host.removePartitions(partitions);
    }

    /** Calls onPartitionsAssigned with {@code partitions} as given (the caller has added them already). */
    void assigned(Collection<TopicPartition> partitions) {
        invoke(() -> listener.onPartitionsAssigned(partitions), "onPartitionsAssigned");
    }

    private void invoke(Runnable callback, String what) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            log.error("group {}: rebalance listener {} failed", groupId, what, e);
        }
    }
}
