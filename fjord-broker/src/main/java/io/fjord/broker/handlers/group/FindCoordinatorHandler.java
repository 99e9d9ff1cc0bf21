package io.fjord.broker.handlers.group;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.metadata.BrokerNode;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * FindCoordinator (v0-6): the group coordinator is the leader of the group's {@code __consumer_offsets}
 * partition — on a single node, this broker. Transaction coordinators (key type 1) are not served yet.
 * v4+ batches keys.
 */
public final class FindCoordinatorHandler implements ApiHandler {
    private static final byte GROUP = 0;
    private final Supplier<BrokerNode> self;

    public FindCoordinatorHandler(Supplier<BrokerNode> self) {
        this.self = self;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        short v = ctx.version();
        byte keyType = v >= 1 ? request.getByte("KeyType") : GROUP;
        Struct response = ctx.spec().newResponse();
        BrokerNode node = self.get();
        if (v >= 4) {
            for (Object key : request.getList("CoordinatorKeys")) {
                Struct c = response.child("Coordinators").set("Key", key);
                fill(c, keyType, node, true);
                response.add("Coordinators", c);
            }
        } else {
            fill(response, keyType, node, v >= 1);
        }
        return CompletableFuture.completedFuture(response);
    }

    private static void fill(Struct s, byte keyType, BrokerNode node, boolean hasMessage) {
        if (keyType != GROUP) {
            s.set("ErrorCode", Errors.COORDINATOR_NOT_AVAILABLE.code()).set("NodeId", -1).set("Host", "").set("Port", -1);
            if (hasMessage) s.set("ErrorMessage", "Transaction coordinators are not available yet");
            return;
        }
        s.set("ErrorCode", Errors.NONE.code()).set("NodeId", node.id()).set("Host", node.host()).set("Port", node.port());
        if (hasMessage) s.set("ErrorMessage", null);
    }

    static List<Object> none() {
        return List.of();
    }
}
