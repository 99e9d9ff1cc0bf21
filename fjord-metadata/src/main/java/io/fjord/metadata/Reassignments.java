package io.fjord.metadata;

import io.fjord.protocol.api.Errors;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Partition reassignment (KIP-455) as pure functions over an image, evaluated by the state machine at apply time.
 *
 * <p>A reassignment to target T of a partition with replicas R: {@code replicas = T + (R − T)},
 * {@code adding = T − R}, {@code removing = R − T} (both sorted). The new replicas see themselves in
 * {@code replicas} and start following; once the ISR without the removing replicas holds every remaining replica
 * (the adding ones have caught up) the reassignment completes: {@code replicas = T}, {@code ISR = ISR − removing},
 * a leader outside T gives way to the first eligible ISR member of T (leader epoch + 1), adding/removing cleared
 * ({@link PartitionChangePlanner} does this on every change, so the ISR expansion that lets the last adding replica
 * in completes it in the same record). A reassignment that only reorders or drops replicas completes at once.
 *
 * <p>Cancel (target null) goes back to the original replicas ({@code replicas − adding}) with the ISR without the
 * adding replicas; if that leaves no ISR, the first original replica is forced in, an unclean choice refused with
 * INVALID_REPLICA_ASSIGNMENT unless the topic allows unclean election (its override or the cluster default in
 * the image: this runs on every node, which do not share their static settings).
 */
public final class Reassignments {
    private Reassignments() {
    }

    /** AlterPartitionReassignments: each request in order, each seeing the changes of the ones before it. */
    public static ReplicationControl.Outcome<List<ReassignmentResult>> alter(ClusterImage image,
                                                                             List<ReassignmentRequest> requests) {
        List<MetadataRecord> records = new ArrayList<>();
        List<ReassignmentResult> results = new ArrayList<>();
        ClusterImage img = image;
        for (ReassignmentRequest req : requests) {
            TopicImage t = img.topic(req.partition().topic());
            PartitionState p = t == null ? null : t.partition(req.partition().partition());
            if (p == null) {
                results.add(new ReassignmentResult(req.partition(), Errors.UNKNOWN_TOPIC_OR_PARTITION,
                        "Unable to find partition " + req.partition().topic() + "-" + req.partition().partition() + "."));
                continue;
            }
            PartitionChangePlanner planner = new PartitionChangePlanner(p, img::isEligible);
            ReassignmentResult refusal = req.targetReplicas() == null ? planCancel(img, req.partition(), t, p, planner)
                    : planMove(img, req.partition(), p, req.targetReplicas(), planner);
            if (refusal != null) {
                results.add(refusal);
                continue;
            }
            Optional<PartitionState> next = planner.build();
            if (next.isPresent()) {
                MetadataRecord r = MetadataRecord.PartitionChanged.between(t.name(), t.id(), p, next.get());
                records.add(r);
                img = ImageApplier.apply(img, r);
            }
            results.add(new ReassignmentResult(req.partition(), Errors.NONE, null));
        }
        return new ReplicationControl.Outcome<>(records, results);
    }

    /** Sets up a move to {@code target}, or returns why it is refused. */
    private static ReassignmentResult planMove(ClusterImage image, TopicPartitionRef ref, PartitionState p,
                                               List<Integer> target, PartitionChangePlanner planner) {
        if (target.isEmpty()) return invalid(ref, "The target replica list is empty.");
        if (new HashSet<>(target).size() != target.size()) {
            return invalid(ref, "The target replica list " + target + " names a broker more than once.");
        }
        for (int b : target) {
            if (image.broker(b) == null) {
                return invalid(ref, "The target replica list " + target + " includes broker " + b
                        + ", which is not registered.");
            }
        }
        List<Integer> current = p.replicas();
        List<Integer> removing = new ArrayList<>(new TreeSet<>(PartitionChangePlanner.without(current, target)));
        List<Integer> adding = new ArrayList<>(new TreeSet<>(PartitionChangePlanner.without(target, current)));
        List<Integer> replicas = new ArrayList<>(target);
        replicas.addAll(removing);
        planner.targetAssignment(replicas, adding, removing);
        return null;
    }

    /** Sets up a cancel, or returns why it is refused. */
    private static ReassignmentResult planCancel(ClusterImage image, TopicPartitionRef ref, TopicImage t, PartitionState p,
                                                 PartitionChangePlanner planner) {
        if (!p.isReassigning()) {
            return new ReassignmentResult(ref, Errors.NO_REASSIGNMENT_IN_PROGRESS,
                    "No reassignment is in progress for " + t.name() + "-" + p.partition() + ".");
        }
        List<Integer> original = p.originalReplicas();
        List<Integer> isr = PartitionChangePlanner.without(p.isr(), p.addingReplicas());
        PartitionChangePlanner.Election election = PartitionChangePlanner.Election.ONLINE;
        if (isr.isEmpty()) {
            if (original.isEmpty() || !ReplicationControl.uncleanLeaderElection(image, t, false)) {
                return invalid(ref, "Unable to revert the reassignment of " + t.name() + "-" + p.partition()
                        + " because it would require an unclean leader election.");
            }
            isr = List.of(original.get(0));
            election = PartitionChangePlanner.Election.UNCLEAN;
        }
        planner.targetIsr(isr).targetAssignment(original, List.of(), List.of()).election(election);
        return null;
    }

    private static ReassignmentResult invalid(TopicPartitionRef ref, String message) {
        return new ReassignmentResult(ref, Errors.INVALID_REPLICA_ASSIGNMENT, message);
    }

    /**
     * ListPartitionReassignments: the reassignments in progress among {@code partitions} (null: all). Unknown
     * topics and partitions are left out, as Kafka does.
     */
    public static List<OngoingReassignment> list(ClusterImage image, List<TopicPartitionRef> partitions) {
        List<OngoingReassignment> out = new ArrayList<>();
        for (TopicPartitionRef ref : partitions == null ? ReplicationControl.allPartitions(image) : partitions) {
            TopicImage t = image.topic(ref.topic());
            PartitionState p = t == null ? null : t.partition(ref.partition());
            if (p != null && p.isReassigning()) {
                out.add(new OngoingReassignment(ref, p.replicas(), p.addingReplicas(), p.removingReplicas()));
            }
        }
        return out;
    }
}
