package io.fjord.it;

import java.util.Map;
import java.util.Random;

/**
 * Knobs of the replication fault tests, read from system properties so that {@code -Pfault-long} (fjord-it's pom)
 * can run longer variants: {@code fjord.fault.rounds} (fault rounds per test, default 2) and {@code fjord.fault.seed}
 * (the seed of the choices a test makes, e.g. which partition's leader dies; random by default and printed, so a
 * failing run can be repeated with {@code -Dfjord.fault.seed=...}).
 */
final class FaultSettings {
    private FaultSettings() {
    }

    static int rounds() {
        return Integer.getInteger("fjord.fault.rounds", 2);
    }

    /** A seeded random for one test, its seed printed with the test's name. */
    static Random random(String test) {
        long seed = Long.getLong("fjord.fault.seed", new Random().nextLong());
        System.out.println("[" + test + "] seed " + seed + " (repeat with -Dfjord.fault.seed=" + seed + "), "
                + rounds() + " rounds, " + (ProcessCluster.KAFKA_LISTENERS ? "Kafka's" : "Fjord's") + " listener config");
        return new Random(seed);
    }

    /**
     * Server settings shared by the fault tests: a short broker session (a dead or frozen node is fenced, and its
     * partitions get new leaders, within a few seconds) and a short replica lag bound (a silent follower leaves the
     * ISR quickly).
     */
    static Map<String, String> fastFailover() {
        return Map.of("broker.session.timeout.ms", "3000", "broker.heartbeat.interval.ms", "500",
                "replica.lag.time.max.ms", "3000");
    }
}
