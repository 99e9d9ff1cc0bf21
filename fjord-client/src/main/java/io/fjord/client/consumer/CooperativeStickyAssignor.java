package io.fjord.client.consumer;

import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.internals.StickyAssignment;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * "cooperative-sticky": the sticky assignment, made incremental. Owned partitions come from the subscription's
 * ownedPartitions and generation (v2+; for older subscriptions the generation is read from userData, an int32, as
 * Kafka's CooperativeStickyAssignor writes it). A partition that must move to another member is left unassigned
 * in this round: its owner revokes it and rejoins, and the follow-up rebalance assigns it. A member keeps every
 * partition it owns and still gets.
 */
public final class CooperativeStickyAssignor implements ConsumerPartitionAssignor {
    private int generation = -1;

    @Override
    public String name() {
        return "cooperative-sticky";
    }

    @Override
    public List<RebalanceProtocol> supportedProtocols() {
        return List.of(RebalanceProtocol.COOPERATIVE, RebalanceProtocol.EAGER);
    }

    @Override
    public void onAssignment(List<TopicPartition> assignment, int generationId) {
        this.generation = generationId;
    }

    @Override
    public ByteBuffer subscriptionUserData(Set<String> topics) {
        ByteBuffer b = ByteBuffer.allocate(4).putInt(generation);
        b.flip();
        return b;
    }

    @Override
    public Map<String, List<TopicPartition>> assign(Map<String, Integer> partitionsPerTopic, Map<String, Subscription> subscriptions) {
        Map<String, StickyAssignment.Owned> owned = new HashMap<>();
        subscriptions.forEach((m, s) -> {
            int gen = s.generationId();
            if (gen < 0 && s.userData() != null && s.userData().remaining() >= 4) gen = s.userData().duplicate().getInt();
            owned.put(m, new StickyAssignment.Owned(s.ownedPartitions(), gen));
        });
        StickyAssignment a = StickyAssignment.compute(partitionsPerTopic, subscriptions, owned);
        Map<String, List<TopicPartition>> out = a.assignment();
        a.transferring().forEach((tp, to) -> out.get(to).remove(tp));
        return out;
    }
}
