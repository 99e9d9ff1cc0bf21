package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.metadata.Controller;
import io.fjord.metadata.VoterChangeResult;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * AddRaftVoter (80) and RemoveRaftVoter (81), KIP-853, through the controller's Raft membership changes
 * ({@link Controller#addRaftVoter}, {@link Controller#removeRaftVoter}). A ClusterId that is not this cluster's
 * answers INCONSISTENT_CLUSTER_ID. AddRaftVoter's endpoint is the new voter's Raft endpoint (for a broker-only
 * node, its {@code fjord.metadata.listener}); the first listener given is used. Fjord keeps no directory ids, so
 * VoterDirectoryId is accepted as given and not checked. Any node answers (the Raft client reaches the leader);
 * blocks the request thread until the change is committed or the request's timeout passes.
 */
public final class RaftVoterHandlers {
    private static final long REMOVE_TIMEOUT_MS = 30_000;

    private RaftVoterHandlers() {
    }

    public static ApiHandler add(Controller controller) {
        return (ctx, request) -> {
            Struct response = ctx.spec().newResponse().set("ThrottleTimeMs", 0);
            VoterChangeResult result = clusterMismatch(controller, request);
            if (result == null) {
                List<Struct> listeners = request.getStructs("Listeners");
                if (listeners == null || listeners.isEmpty()) {
                    result = new VoterChangeResult(Errors.INVALID_REQUEST, "AddRaftVoter needs the new voter's endpoint");
                } else {
                    Struct l = listeners.get(0);
                    long timeout = Math.max(1000, request.getInt("TimeoutMs"));
                    result = controller.addRaftVoter(request.getInt("VoterId"), l.getString("Host"), l.getInt("Port"), timeout);
                }
            }
            return done(response, result);
        };
    }

    public static ApiHandler remove(Controller controller) {
        return (ctx, request) -> {
            Struct response = ctx.spec().newResponse().set("ThrottleTimeMs", 0);
            VoterChangeResult result = clusterMismatch(controller, request);
            if (result == null) result = controller.removeRaftVoter(request.getInt("VoterId"), REMOVE_TIMEOUT_MS);
            return done(response, result);
        };
    }

    private static VoterChangeResult clusterMismatch(Controller controller, Struct request) {
        String asked = request.getString("ClusterId");
        String ours = controller.image().clusterId();
        if (asked == null || asked.equals(ours)) return null;
        return new VoterChangeResult(Errors.INCONSISTENT_CLUSTER_ID, "cluster id " + asked + " is not this cluster's (" + ours + ")");
    }

    private static CompletableFuture<Struct> done(Struct response, VoterChangeResult result) {
        return CompletableFuture.completedFuture(response.set("ErrorCode", result.error().code()).set("ErrorMessage", result.message()));
    }
}
