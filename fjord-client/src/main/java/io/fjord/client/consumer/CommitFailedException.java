package io.fjord.client.consumer;

import io.fjord.client.errors.FjordClientException;

/** A commit the group rejected: the member was fenced (rebalanced away) or the group is rebalancing. */
public final class CommitFailedException extends FjordClientException {
    public CommitFailedException(String message) {
        super(message);
    }
}
