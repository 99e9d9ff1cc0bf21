package io.fjord.broker.replica.sim;

import java.util.function.Supplier;

/**
 * The fault injector. At random times: a kill (the process dies, its files stay) or a power loss (the unflushed log
 * tails go too) of a broker, restarted a while later; a cut link between two brokers or between a broker and the
 * controller; a broker isolated from everyone; cuts heal a while later. And at the moments where a protocol is most
 * fragile — an ISR change sent to the controller, a leadership just begun — now and then a fault aimed at the
 * brokers involved, right then (random times alone almost never hit those few milliseconds).
 *
 * <p>Not thread-safe.
 */
final class SimFaults {
    /** Chance that a fragile moment gets an aimed fault. */
    private static final double AIMED_FAULT_CHANCE = 0.2;

    private final ReplicationSimulation sim;
    private final SimScheduler scheduler;

    SimFaults(ReplicationSimulation sim) {
        this.sim = sim;
        this.scheduler = sim.scheduler();
    }

    void start() {
        scheduler.after(scheduler.between(200, 2 * sim.config().meanFaultIntervalMs()), null, this::randomFault);
    }

    private void randomFault() {
        SimBroker[] brokers = sim.brokers();
        SimBroker b = brokers[scheduler.random().nextInt(brokers.length)];
        int kind = scheduler.random().nextInt(4);
        if (kind <= 1) {
            crash(b);
        } else if (kind == 2) {
            int other = scheduler.random().nextInt(brokers.length);
            cut(b.id, other == b.id || scheduler.chance(0.3) ? SimNetwork.CONTROLLER : other);
        } else {
            scheduler.note((Supplier<String>) () -> "FAULT isolate b" + b.id);
            sim.network().cut(b.id, SimNetwork.CONTROLLER);
            for (SimBroker o : brokers) if (o != b) sim.network().cut(b.id, o.id);
            scheduler.after(scheduler.between(100, 1500), "HEAL all links", sim.network()::healAll);
        }
        scheduler.after(scheduler.between(50, 2 * sim.config().meanFaultIntervalMs()), null, this::randomFault);
    }

    /** A leader sent an ISR change about {@code member}: maybe cut them apart, or crash the leader, or cut it off. */
    void onIsrChangeSent(int leader, int member) {
        aimed(leader, member);
    }

    /** {@code leader} just began a leadership. */
    void onLeadershipBegan(int leader) {
        aimed(leader, (leader + 1 + scheduler.random().nextInt(sim.brokers().length - 1)) % sim.brokers().length);
    }

    private void aimed(int a, int b) {
        if (!scheduler.chance(AIMED_FAULT_CHANCE)) return;
        int kind = scheduler.random().nextInt(4);
        scheduler.after(scheduler.between(0, 2 * sim.config().maxNetworkDelayMs()), null, () -> {
            switch (kind) {
                case 0 -> cut(a, b);
                case 1 -> cut(a, SimNetwork.CONTROLLER);
                case 2 -> crash(sim.broker(a));
                default -> crash(sim.broker(b));
            }
        });
    }

    private void crash(SimBroker b) {
        if (!b.isAlive()) return;
        boolean powerLoss = scheduler.chance(sim.config().powerLossShare());
        scheduler.note((Supplier<String>) () -> "FAULT " + (powerLoss ? "power loss" : "kill") + " of b" + b.id);
        if (powerLoss) {
            for (int p = 0; p < sim.config().partitions(); p++) {
                SimLog log = b.replica(p).log;
                if (log.flushedOffset() < log.logEndOffset()) sim.invariants().onUnflushedDataLost(b.id, p);
            }
        }
        b.crash(powerLoss);
        scheduler.after(scheduler.between(50, 1500), "RESTART b" + b.id, b::restart);
    }

    private void cut(int a, int b) {
        if (a == b) return;
        scheduler.note((Supplier<String>) () -> "FAULT cut b" + a + " from " + (b == SimNetwork.CONTROLLER ? "the controller" : "b" + b));
        sim.network().cut(a, b);
        scheduler.after(scheduler.between(100, 1500), "HEAL all links", sim.network()::healAll);
    }
}
