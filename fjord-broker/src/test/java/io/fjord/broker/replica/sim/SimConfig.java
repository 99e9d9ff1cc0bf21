package io.fjord.broker.replica.sim;

/**
 * The simulated cluster's settings. Kafka's names where there is one, in scaled-down time so that a few simulated
 * seconds see many elections, shrinks and expansions.
 */
record SimConfig(int brokers, int partitions, int replicationFactor, int minInsyncReplicas,
                 long replicaLagTimeMaxMs, long brokerSessionTimeoutMs, long heartbeatIntervalMs,
                 long requestTimeoutMs, long fetchIdleMs, int maxBatchesPerFetch,
                 long minNetworkDelayMs, long maxNetworkDelayMs, double messageLossRate,
                 long runForMs, long meanProduceIntervalMs, long meanFaultIntervalMs, double powerLossShare,
                 boolean alterPartitionFailureClearsPending, boolean brokerEpochsInAlterPartition) {

    /**
     * {@code -Dsim.alterPartitionFailureClearsPending=true} models {@code ReplicaManager.sendIsrChange} as it is today
     * (any AlterPartition failure, a timeout included, clears the pending ISR change); the default is Kafka's rule.
     */
    private static final boolean FAILURE_CLEARS_PENDING = Boolean.getBoolean("sim.alterPartitionFailureClearsPending");

    /**
     * {@code -Dsim.brokerEpochsInAlterPartition=false} drops the KIP-903 broker epochs (AlterPartition carries each
     * added member's broker epoch, checked by ReplicationControl); the default sends them, as the broker does.
     */
    private static final boolean BROKER_EPOCHS = !"false".equals(System.getProperty("sim.brokerEpochsInAlterPartition"));

    /**
     * The settings for one seed: the defaults with the fault and network figures varied by the seed, so that the
     * runs cover calm and stormy clusters, fast and slow networks, and followers that need many fetches to catch up.
     */
    static SimConfig forSeed(long seed) {
        java.util.Random r = new java.util.Random(seed * 0x9E3779B97F4A7C15L + 17);
        SimConfig d = defaults();
        return new SimConfig(d.brokers, d.partitions, d.replicationFactor, d.minInsyncReplicas,
                d.replicaLagTimeMaxMs, d.brokerSessionTimeoutMs, d.heartbeatIntervalMs,
                d.requestTimeoutMs, d.fetchIdleMs, 1 + r.nextInt(4),
                d.minNetworkDelayMs, 3 + r.nextInt(40), r.nextInt(3) == 0 ? 0.0 : r.nextDouble() * 0.08,
                d.runForMs, 15 + r.nextInt(60), 150 + r.nextInt(900), r.nextDouble() * 0.5, d.alterPartitionFailureClearsPending,
                d.brokerEpochsInAlterPartition);
    }

    static SimConfig defaults() {
        return new SimConfig(3, 2, 3, 2,
                600, 900, 150,
                400, 40, 4,
                1, 15, 0.02,
                6_000, 40, 500, 0.3, FAILURE_CLEARS_PENDING, BROKER_EPOCHS);
    }
}
