package io.fjord.metadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntPredicate;

/**
 * Works out one partition's next state from what should change — a target ISR, a target replica assignment — and
 * an election rule. Every controller decision about a partition (ISR change, fencing, controlled shutdown,
 * elections, reassignment) goes through here, so the rules live in one place:
 *
 * <ol>
 *   <li><b>Reassignment completion.</b> While adding/removing replicas are set, the reassignment completes as soon
 *       as the target ISR without the removing replicas still holds every remaining replica: replicas become the
 *       target, the ISR loses the removed replicas, adding/removing are cleared.</li>
 *   <li><b>Election.</b> A replica is a valid leader if it is in the target ISR and eligible (registered, not
 *       fenced). {@link Election#ONLINE}: keep the current leader if valid, else the first valid replica in replica
 *       order, else none (-1). {@link Election#PREFERRED}: the first replica if valid, else as ONLINE.
 *       {@link Election#UNCLEAN}: as ONLINE, then the first eligible replica even outside the ISR, whose ISR becomes
 *       just itself (records it did not have may be lost).</li>
 *   <li><b>ISR.</b> The target ISR, except that an empty target keeps the current ISR: the last member stays, as
 *       Kafka does without eligible leader replicas, so the partition comes back when that broker does.</li>
 *   <li><b>Epochs.</b> The leader epoch grows when the leader changes or when replicas are dropped from the
 *       assignment (so a removed replica's fetches are fenced); the partition epoch grows with any change.</li>
 * </ol>
 *
 * <p>Pure and not thread-safe: build one per decision.
 */
public final class PartitionChangePlanner {
    /** How a leader is chosen; see the class comment. */
    public enum Election { PREFERRED, ONLINE, UNCLEAN }

    private final PartitionState current;
    private final IntPredicate eligible;
    private List<Integer> targetIsr;
    private List<Integer> targetReplicas;
    private List<Integer> targetAdding;
    private List<Integer> targetRemoving;
    private Election election = Election.ONLINE;
    private boolean unclean;

    /** @param eligible whether a broker may lead or be in the ISR (registered, not fenced, not excluded) */
    public PartitionChangePlanner(PartitionState current, IntPredicate eligible) {
        this.current = current;
        this.eligible = eligible;
        this.targetIsr = current.isr();
        this.targetReplicas = current.replicas();
        this.targetAdding = current.addingReplicas();
        this.targetRemoving = current.removingReplicas();
    }

    public PartitionChangePlanner targetIsr(List<Integer> isr) {
        this.targetIsr = List.copyOf(isr);
        return this;
    }

    /** A new assignment: replicas (in order) and the reassignment's adding and removing lists (empty: none). */
    public PartitionChangePlanner targetAssignment(List<Integer> replicas, List<Integer> adding, List<Integer> removing) {
        this.targetReplicas = List.copyOf(replicas);
        this.targetAdding = List.copyOf(adding);
        this.targetRemoving = List.copyOf(removing);
        return this;
    }

    public PartitionChangePlanner election(Election election) {
        this.election = election;
        return this;
    }

    /** True if the last {@link #build()} elected a leader from outside the ISR. */
    public boolean electedUncleanly() {
        return unclean;
    }

    /** The next state, or empty if nothing would change. */
    public Optional<PartitionState> build() {
        List<Integer> isr = targetIsr;
        List<Integer> replicas = targetReplicas;
        List<Integer> adding = targetAdding;
        List<Integer> removing = targetRemoving;
        if (!adding.isEmpty() || !removing.isEmpty()) {
            List<Integer> keptIsr = without(isr, removing);
            List<Integer> keptReplicas = without(replicas, removing);
            if (!keptIsr.isEmpty() && !keptReplicas.isEmpty() && keptIsr.containsAll(keptReplicas)) {
                isr = keptIsr;
                replicas = keptReplicas;
                adding = List.of();
                removing = List.of();
            }
        }

        unclean = false;
        int leader = elect(isr, replicas);
        if (unclean) isr = List.of(leader);
        if (isr.isEmpty()) isr = current.isr();

        int leaderEpoch = current.leaderEpoch();
        if (leader != current.leader() || !replicas.containsAll(current.replicas())) leaderEpoch++;
        PartitionState next = new PartitionState(current.partition(), replicas, isr, leader, leaderEpoch,
                current.partitionEpoch() + 1, adding, removing);
        boolean same = next.replicas().equals(current.replicas()) && next.isr().equals(current.isr())
                && next.leader() == current.leader() && next.leaderEpoch() == current.leaderEpoch()
                && next.addingReplicas().equals(current.addingReplicas())
                && next.removingReplicas().equals(current.removingReplicas());
        return same ? Optional.empty() : Optional.of(next);
    }

    private int elect(List<Integer> isr, List<Integer> replicas) {
        if (election == Election.PREFERRED && !replicas.isEmpty() && valid(replicas.get(0), isr)) return replicas.get(0);
        if (valid(current.leader(), isr)) return current.leader();
        for (int r : replicas) {
            if (valid(r, isr)) return r;
        }
        if (election == Election.UNCLEAN) {
            for (int r : replicas) {
                if (eligible.test(r)) {
                    unclean = true;
                    return r;
                }
            }
        }
        return -1;
    }

    private boolean valid(int replica, List<Integer> isr) {
        return replica >= 0 && isr.contains(replica) && eligible.test(replica);
    }

    static List<Integer> without(List<Integer> list, List<Integer> remove) {
        if (remove.isEmpty()) return list;
        List<Integer> out = new ArrayList<>(list.size());
        for (int r : list) if (!remove.contains(r)) out.add(r);
        return out;
    }
}
