package io.fjord.client.consumer;

import io.fjord.client.errors.FjordClientException;

/** A blocking consumer call was interrupted by {@link FjordConsumer#wakeup()}, as Kafka's WakeupException. */
public class WakeupException extends FjordClientException {
    public WakeupException() {
        super("the consumer was woken up");
    }
}
