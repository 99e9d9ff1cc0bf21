package io.fjord.broker.replica.sim;

/**
 * The simulated cluster's settings. Kafka's names where there is one, in scaled-down time so that a few simulated
 * seconds see many elections, shrinks and expansions.
 */
record SimConfig(int brokers, int partitions, int replicationFactor, int minInsyncReplicas,
                 long replicaLagTimeMaxMs, long brokerSessionTimeoutMs, long heartbeatIntervalMs,
                 long requestTimeoutMs, long fetchIdleMs, int maxBatchesPerFetch,
                 long minNetworkDelayMs, long maxNetworkDelayMs, double messageLossRate,
                 long runForMs, long meanProduceIntervalMs, long meanFaultIntervalMs, double powerLossShare) {

    static SimConfig defaults() {
        return new SimConfig(3, 2, 3, 2,
                600, 900, 150,
                400, 40, 4,
                1, 15, 0.02,
                6_000, 40, 500, 0.3);
    }
}
