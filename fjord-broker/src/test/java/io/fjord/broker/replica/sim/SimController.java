package io.fjord.broker.replica.sim;

import io.fjord.metadata.BrokerNode;
import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.ImageApplier;
import io.fjord.metadata.MetadataRecord;
import io.fjord.metadata.PartitionState;
import io.fjord.metadata.TopicImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The active controller of the simulation (the Raft quorum behind it is tested elsewhere, so it never fails here):
 * a real {@link ClusterImage} changed only through Fjord's real {@link ImageApplier} — fencing after a missed
 * session, unfencing on a heartbeat, leader election from the ISR — plus the AlterPartition check. Every change is
 * pushed to the brokers; heartbeat answers carry the whole state too, so a broker cut off for a while catches up.
 *
 * <p>A registration with a new incarnation counts as a fence of the old process (its ISR places and leaderships
 * go, as Kafka's controller does for a re-registration), and the new process starts fenced until it heartbeats.
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

    /** Every few hundred ms: fence the brokers whose session expired. */
    void checkSessions() {
        long now = sim.scheduler().nowMs();
        for (int b : image.brokers().keySet()) {
            if (!image.isFenced(b) && now - lastHeartbeatMs.get(b) > sessionTimeoutMs) {
                sim.scheduler().note((Supplier<String>) () -> "  controller: session of broker " + b + " expired");
                apply(ImageApplier.fence(image, b));
            }
        }
    }

    /** A broker process (re)registers; answers the partition states to start from. */
    List<PartitionState> onRegister(int broker, int incarnation) {
        if (incarnation < incarnations.get(broker)) return null;
        List<MetadataRecord> records = new ArrayList<>();
        if (incarnation > incarnations.get(broker)) {
            // A new process: fence the old one first (it may have lost unflushed data, so it must not stay in an
            // ISR or lead), then the new registration, which starts fenced until its first heartbeat.
            records.addAll(ImageApplier.fence(image, broker));
            BrokerNode node = image.broker(broker);
            records.add(new MetadataRecord.BrokerRegistered(broker, "b" + broker + "-" + incarnation, node.host(), node.port(), null));
            records.add(new MetadataRecord.BrokerFenced(broker));
            incarnations.put(broker, incarnation);
        }
        lastHeartbeatMs.put(broker, sim.scheduler().nowMs());
        apply(records);
        return partitionStates();
    }

    /** A heartbeat from a registered process: keeps its session, unfences it; answers the partition states. */
    List<PartitionState> onHeartbeat(int broker, int incarnation) {
        if (incarnation != incarnations.get(broker)) return null;
        lastHeartbeatMs.put(broker, sim.scheduler().nowMs());
        if (image.isFenced(broker)) apply(ImageApplier.unfence(image, broker));
        return partitionStates();
    }

    /** AlterPartition from a leader: null if committed, else Kafka's error name. */
    String onAlterPartition(int broker, int incarnation, int partition, int leaderEpoch, int partitionEpoch, List<Integer> isr) {
        PartitionState cur = partition(partition);
        String error = validateAlterPartition(cur, broker, incarnation, leaderEpoch, partitionEpoch, isr);
        if (error != null) {
            sim.scheduler().note((Supplier<String>) () -> "  controller: AlterPartition " + isr + " from " + broker + " refused: " + error);
            return error;
        }
        apply(List.of(new MetadataRecord.PartitionChanged(TOPIC, TOPIC_ID, partition, cur.leader(), isr, cur.leaderEpoch(),
                cur.partitionEpoch() + 1)));
        return null;
    }

    /**
     * MODELLED, TO BE REPLACED by the controller's own AlterPartition validation (branch {@code controller}) when it
     * lands on main. Kafka's rules: the sender's registration is current (STALE_BROKER_EPOCH), it leads the partition
     * (NOT_LEADER_OR_FOLLOWER), at that leader epoch (FENCED_LEADER_EPOCH) and partition epoch
     * (INVALID_UPDATE_VERSION); the new ISR holds the leader, only replicas, and no fenced broker (INELIGIBLE_REPLICA).
     */
    private String validateAlterPartition(PartitionState cur, int broker, int incarnation, int leaderEpoch,
                                          int partitionEpoch, List<Integer> isr) {
        if (incarnation != incarnations.get(broker) || image.isFenced(broker)) return "STALE_BROKER_EPOCH";
        if (cur.leader() != broker) return "NOT_LEADER_OR_FOLLOWER";
        if (leaderEpoch != cur.leaderEpoch()) return "FENCED_LEADER_EPOCH";
        if (partitionEpoch != cur.partitionEpoch()) return "INVALID_UPDATE_VERSION";
        if (!isr.contains(broker) || !cur.replicas().containsAll(isr)) return "INVALID_REQUEST";
        for (int r : isr) {
            if (!cur.isr().contains(r) && image.isFenced(r)) return "INELIGIBLE_REPLICA";
        }
        return null;
    }
}
