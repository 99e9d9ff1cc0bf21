package io.fjord.metadata;

import io.fjord.protocol.api.Errors;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The controller's decisions about leaders and ISRs, as pure functions from an image to the records that carry
 * them out (and an answer). The Raft state machine calls the ones a client asks for ({@link #alterPartition},
 * {@link #controlledShutdown}, {@link #electLeaders}) at apply time, against the image the entry meets, so a
 * request built on an outdated state is judged against the real one on every node alike. The active controller
 * calls the periodic ones ({@link #fence}, {@link #unfence}, {@link #reconcile}, {@link #rebalanceLeaders}) on its
 * own image and submits their records; those are {@link MetadataRecord.PartitionChanged}s, which the state machine
 * drops if the partition changed meanwhile. Each partition's next state comes from {@link PartitionChangePlanner}.
 *
 * <p>Eligible broker (may lead, may be in an ISR): registered and not fenced; a broker in controlled shutdown is
 * fenced until it registers again. Unclean elections happen only in {@link #reconcile} (run by the active
 * controller, which knows its static {@code unclean.leader.election.enable}) and in explicit UNCLEAN elections.
 */
public final class ReplicationControl {
    /** Kafka's topic (and broker default) setting that allows electing a leader from outside the ISR. */
    public static final String UNCLEAN_LEADER_ELECTION = "unclean.leader.election.enable";

    /** The records a decision commits (possibly none) and what it answers. */
    public record Outcome<R>(List<MetadataRecord> records, R result) {
        public Outcome {
            records = List.copyOf(records);
        }
    }

    private ReplicationControl() {
    }

    /**
     * A new partition's state: the ISR is its replicas that are eligible now, in replica order, and the first of
     * them leads (Kafka's createTopic/createPartitions).
     *
     * @throws IllegalArgumentException if no replica is eligible
     */
    public static PartitionState newPartition(ClusterImage image, int index, List<Integer> replicas) {
        List<Integer> isr = replicas.stream().filter(image::isEligible).toList();
        if (isr.isEmpty()) {
            throw new IllegalArgumentException("Every broker of partition " + index + "'s replicas " + replicas
                    + " is fenced, shutting down or not registered.");
        }
        return new PartitionState(index, replicas, isr, isr.get(0), 0, 0);
    }

    /**
     * An ISR change from a partition leader (KIP-497), with Kafka's checks in Kafka's order: unknown topic or
     * partition; epochs newer than the controller's (NOT_CONTROLLER: the request cannot come from a state this
     * log has not reached); an older leader epoch (FENCED_LEADER_EPOCH); a requester that is not the leader
     * (INVALID_REQUEST); an older partition epoch (INVALID_UPDATE_VERSION); an ISR with duplicates, replicas not
     * in the assignment, or without the leader (INVALID_REQUEST); an ISR member that is fenced, shutting down or
     * not registered (INELIGIBLE_REPLICA). On success the ISR is replaced and the partition epoch grows; if it
     * completes a reassignment whose target drops the leader, a new leader is elected and the answer is
     * NEW_LEADER_ELECTED. An unchanged ISR commits nothing and answers the current state.
     */
    public static Outcome<AlterPartitionResult> alterPartition(ClusterImage image, AlterPartitionRequest request) {
        TopicImage topic = request.topicId() != null ? image.topic(request.topicId()) : image.topic(request.topic());
        if (topic == null) {
            return refused(request.topicId() != null ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION);
        }
        PartitionState p = topic.partition(request.partition());
        if (p == null) return refused(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        if (request.leaderEpoch() > p.leaderEpoch() || request.partitionEpoch() > p.partitionEpoch()) {
            return refused(Errors.NOT_CONTROLLER);
        }
        if (request.leaderEpoch() < p.leaderEpoch()) return refused(Errors.FENCED_LEADER_EPOCH);
        if (request.leaderId() != p.leader()) return refused(Errors.INVALID_REQUEST);
        if (request.partitionEpoch() < p.partitionEpoch()) return refused(Errors.INVALID_UPDATE_VERSION);
        List<Integer> isr = request.newIsr();
        if (new HashSet<>(isr).size() != isr.size() || !p.replicas().containsAll(isr) || !isr.contains(p.leader())) {
            return refused(Errors.INVALID_REQUEST);
        }
        for (int member : isr) {
            if (!image.isEligible(member)) return refused(Errors.INELIGIBLE_REPLICA);
            Long seen = request.brokerEpochs().get(member);
            // KIP-903: the leader saw this member caught up in an earlier process of it; the one now registered
            // may have restarted without the data (an unclean shutdown loses unflushed writes).
            if (seen != null && seen >= 0 && seen != image.brokerEpoch(member)) return refused(Errors.INELIGIBLE_REPLICA);
        }
        Optional<PartitionState> next = new PartitionChangePlanner(p, image::isEligible).targetIsr(isr).build();
        if (next.isEmpty()) return new Outcome<>(List.of(), new AlterPartitionResult(Errors.NONE, p));
        PartitionState n = next.get();
        Errors answer = n.leader() == request.leaderId() ? Errors.NONE : Errors.NEW_LEADER_ELECTED;
        return new Outcome<>(List.of(MetadataRecord.PartitionChanged.between(topic.name(), topic.id(), p, n)),
                new AlterPartitionResult(answer, n));
    }

    private static Outcome<AlterPartitionResult> refused(Errors error) {
        return new Outcome<>(List.of(), AlterPartitionResult.error(error));
    }

    /**
     * A broker's controlled shutdown, in one step: it is marked shutting down (and fenced), then every partition
     * it is in elects, from the other eligible ISR members, a new leader (leader epoch + 1) if it led, and drops it
     * from the ISR unless it is the last member (a partition whose only ISR member it is goes leaderless until it
     * returns). The result is false, and nothing changes, if {@code incarnation} is not the broker's current
     * registration (a request from a process that has since been replaced).
     */
    public static Outcome<Boolean> controlledShutdown(ClusterImage image, int brokerId, String incarnation) {
        if (image.broker(brokerId) == null || !Objects.equals(image.incarnation(brokerId), incarnation)) {
            return new Outcome<>(List.of(), false);
        }
        List<MetadataRecord> out = new ArrayList<>();
        out.add(new MetadataRecord.BrokerShuttingDown(brokerId));
        ClusterImage after = image.withShuttingDown(brokerId);
        for (TopicImage t : after.topics()) {
            for (PartitionState p : t.orderedPartitions()) {
                if (!p.isr().contains(brokerId) && p.leader() != brokerId) continue;
                new PartitionChangePlanner(p, after::isEligible)
                        .targetIsr(PartitionChangePlanner.without(p.isr(), List.of(brokerId)))
                        .build()
                        .ifPresent(n -> out.add(MetadataRecord.PartitionChanged.between(t.name(), t.id(), p, n)));
            }
        }
        return new Outcome<>(out, true);
    }

    /**
     * True if a controlled shutdown of {@code brokerId} would move something: a leadership to another broker, or
     * the broker out of an ISR. When it would not, shutting down without it loses nothing the session timeout's
     * fencing would not do anyway.
     */
    public static boolean controlledShutdownMovesAnything(ClusterImage image, int brokerId) {
        for (MetadataRecord r : controlledShutdown(image, brokerId, image.incarnation(brokerId)).records()) {
            if (r instanceof MetadataRecord.PartitionChanged c && (c.leader() != -1 || !c.isr().contains(brokerId))) return true;
        }
        return false;
    }

    /**
     * The records that fence {@code brokerId} (missed heartbeats): the fence, then {@link #reconcile} on the image
     * with it fenced: out of every ISR (unless the last member), its leaderships to the next eligible ISR replica
     * in replica order (leader epoch + 1), or an unclean choice where allowed, or nobody.
     */
    public static List<MetadataRecord> fence(ClusterImage image, int brokerId, Predicate<TopicImage> uncleanAllowed) {
        List<MetadataRecord> out = new ArrayList<>();
        out.add(new MetadataRecord.BrokerFenced(brokerId));
        out.addAll(reconcile(image.withFenced(brokerId, true), uncleanAllowed));
        return out;
    }

    /**
     * UnregisterBroker: BROKER_ID_NOT_REGISTERED (nothing changes) for an id with no registration; otherwise the
     * registration is removed and {@link #reconcile} runs on the image without it, so it leaves every ISR (unless
     * the last member) and its leaderships move to the next eligible ISR replica, as a fence would do (Kafka
     * handles an unregistration like a fencing, then drops the registration). A live broker is not refused, as in
     * Kafka: its next heartbeat finds no registration and it registers again.
     */
    public static Outcome<Errors> unregisterBroker(ClusterImage image, int brokerId) {
        if (image.broker(brokerId) == null) return new Outcome<>(List.of(), Errors.BROKER_ID_NOT_REGISTERED);
        List<MetadataRecord> out = new ArrayList<>();
        out.add(new MetadataRecord.BrokerUnregistered(brokerId));
        out.addAll(reconcile(image.withoutBroker(brokerId), t -> false));
        return new Outcome<>(out, Errors.NONE);
    }

    /** The records that unfence {@code brokerId}: the unfence, then leaderless partitions it can lead elect it. */
    public static List<MetadataRecord> unfence(ClusterImage image, int brokerId, Predicate<TopicImage> uncleanAllowed) {
        List<MetadataRecord> out = new ArrayList<>();
        out.add(new MetadataRecord.BrokerUnfenced(brokerId));
        out.addAll(reconcile(image.withFenced(brokerId, false), uncleanAllowed));
        return out;
    }

    /**
     * What the image needs to satisfy the replication invariants, level-triggered (so a change lost to a race or
     * a controller failover is made on the next pass, and a setting turned on applies to partitions already
     * waiting): ineligible brokers leave ISRs (the last member stays); a partition whose leader is ineligible or
     * absent elects the first eligible ISR replica, or, where unclean election is allowed, the first eligible
     * replica with an ISR of itself; a reassignment whose ISR now covers its target completes. Idempotent: on the
     * image these records produce, it returns nothing.
     */
    public static List<MetadataRecord> reconcile(ClusterImage image, Predicate<TopicImage> uncleanAllowed) {
        List<MetadataRecord> out = new ArrayList<>();
        for (TopicImage t : image.topics()) {
            Boolean unclean = null; // looked up once per topic, only if a partition needs it
            for (PartitionState p : t.orderedPartitions()) {
                if (healthy(image, p)) continue; // the common case, checked without building anything
                List<Integer> isr = p.isr().stream().filter(image::isEligible).toList();
                boolean needsLeader = !image.isEligible(p.leader()) || !isr.contains(p.leader());
                if (needsLeader && unclean == null) unclean = uncleanAllowed.test(t);
                PartitionChangePlanner.Election e = needsLeader && unclean
                        ? PartitionChangePlanner.Election.UNCLEAN : PartitionChangePlanner.Election.ONLINE;
                new PartitionChangePlanner(p, image::isEligible).targetIsr(isr).election(e).build()
                        .ifPresent(n -> out.add(MetadataRecord.PartitionChanged.between(t.name(), t.id(), p, n)));
            }
        }
        return out;
    }

    private static boolean healthy(ClusterImage image, PartitionState p) {
        if (p.isReassigning() || !image.isEligible(p.leader()) || !p.isr().contains(p.leader())) return false;
        for (int r : p.isr()) if (!image.isEligible(r)) return false;
        return true;
    }

    /**
     * ElectLeaders (KIP-460). PREFERRED: ELECTION_NOT_NEEDED if the first replica leads, else it leads if it is an
     * eligible ISR member, else PREFERRED_LEADER_NOT_AVAILABLE (a leaderless partition may instead get another ISR
     * member, as Kafka does). UNCLEAN: ELECTION_NOT_NEEDED if there is a leader, else an eligible ISR member, else
     * any eligible replica, else ELIGIBLE_LEADERS_NOT_AVAILABLE. Unknown partitions: UNKNOWN_TOPIC_OR_PARTITION.
     * {@code partitions} null means every partition, and then partitions that need no election are left out.
     */
    public static Outcome<List<ElectionResult>> electLeaders(ClusterImage image, ElectionType type,
                                                             List<TopicPartitionRef> partitions) {
        boolean all = partitions == null;
        List<TopicPartitionRef> asked = all ? allPartitions(image) : partitions;
        List<MetadataRecord> records = new ArrayList<>();
        List<ElectionResult> results = new ArrayList<>();
        ClusterImage img = image;
        for (TopicPartitionRef ref : asked) {
            TopicImage t = img.topic(ref.topic());
            PartitionState p = t == null ? null : t.partition(ref.partition());
            Errors error;
            if (p == null) {
                error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
            } else if (type == ElectionType.PREFERRED ? p.leader() == p.preferredLeader() : p.leader() != -1) {
                error = Errors.ELECTION_NOT_NEEDED;
            } else {
                Optional<PartitionState> next = new PartitionChangePlanner(p, img::isEligible)
                        .election(type == ElectionType.PREFERRED ? PartitionChangePlanner.Election.PREFERRED
                                : PartitionChangePlanner.Election.UNCLEAN)
                        .build();
                if (next.isPresent()) {
                    MetadataRecord r = MetadataRecord.PartitionChanged.between(t.name(), t.id(), p, next.get());
                    records.add(r);
                    img = ImageApplier.apply(img, r); // a partition named twice sees its first election
                    error = Errors.NONE;
                } else {
                    error = type == ElectionType.PREFERRED ? Errors.PREFERRED_LEADER_NOT_AVAILABLE
                            : Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE;
                }
            }
            if (!all || error != Errors.ELECTION_NOT_NEEDED) results.add(new ElectionResult(ref, error));
        }
        return new Outcome<>(records, results);
    }

    /**
     * Automatic leader balancing ({@code auto.leader.rebalance.enable}): for each broker that is the preferred
     * leader (first replica) of some partitions, if more than {@code imbalancePercentage} percent of them are led
     * by someone else ({@code leader.imbalance.per.broker.percentage}), every such partition whose preferred
     * replica is an eligible ISR member moves back to it. Partitions being reassigned are left alone.
     */
    public static List<MetadataRecord> rebalanceLeaders(ClusterImage image, int imbalancePercentage) {
        Map<Integer, int[]> counts = new TreeMap<>(); // preferred broker -> {partitions, not led by it}
        for (TopicImage t : image.topics()) {
            for (PartitionState p : t.orderedPartitions()) {
                if (p.isReassigning() || p.preferredLeader() < 0) continue;
                int[] c = counts.computeIfAbsent(p.preferredLeader(), k -> new int[2]);
                c[0]++;
                if (p.leader() != p.preferredLeader()) c[1]++;
            }
        }
        Set<Integer> imbalanced = new HashSet<>();
        counts.forEach((broker, c) -> {
            if ((long) c[1] * 100 > (long) imbalancePercentage * c[0]) imbalanced.add(broker);
        });
        List<MetadataRecord> out = new ArrayList<>();
        if (imbalanced.isEmpty()) return out;
        for (TopicImage t : image.topics()) {
            for (PartitionState p : t.orderedPartitions()) {
                if (p.isReassigning() || !imbalanced.contains(p.preferredLeader()) || p.leader() == p.preferredLeader()) continue;
                new PartitionChangePlanner(p, image::isEligible).election(PartitionChangePlanner.Election.PREFERRED).build()
                        .filter(n -> n.leader() == p.preferredLeader())
                        .ifPresent(n -> out.add(MetadataRecord.PartitionChanged.between(t.name(), t.id(), p, n)));
            }
        }
        return out;
    }

    /**
     * Whether {@code topic} may elect a leader from outside its ISR: its {@value #UNCLEAN_LEADER_ELECTION}
     * override, else the cluster-wide dynamic default in the image, else {@code staticDefault} (the controller's
     * own broker setting).
     */
    public static boolean uncleanLeaderElection(ClusterImage image, TopicImage topic, boolean staticDefault) {
        String v = topic.configs().get(UNCLEAN_LEADER_ELECTION);
        if (v == null) v = image.brokerConfigs("").get(UNCLEAN_LEADER_ELECTION);
        return v == null ? staticDefault : Boolean.parseBoolean(v.trim());
    }

    /**
     * True if {@code change} is the partition's next state (its partition epoch is the current one plus one). A
     * change computed from an image that has moved on since is not, and must be dropped: applying it would undo
     * whatever came in between.
     */
    public static boolean isNextChange(ClusterImage image, MetadataRecord.PartitionChanged change) {
        TopicImage t = image.topic(change.topic());
        if (t == null || !t.id().equals(change.topicId())) return false;
        PartitionState p = t.partition(change.partition());
        return p != null && change.partitionEpoch() == p.partitionEpoch() + 1;
    }

    static List<TopicPartitionRef> allPartitions(ClusterImage image) {
        List<TopicPartitionRef> out = new ArrayList<>();
        for (TopicImage t : image.topics()) {
            for (PartitionState p : t.orderedPartitions()) out.add(new TopicPartitionRef(t.name(), p.partition()));
        }
        return out;
    }
}
