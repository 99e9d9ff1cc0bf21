package io.fjord.client.consumer;

import io.fjord.client.errors.FjordClientException;

/**
 * A commit asked for while the member is rejoining its group (as Kafka's consumer answers): poll to complete the
 * rebalance, then commit again. Partitions revoked meanwhile are committed before onPartitionsRevoked runs.
 */
public final class RebalanceInProgressException extends FjordClientException {
    public RebalanceInProgressException(String message) {
        super(message);
    }
}
