package io.fjord.metadata;

/**
 * The active controller's own settings for the decisions it takes by itself (Kafka's broker config names).
 *
 * @param uncleanLeaderElectionEnable {@code unclean.leader.election.enable}: the default for topics without an
 *                                    override (and without a cluster-wide dynamic default)
 * @param autoLeaderRebalanceEnable {@code auto.leader.rebalance.enable}
 * @param leaderImbalanceCheckIntervalMs {@code leader.imbalance.check.interval.seconds}, in milliseconds
 * @param leaderImbalancePerBrokerPercentage {@code leader.imbalance.per.broker.percentage}
 */
public record ControllerPolicy(boolean uncleanLeaderElectionEnable, boolean autoLeaderRebalanceEnable,
                               long leaderImbalanceCheckIntervalMs, int leaderImbalancePerBrokerPercentage) {
    /** Kafka's defaults: no unclean election, rebalance every 300 s when over 10 %. */
    public static final ControllerPolicy DEFAULT = new ControllerPolicy(false, true, 300_000, 10);

    public ControllerPolicy {
        if (leaderImbalanceCheckIntervalMs < 1) throw new IllegalArgumentException("leader.imbalance.check.interval must be positive");
        if (leaderImbalancePerBrokerPercentage < 0) throw new IllegalArgumentException("leader.imbalance.per.broker.percentage must be >= 0");
    }

    /** Whether {@code topic} may elect a leader from outside its ISR, in {@code image}. */
    public boolean uncleanAllowed(ClusterImage image, TopicImage topic) {
        return ReplicationControl.uncleanLeaderElection(image, topic, uncleanLeaderElectionEnable);
    }
}
