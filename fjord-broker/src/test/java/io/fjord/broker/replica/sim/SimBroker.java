package io.fjord.broker.replica.sim;

import io.fjord.broker.replica.Divergence;
import io.fjord.metadata.PartitionState;
import io.fjord.protocol.api.Errors;
import io.fjord.storage.EpochEndOffset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A simulated broker process: its replicas, its registration and heartbeats, the leader's side of fetch and produce
 * (as {@code FetchHandler}/{@code ProduceHandler} decide), the follower's fetcher (as {@code ReplicaFetcherThread}
 * applies answers, with the real {@link Divergence}) and the ISR expiration timer and AlterPartition round trips (as
 * {@code ReplicaManager}). Every message goes through the {@link SimNetwork}.
 *
 * <p>Process states: UP (registered or registering) --crash--> DOWN --restart--> UP with the next incarnation.
 *
 * <p>Not thread-safe.
 */
final class SimBroker {
    /** An acks=all produce waiting for the high watermark. */
    private record PendingProduce(int partition, SimLog.Batch batch, long requestId) {
    }

    /** What the follower's fetcher is doing for one partition (process state). */
    private static final class FetchState {
        int session;
        long outstanding;
    }

    final int id;
    private final ReplicationSimulation sim;
    private final SimReplica[] replicas;
    private final FetchState[] fetch;
    private final List<PendingProduce> pending = new ArrayList<>();
    /** Per partition, per follower: the process incarnation of its last fetch here (KIP-903's broker epoch). */
    private final int[][] fetchedIncarnation;
    /** Per partition: the outstanding AlterPartition request id (0 = none). */
    private final long[] alterOutstanding;
    private int incarnation;
    private boolean alive = true;
    private boolean registered;
    private long nextRequestId = 1;

    SimBroker(int id, ReplicationSimulation sim, int partitions, Path dir) {
        this.id = id;
        this.sim = sim;
        this.replicas = new SimReplica[partitions];
        this.fetch = new FetchState[partitions];
        this.alterOutstanding = new long[partitions];
        this.fetchedIncarnation = new int[partitions][sim.config().brokers()];
        for (int p = 0; p < partitions; p++) {
            replicas[p] = new SimReplica(id, p, dir.resolve("sim-" + p));
            fetch[p] = new FetchState();
        }
    }

    boolean isAlive() {
        return alive;
    }

    boolean isRegistered() {
        return alive && registered;
    }

    int incarnation() {
        return incarnation;
    }

    SimReplica replica(int p) {
        return replicas[p];
    }

    private long now() {
        return sim.scheduler().nowMs();
    }

    private SimNetwork net() {
        return sim.network();
    }

    // ------------------------------------------------------------ process lifecycle

    void start() {
        registered = false;
        heartbeatLoop(incarnation);
    }

    void crash(boolean powerLoss) {
        if (!alive) throw new IllegalStateException("broker " + id + " is already down");
        alive = false;
        registered = false;
        pending.clear();
        for (int p = 0; p < replicas.length; p++) {
            replicas[p].crash(powerLoss);
            fetch[p].session++; // sessions only grow, so no timer of the dead process matches a later one
            fetch[p].outstanding = 0;
            alterOutstanding[p] = 0;
        }
    }

    void restart() {
        if (alive) throw new IllegalStateException("broker " + id + " is up");
        incarnation++;
        alive = true;
        for (SimReplica r : replicas) r.restart();
        start();
    }

    void flush() {
        if (!alive) return;
        for (SimReplica r : replicas) r.log.flush();
    }

    void checkpointHighWatermarks() {
        if (!alive) return;
        for (SimReplica r : replicas) r.checkpointHighWatermark();
    }

    /** Registers until answered, then heartbeats; one loop per incarnation. */
    private void heartbeatLoop(int inc) {
        sim.scheduler().after(0, null, () -> {
            if (!alive || incarnation != inc) return;
            if (!registered) {
                net().send(id, SimNetwork.CONTROLLER, () -> "Register(inc " + inc + ")", () -> {
                    List<PartitionState> states = sim.controller().onRegister(id, inc);
                    if (states != null) {
                        net().send(SimNetwork.CONTROLLER, id, () -> "Registered", () -> {
                            if (registered) return;
                            registered = true;
                            applyStates(states);
                        });
                    }
                });
            } else {
                net().send(id, SimNetwork.CONTROLLER, () -> "Heartbeat", () -> {
                    List<PartitionState> states = sim.controller().onHeartbeat(id, inc);
                    if (states != null) net().send(SimNetwork.CONTROLLER, id, () -> "HeartbeatResponse", () -> applyStates(states));
                });
            }
            sim.scheduler().after(sim.config().heartbeatIntervalMs(), null, () -> heartbeatLoop(inc));
        });
    }

