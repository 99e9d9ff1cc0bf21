package io.fjord.broker.replica.sim;

import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.PartitionState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The four replication invariants, checked after every event of a run (and every controller image).
 *
 * <ol>
 *   <li><b>One leader per leader epoch:</b> the controller never names two leaders for one (partition, epoch), and no
 *       two brokers begin a leadership of the same (partition, epoch).</li>
 *   <li><b>The high watermark never moves back:</b> a replica's HW only decreases across a restart of its broker
 *       (it is then reloaded from the checkpoint); the HW a consumer can see — the current leader's, once it reaches
 *       the offset where that leader's epoch began (KIP-207) — never decreases over the run.</li>
 *   <li><b>Replicas agree below the HW:</b> every live replica's batches below its own HW equal the current leader's;
 *       and for every member of the current leader's ISR, the batches below min(leader HW, its log end) too. (Not for
 *       replicas outside the ISR: a deposed leader cut off from everyone keeps its uncommitted tail until it fetches
 *       again, by design, and the new leader's HW may pass it meanwhile.)</li>
 *   <li><b>Acknowledged means kept:</b> every batch acknowledged to an acks=all producer is in the current leader's
 *       log at its offset.</li>
 * </ol>
 * The "current leader" is the broker the controller names, if it is up, registered and leads at that epoch.
 *
 * <p><b>Excluded by Kafka's design</b> (checked no further for that partition; invariant 1 still is): a partition
 * whose committed ISR, at some moment, consists only of brokers that lost unflushed data of it in a power loss and
 * have not rejoined it since on the strength of a fetch by their new process. Without
 * fsync on ack, a record lives in the page cache of the ISR; when every ISR member lost it, Kafka (no unclean
 * election) elects one of them and the record is gone, even when a replica outside the ISR still has it (e.g.
 * Kafka keeps the last ISR member when fencing: fence(0) of ISR [0,1] where 1 already lost power leaves ISR [1]).
 *
 * <p>Not thread-safe.
 */
final class SimInvariants {
    private final ReplicationSimulation sim;
    private final int partitions;
    /** (partition, epoch) -> leader named by the controller / leader that began the leadership. */
    private final Map<Long, Integer> controllerLeaders = new HashMap<>();
    private final Map<Long, Integer> brokerLeaders = new HashMap<>();
    /** Per partition: acknowledged batches by base offset. */
    private final List<Map<Long, SimLog.Batch>> acked = new ArrayList<>();
    private final long[] maxVisibleHw;
    private final long[][] lastHw;
    private final int[][] lastIncarnation;
    /** amnesiac[b][p]: broker b lost unflushed data of p in a power loss since it last joined p's ISR. */
    private final boolean[][] amnesiac;
    /** The incarnation of broker b that lost unflushed data of p last. */
    private final int[][] lossIncarnation;
    private final boolean[] excluded;
    private final List<Set<Integer>> lastIsr = new ArrayList<>();
    private long ackCount;
    /** Per partition: what the last full check saw (see {@link #fingerprint}); equal means nothing to re-check. */
    private final long[][] checkedFingerprint;

    SimInvariants(ReplicationSimulation sim, int brokers, int partitions) {
        this.sim = sim;
        this.partitions = partitions;
        this.maxVisibleHw = new long[partitions];
        this.lastHw = new long[brokers][partitions];
        this.lastIncarnation = new int[brokers][partitions];
        this.amnesiac = new boolean[brokers][partitions];
        this.lossIncarnation = new int[brokers][partitions];
        this.excluded = new boolean[partitions];
        this.checkedFingerprint = new long[partitions][];
        for (int p = 0; p < partitions; p++) {
            acked.add(new HashMap<>());
            lastIsr.add(new HashSet<>());
        }
    }

    long acknowledged() {
        return ackCount;
    }

    int excludedPartitions() {
        int n = 0;
        for (boolean e : excluded) if (e) n++;
        return n;
    }

    private static long key(int p, int epoch) {
        return ((long) p << 32) | (epoch & 0xffffffffL);
    }

    private void fail(String message) {
        throw new InvariantViolation(message);
    }

    // ------------------------------------------------------------ observations

    void onImage(ClusterImage image) {
        for (PartitionState s : image.topic(SimController.TOPIC).orderedPartitions()) {
            int p = s.partition();
            if (s.leader() >= 0) {
                Integer prev = controllerLeaders.putIfAbsent(key(p, s.leaderEpoch()), s.leader());
                if (prev != null && prev != s.leader()) {
                    fail("invariant 1: the controller named leaders " + prev + " and " + s.leader() + " for p" + p
                            + " epoch " + s.leaderEpoch());
                }
            }
            Set<Integer> isr = new HashSet<>(s.isr());
            for (int b : isr) {
                // Joining the ISR means a leader saw the broker caught up, but only a fetch from a process started
                // after the loss says anything about the data it has now: a join decided on the dead process's
                // last fetch (it may still be down) does not clear it.
                SimBroker broker = sim.broker(b);
                if (!lastIsr.get(p).contains(b) && broker != null && broker.isAlive()
                        && broker.incarnation() > lossIncarnation[b][p]) {
                    amnesiac[b][p] = false;
                }
            }
            lastIsr.set(p, isr);
            checkExclusion(p);
        }
    }

    /** A power loss of {@code broker} is about to drop an unflushed tail of its replica of {@code p}. */
    void onUnflushedDataLost(int broker, int p) {
        amnesiac[broker][p] = true;
        lossIncarnation[broker][p] = sim.broker(broker).incarnation();
        checkExclusion(p);
    }

    private void checkExclusion(int p) {
        if (excluded[p]) return;
        for (int b : lastIsr.get(p)) if (!amnesiac[b][p]) return;
        excluded[p] = true;
        sim.scheduler().note((Supplier<String>) () -> "  EXCLUDED p" + p + ": every ISR member " + lastIsr.get(p) + " lost unflushed data since it joined");
    }

