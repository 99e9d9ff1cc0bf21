package io.fjord.broker.replica.sim;

import io.fjord.metadata.AlterPartitionRequest;
import io.fjord.metadata.AlterPartitionResult;
import io.fjord.metadata.BrokerNode;
import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.ImageApplier;
import io.fjord.metadata.MetadataRecord;
import io.fjord.metadata.PartitionState;
import io.fjord.metadata.ReplicationControl;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The active controller of the simulation (the Raft quorum behind it is tested elsewhere, so it never fails here):
 * a real {@link ClusterImage}, changed only by records from the controller's real decisions
 * ({@link ReplicationControl}: fence after a missed session, unfence, reconcile, AlterPartition with Kafka's checks,
 * leader election from the ISR, no unclean election) applied by the real {@link ImageApplier}, driven as
 * {@code RaftController}'s timer and {@code MetadataStateMachine} drive them. Every change is pushed to the
 * brokers; heartbeat answers carry the whole state too, so a broker cut off for a while catches up.
 *
 * <p>A registration with a new incarnation counts as a fence of the old process then an unfence of the new one (its
 * ISR places and leaderships go; it rejoins ISRs by catching up), as the metadata state machine applies it.
 *
 * <p>Not thread-safe.
 */
final class SimController {
    static final String TOPIC = "sim";
    static final UUID TOPIC_ID = new UUID(0x51, 0x4d);

    /** Who looks at every committed image (the invariant checker). */
    interface ImageObserver {
        void onImage(ClusterImage image);
    }

    private final ReplicationSimulation sim;
    private final long sessionTimeoutMs;
    private final ImageObserver observer;
    private ClusterImage image;
    private final Map<Integer, Integer> incarnations = new HashMap<>();
    private final Map<Integer, Long> lastHeartbeatMs = new HashMap<>();
    /** Brokers whose current incarnation has heartbeated (only those are unfenced by the timer). */
    private final Set<Integer> heartbeatSeen = new HashSet<>();
    /** No unclean leader election (Kafka's default). */
    private static final Predicate<TopicImage> NO_UNCLEAN = t -> false;