    // ------------------------------------------------------------ metadata (ReplicaManager.applyPartition)

    void applyStates(List<PartitionState> states) {
        if (!isRegistered()) return; // a starting process ignores metadata until its registration is answered
        for (PartitionState s : states) applyPartition(s);
    }

    private void applyPartition(PartitionState s) {
        SimReplica r = replicas[s.partition()];
        if (s.leader() == id) {
            boolean wasFollowing = r.role() == SimReplica.Role.FOLLOWER;
            if (r.makeLeader(s, now())) {
                if (wasFollowing) fetch[s.partition()].session++;
                sim.invariants().onBecameLeader(id, s.partition(), s.leaderEpoch());
                sim.faults().onLeadershipBegan(id);
            }
            completeProduces(s.partition());
        } else if (r.makeFollower(s)) {
            failProduces(s.partition(), "NOT_LEADER_OR_FOLLOWER");
            alterOutstanding[s.partition()] = 0;
            startFollowing(r);
        }
    }

    // ------------------------------------------------------------ follower side (ReplicaFetcherThread)

    private void startFollowing(SimReplica r) {
        FetchState f = fetch[r.partition];
        f.session++;
        f.outstanding = 0;
        if (r.state().leader() < 0) return;
        int session = f.session;
        sim.scheduler().after(0, null, () -> sendFetch(r, session));
    }

    private void sendFetch(SimReplica r, int session) {
        FetchState f = fetch[r.partition];
        if (!alive || f.session != session || f.outstanding != 0 || r.role() != SimReplica.Role.FOLLOWER
                || r.state().leader() < 0) {
            return;
        }
        long requestId = nextRequestId++;
        f.outstanding = requestId;
        int leader = r.state().leader();
        int epoch = r.state().leaderEpoch();
        long fetchOffset = r.logEndOffset();
        int lastFetchedEpoch = r.latestEpoch();
        int p = r.partition;
        net().send(id, leader, () -> "Fetch(p" + p + " e" + epoch + " off " + fetchOffset + " last e" + lastFetchedEpoch + ")",
                () -> sim.broker(leader).onFetch(id, incarnation, p, epoch, fetchOffset, lastFetchedEpoch,
                        reply -> onFetchResponse(r, session, requestId, epoch, fetchOffset, reply)));
        sim.scheduler().after(sim.config().requestTimeoutMs(), null, () -> {
            if (f.session == session && f.outstanding == requestId) {
                f.outstanding = 0;
                sendFetch(r, session);
            }
        });
    }

    /** A fetch answer: an error, a diverging epoch, or batches with the leader's high watermark. */
    record FetchReply(String error, EpochEndOffset diverging, List<SimLog.Batch> batches, long highWatermark) {
        @Override
        public String toString() {
            if (error != null) return error + " hw " + highWatermark;
            if (diverging != null) return "diverging " + diverging;
            return batches + " hw " + highWatermark;
        }
    }

    private void onFetchResponse(SimReplica r, int session, long requestId, int epoch, long fetchOffset, FetchReply reply) {
        FetchState f = fetch[r.partition];
        if (f.session != session || f.outstanding != requestId) return;
        f.outstanding = 0;
        boolean progress = false;
        if (r.logEndOffset() == fetchOffset) {
            if (reply.error() == null && reply.diverging() != null) {
                EpochEndOffset mine = r.endOffsetForEpoch(reply.diverging().epoch());
                long cut = Divergence.truncationOffset(reply.diverging(), mine, fetchOffset);
                sim.scheduler().note((Supplier<String>) () -> "  b" + id + "/p" + r.partition + " truncates " + fetchOffset + " -> " + cut
                        + " (diverging " + reply.diverging() + ", mine " + mine + ")");
                progress = r.truncateAsFollower(epoch, cut);
            } else if (reply.error() == null) {
                progress = !reply.batches().isEmpty() && r.appendAsFollower(epoch, reply.batches());
                r.onLeaderOffsets(epoch, reply.highWatermark());
            } else if (reply.error().equals("OFFSET_OUT_OF_RANGE") && fetchOffset > reply.highWatermark()) {
                sim.scheduler().note("  b" + id + "/p" + r.partition + " beyond the leader's log; truncates to its HW "
                        + reply.highWatermark());
                progress = r.truncateAsFollower(epoch, reply.highWatermark());
            }
        }
        long delay = progress ? 1 : sim.config().fetchIdleMs();
        sim.scheduler().after(delay, null, () -> sendFetch(r, session));
    }

