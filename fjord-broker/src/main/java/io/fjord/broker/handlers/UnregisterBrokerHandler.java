package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.metadata.Controller;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * UnregisterBroker (64, v0): decommissions a broker through the controller
 * ({@link io.fjord.metadata.ReplicationControl#unregisterBroker}): NONE, or BROKER_ID_NOT_REGISTERED for an id
 * with no registration; a write that cannot be committed answers REQUEST_TIMED_OUT. A live broker is not refused
 * (Kafka does not refuse it either): it registers again on its next heartbeat, so stop it first. Any broker
 * answers (Kafka forwards it to the controller; here the Raft client does). Blocks the request thread for the
 * metadata write.
 */
public final class UnregisterBrokerHandler implements ApiHandler {
    private final Controller controller;

    public UnregisterBrokerHandler(Controller controller) {
        this.controller = controller;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse().set("ThrottleTimeMs", 0);
        int brokerId = request.getInt("BrokerId");
        Errors error;
        String message = null;
        try {
            error = controller.unregisterBroker(brokerId);
            if (error == Errors.BROKER_ID_NOT_REGISTERED) message = "Broker ID " + brokerId + " is not currently registered";
        } catch (IOException e) {
            error = Errors.REQUEST_TIMED_OUT;
            message = e.getMessage();
        }
        return CompletableFuture.completedFuture(response.set("ErrorCode", error.code()).set("ErrorMessage", message));
    }
}