    SimController(ReplicationSimulation sim, int brokers, int partitions, int replicationFactor, long sessionTimeoutMs,
                  ImageObserver observer) {
        this.sim = sim;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.observer = observer;
        Map<Integer, BrokerNode> nodes = new HashMap<>();
        for (int b = 0; b < brokers; b++) {
            nodes.put(b, new BrokerNode(b, "127.0.0.1", 9092 + b, null));
            incarnations.put(b, 0);
            lastHeartbeatMs.put(b, 0L);
            heartbeatSeen.add(b);
        }
        Map<Integer, PartitionState> parts = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            List<Integer> replicas = new ArrayList<>();
            for (int j = 0; j < replicationFactor; j++) replicas.add((p + j) % brokers);
            parts.put(p, new PartitionState(p, replicas, replicas, replicas.get(0), 0, 0));
        }
        Map<Integer, String> inc = new HashMap<>();
        for (int b = 0; b < brokers; b++) inc.put(b, "b" + b + "-0");
        image = new ClusterImage("sim", SimNetwork.CONTROLLER, nodes, List.of(new TopicImage(TOPIC, TOPIC_ID, parts, Map.of())),
                Map.of(), java.util.Set.of(), inc, 0);
        observer.onImage(image);
    }

    ClusterImage image() {
        return image;
    }

    PartitionState partition(int p) {
        return image.topic(TOPIC).partition(p);
    }

    List<PartitionState> partitionStates() {
        List<PartitionState> out = new ArrayList<>();
        image.topic(TOPIC).orderedPartitions().forEach(out::add);
        return out;
    }

    private void apply(List<MetadataRecord> records) {
        boolean partitionsChanged = false;
        for (MetadataRecord r : records) {
            image = ImageApplier.apply(image, r);
            sim.scheduler().note((Supplier<String>) () -> "  controller: " + r);
            partitionsChanged |= r instanceof MetadataRecord.PartitionChanged;
            observer.onImage(image);
        }
        if (partitionsChanged) sim.pushMetadata(partitionStates());
    }

    /**
     * The active controller's timer (RaftController.tick): fence the brokers whose session expired, unfence the
     * fenced ones that heartbeat with their current incarnation, then reconcile (level-triggered repairs).
     */
    void tick() {
        long now = sim.scheduler().nowMs();
        for (int b : image.brokers().keySet()) {
            boolean alive = now - lastHeartbeatMs.get(b) <= sessionTimeoutMs;
            if (!image.isFenced(b) && !alive) {
                sim.scheduler().note((Supplier<String>) () -> "  controller: session of broker " + b + " expired");
                apply(ReplicationControl.fence(image, b, NO_UNCLEAN));
            } else if (image.isFenced(b) && !image.isShuttingDown(b) && alive && heartbeatSeen.contains(b)) {
                apply(ReplicationControl.unfence(image, b, NO_UNCLEAN));
            }
        }
        apply(ReplicationControl.reconcile(image, NO_UNCLEAN));
    }

    /**
     * A broker process (re)registers; answers the partition states to start from. A new incarnation is applied as
     * the metadata state machine does: the old process fenced, the new one registered, then unfenced.
     */
    List<PartitionState> onRegister(int broker, int incarnation) {
        if (incarnation < incarnations.get(broker)) return null;
        if (incarnation > incarnations.get(broker)) {
            incarnations.put(broker, incarnation);
            heartbeatSeen.remove(broker);
            apply(ReplicationControl.fence(image, broker, NO_UNCLEAN));
            BrokerNode node = image.broker(broker);
            apply(List.of(new MetadataRecord.BrokerRegistered(broker, "b" + broker + "-" + incarnation, node.host(), node.port(), null)));
            apply(ReplicationControl.unfence(image, broker, NO_UNCLEAN));
        }
        lastHeartbeatMs.put(broker, sim.scheduler().nowMs());
        return partitionStates();
    }

    /** A heartbeat: keeps the session of the current incarnation (the timer unfences); answers the partition states. */
    List<PartitionState> onHeartbeat(int broker, int incarnation) {
        if (incarnation != incarnations.get(broker)) return null;
        lastHeartbeatMs.put(broker, sim.scheduler().nowMs());
        heartbeatSeen.add(broker);
        return partitionStates();
    }

    /**
     * AlterPartition from a leader, judged by the controller's own {@link ReplicationControl#alterPartition}. Unless
     * {@link SimConfig#brokerEpochsInAlterPartition} is off, the request carries the broker epochs the leader saw
     * the new members fetch with, as the real leader's does (KIP-903), so a member that restarted since is refused
     * INELIGIBLE_REPLICA. Without it a replica can lose unflushed data in a power loss, restart and re-register
     * while the expansion its old process earned is in flight, and join the ISR without the acknowledged data
     * (seed 1391).
     */
    Errors onAlterPartition(int broker, int partition, int leaderEpoch, int partitionEpoch, List<Integer> isr,
                            Map<Integer, Integer> memberIncarnations) {
        Map<Integer, Long> epochs = new HashMap<>();
        if (sim.config().brokerEpochsInAlterPartition()) {
            PartitionState cur = partition(partition);
            for (int m : isr) {
                if (!cur.isr().contains(m) && memberIncarnations.get(m) != null) {
                    epochs.put(m, io.fjord.metadata.ClusterImage.epochOf("b" + m + "-" + memberIncarnations.get(m)));
                }
            }
        }
        ReplicationControl.Outcome<AlterPartitionResult> o = ReplicationControl.alterPartition(image,
                new AlterPartitionRequest(TOPIC, TOPIC_ID, partition, broker, leaderEpoch, partitionEpoch, isr, epochs));
        if (o.result().error() != Errors.NONE) {
            sim.scheduler().note((Supplier<String>) () -> "  controller: AlterPartition " + isr + " from " + broker
                    + " refused: " + o.result().error());
        }
        apply(o.records());
        return o.result().error();
    }
}