    // ------------------------------------------------------------ leader side (FetchHandler, ProduceHandler)

    void onFetch(int replicaId, int replicaIncarnation, int p, int currentEpoch, long fetchOffset, int lastFetchedEpoch,
                 java.util.function.Consumer<FetchReply> reply) {
        SimReplica r = replicas[p];
        FetchReply answer;
        EpochEndOffset diverging;
        if (!isRegistered() || !r.isLeader()) {
            answer = new FetchReply("NOT_LEADER_OR_FOLLOWER", null, List.of(), -1);
        } else if (currentEpoch < r.state().leaderEpoch()) {
            answer = new FetchReply("FENCED_LEADER_EPOCH", null, List.of(), -1);
        } else if (currentEpoch > r.state().leaderEpoch()) {
            answer = new FetchReply("UNKNOWN_LEADER_EPOCH", null, List.of(), -1);
        } else if (!r.state().replicas().contains(replicaId)) {
            answer = new FetchReply("UNKNOWN_LEADER_EPOCH", null, List.of(), -1);
        } else if (lastFetchedEpoch >= 0 && (diverging = Divergence.check(r.endOffsetForEpoch(lastFetchedEpoch),
                lastFetchedEpoch, fetchOffset)) != null) {
            answer = new FetchReply(null, diverging, List.of(), r.highWatermark());
        } else if (fetchOffset > r.logEndOffset()) {
            answer = new FetchReply("OFFSET_OUT_OF_RANGE", null, List.of(), r.highWatermark());
        } else {
            long hwBefore = r.highWatermark();
            List<Integer> expand = r.onFollowerFetch(replicaId, fetchOffset, now());
            fetchedIncarnation[p][replicaId] = replicaIncarnation;
            if (r.highWatermark() != hwBefore) completeProduces(p);
            if (expand != null) sendAlterPartition(r, expand);
            answer = new FetchReply(null, null, r.log.readFrom(fetchOffset, sim.config().maxBatchesPerFetch()), r.highWatermark());
        }
        net().send(id, replicaId, () -> "FetchResponse(p" + p + " " + answer + ")", () -> reply.accept(answer));
    }

    /** An acks=all produce of one batch of {@code count} records from the client. */
    void onProduce(int p, int count, long batchId) {
        SimReplica r = replicas[p];
        String refusal = null;
        if (!isRegistered() || !r.isLeader()) refusal = "NOT_LEADER_OR_FOLLOWER";
        else if (r.state().isr().size() < sim.config().minInsyncReplicas()) refusal = "NOT_ENOUGH_REPLICAS";
        if (refusal != null) {
            answerProduce(p, batchId, refusal);
            return;
        }
        long hwBefore = r.highWatermark();
        SimLog.Batch b = r.appendAsLeader(count, batchId);
        sim.scheduler().note((Supplier<String>) () -> "  b" + id + "/p" + p + " appended " + b);
        long requestId = nextRequestId++;
        pending.add(new PendingProduce(p, b, requestId));
        int inc = incarnation;
        sim.scheduler().after(sim.config().requestTimeoutMs(), null, () -> {
            if (alive && incarnation == inc && pending.removeIf(x -> x.requestId() == requestId)) {
                answerProduce(p, batchId, "REQUEST_TIMED_OUT");
            }
        });
        if (r.highWatermark() != hwBefore) completeProduces(p);
    }

    /** The produce purgatory's check: answers the waits the high watermark now covers. */
    private void completeProduces(int p) {
        SimReplica r = replicas[p];
        if (!r.isLeader()) return;
        for (Iterator<PendingProduce> it = pending.iterator(); it.hasNext(); ) {
            PendingProduce w = it.next();
            if (w.partition() != p || r.highWatermark() < w.batch().nextOffset()) continue;
            it.remove();
            if (r.state().isr().size() < sim.config().minInsyncReplicas()) {
                answerProduce(p, w.batch().id(), "NOT_ENOUGH_REPLICAS_AFTER_APPEND");
            } else {
                sim.invariants().onAcknowledged(p, w.batch(), id);
                answerProduce(p, w.batch().id(), null);
            }
        }
    }

    private void failProduces(int p, String error) {
        for (Iterator<PendingProduce> it = pending.iterator(); it.hasNext(); ) {
            PendingProduce w = it.next();
            if (w.partition() != p) continue;
            it.remove();
            answerProduce(p, w.batch().id(), error);
        }
    }