    void onBecameLeader(int broker, int p, int epoch) {
        Integer prev = brokerLeaders.putIfAbsent(key(p, epoch), broker);
        if (prev != null && prev != broker) {
            fail("invariant 1: brokers " + prev + " and " + broker + " both began leading p" + p + " at epoch " + epoch);
        }
    }

    void onAcknowledged(int p, SimLog.Batch batch, int leader) {
        ackCount++;
        sim.scheduler().note((Supplier<String>) () -> "  ACK p" + p + " " + batch + " by b" + leader);
        SimLog.Batch prev = acked.get(p).put(batch.baseOffset(), batch);
        if (prev != null && !prev.equals(batch) && !excluded[p]) {
            fail("invariant 4: offset " + batch.baseOffset() + " of p" + p + " acknowledged twice: " + prev + " and " + batch);
        }
    }

    // ------------------------------------------------------------ after every event

    void check() {
        for (int p = 0; p < partitions; p++) {
            checkReplicaHighWatermarks(p);
            if (excluded[p]) continue;
            PartitionState s = sim.controller().partition(p);
            SimReplica leader = currentLeader(s);
            if (leader == null) continue;
            long[] fp = fingerprint(p, s);
            if (java.util.Arrays.equals(fp, checkedFingerprint[p])) continue;
            checkedFingerprint[p] = fp;
            checkVisibleHighWatermark(p, leader);
            checkReplicasAgree(p, leader);
            checkAcknowledgedKept(p, leader);
        }
    }

    /**
     * Everything invariants 2-4 read for partition {@code p}: the controller's state, the acknowledgements, and per
     * broker its process, role, applied epochs, high watermark and log version. Most events (heartbeats, timers,
     * lost messages) change none of it.
     */
    private long[] fingerprint(int p, PartitionState s) {
        int n = lastHw.length;
        long[] fp = new long[3 + 6 * n];
        fp[0] = s.leader();
        fp[1] = s.partitionEpoch();
        fp[2] = acked.get(p).size();
        for (int b = 0; b < n; b++) {
            SimBroker broker = sim.broker(b);
            SimReplica r = broker.replica(p);
            int i = 3 + 6 * b;
            fp[i] = broker.isRegistered() ? broker.incarnation() : -1 - broker.incarnation();
            fp[i + 1] = r.isLeader() ? 1 : 0;
            fp[i + 2] = r.state() == null ? -1 : r.state().leaderEpoch();
            fp[i + 3] = r.tracker() == null ? -1 : r.tracker().partitionEpoch();
            fp[i + 4] = r.highWatermark();
            fp[i + 5] = r.log.version();
        }
        return fp;
    }

    private SimReplica currentLeader(PartitionState s) {
        if (s.leader() < 0) return null;
        SimBroker b = sim.broker(s.leader());
        if (!b.isRegistered()) return null;
        SimReplica r = b.replica(s.partition());
        if (!r.isLeader() || r.state().leaderEpoch() != s.leaderEpoch()) return null;
        return r;
    }

    private void checkReplicaHighWatermarks(int p) {
        for (int b = 0; b < lastHw.length; b++) {
            SimBroker broker = sim.broker(b);
            if (!broker.isAlive()) continue;
            long hw = broker.replica(p).highWatermark();
            if (broker.incarnation() == lastIncarnation[b][p] && hw < lastHw[b][p] && !excluded[p]) {
                fail("invariant 2: the HW of b" + b + "/p" + p + " moved back " + lastHw[b][p] + " -> " + hw
                        + " without a restart");
            }
            lastHw[b][p] = hw;
            lastIncarnation[b][p] = broker.incarnation();
        }
    }

    private void checkVisibleHighWatermark(int p, SimReplica leader) {
        long hw = leader.highWatermark();
        if (hw < leader.tracker().leaderEpochStartOffset()) return; // KIP-207: not served yet
        if (hw < maxVisibleHw[p]) {
            fail("invariant 2: the HW consumers see on p" + p + " moved back " + maxVisibleHw[p] + " -> " + hw
                    + " (leader b" + leader.brokerId + ")");
        }
        maxVisibleHw[p] = hw;
    }

    private void checkReplicasAgree(int p, SimReplica leader) {
        for (int b = 0; b < lastHw.length; b++) {
            if (b == leader.brokerId || !sim.broker(b).isAlive()) continue;
            SimReplica r = sim.broker(b).replica(p);
            long limit = r.highWatermark();
            if (leader.tracker().committedIsr().contains(b)) {
                limit = Math.max(limit, Math.min(leader.highWatermark(), r.logEndOffset()));
            }
            for (SimLog.Batch mine : r.log.batches()) {
                if (mine.baseOffset() >= limit) break;
                SimLog.Batch theirs = leader.log.batchAt(mine.baseOffset());
                if (!mine.equals(theirs)) {
                    fail("invariant 3: b" + b + "/p" + p + " has " + mine + " below " + limit + " where leader b"
                            + leader.brokerId + " has " + theirs);
                }
            }
        }
    }

    private void checkAcknowledgedKept(int p, SimReplica leader) {
        for (SimLog.Batch a : acked.get(p).values()) {
            SimLog.Batch there = leader.log.batchAt(a.baseOffset());
            if (!a.equals(there)) {
                fail("invariant 4: acknowledged " + a + " of p" + p + " is not in leader b" + leader.brokerId
                        + "'s log (it has " + there + " there)");
            }
        }
    }

    /** An invariant does not hold. */
    static final class InvariantViolation extends RuntimeException {
        InvariantViolation(String message) {
            super(message);
        }
    }
}