    private void answerProduce(int p, long batchId, String error) {
        net().send(id, SimNetwork.CLIENT, () -> "ProduceResponse(p" + p + " #" + batchId + " " + (error == null ? "acked" : error) + ")",
                () -> { });
    }

    // ------------------------------------------------------------ ISR changes (ReplicaManager)

    /** The ISR expiration timer (every replica.lag.time.max.ms / 2). */
    void shrinkLaggingIsrs() {
        if (!isRegistered()) return;
        for (SimReplica r : replicas) {
            List<Integer> next = r.maybeShrinkIsr(now(), sim.config().replicaLagTimeMaxMs());
            if (next != null) sendAlterPartition(r, next);
        }
    }

    /**
     * Sends the pending ISR change to the controller. Which outcomes may clear the pending change matters for safety:
     * the leader's high watermark counts a pending new member until the change is settled, so the change may only be
     * dropped when it is known not to have been made. Kafka's rule, followed here: no answer (lost, timed out) ->
     * send the same request again while it is still pending; a refusal that proves it was not made at the current
     * epochs (INELIGIBLE_REPLICA, INVALID_REQUEST) -> {@code onIsrProposalFailed}; any other refusal
     * (INVALID_UPDATE_VERSION, FENCED_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER, STALE_BROKER_EPOCH: an earlier copy may
     * have been applied) -> keep it pending until the metadata brings a newer partition state, which settles it.
     *
     * <p>{@code ReplicaManager.sendIsrChange} follows the same rule. With
     * {@link SimConfig#alterPartitionFailureClearsPending} the simulation instead does what it did before (any
     * failure, a timeout included, cleared the pending change); that loses acknowledged writes (e.g. seed 1873).
     */
    private void sendAlterPartition(SimReplica r, List<Integer> isr) {
        for (int m : r.state().replicas()) {
            if (m != id && isr.contains(m) != r.tracker().committedIsr().contains(m)) sim.faults().onIsrChangeSent(id, m);
        }
        Map<Integer, Integer> memberIncarnations = new HashMap<>();
        for (int m : isr) memberIncarnations.put(m, m == id ? incarnation : fetchedIncarnation[r.partition][m]);
        sendAlterPartition(r, isr, r.state().leaderEpoch(), r.tracker().partitionEpoch(), memberIncarnations);
    }

    private void sendAlterPartition(SimReplica r, List<Integer> isr, int leaderEpoch, int partitionEpoch,
                                    Map<Integer, Integer> memberIncarnations) {
        int p = r.partition;
        long requestId = nextRequestId++;
        alterOutstanding[p] = requestId;
        int inc = incarnation;
        boolean clearOnAnyFailure = sim.config().alterPartitionFailureClearsPending();
        net().send(id, SimNetwork.CONTROLLER, () -> "AlterPartition(p" + p + " e" + leaderEpoch + " pe" + partitionEpoch + " " + isr + ")", () -> {
            Errors error = sim.controller().onAlterPartition(id, p, leaderEpoch, partitionEpoch, isr, memberIncarnations);
            net().send(SimNetwork.CONTROLLER, id, () -> "AlterPartitionResponse(p" + p + " " + error + ")", () -> {
                if (alterOutstanding[p] != requestId) return;
                alterOutstanding[p] = 0;
                if (error == Errors.NONE || error == Errors.NEW_LEADER_ELECTED) return; // the metadata brings the new state
                if (clearOnAnyFailure || error == Errors.INELIGIBLE_REPLICA || error == Errors.INVALID_REQUEST) {
                    r.onIsrProposalFailed(leaderEpoch);
                }
            });
        });
        sim.scheduler().after(sim.config().requestTimeoutMs(), null, () -> {
            if (!alive || incarnation != inc || alterOutstanding[p] != requestId) return;
            alterOutstanding[p] = 0;
            sim.scheduler().note((Supplier<String>) () -> "  b" + id + "/p" + p + " AlterPartition timed out");
            if (clearOnAnyFailure) {
                r.onIsrProposalFailed(leaderEpoch);
            } else if (stillPending(r, isr, leaderEpoch, partitionEpoch)) {
                sendAlterPartition(r, isr, leaderEpoch, partitionEpoch, memberIncarnations);
            }
        });
    }

    private static boolean stillPending(SimReplica r, List<Integer> isr, int leaderEpoch, int partitionEpoch) {
        return r.isLeader() && r.state().leaderEpoch() == leaderEpoch && r.tracker().hasPendingChange()
                && r.tracker().partitionEpoch() == partitionEpoch && r.tracker().pendingIsr().equals(isr);
    }
}
