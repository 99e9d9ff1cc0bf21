package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.metadata.Controller;
import io.fjord.metadata.PartitionState;
import io.fjord.metadata.ReassignmentRequest;
import io.fjord.metadata.ReassignmentResult;
import io.fjord.metadata.TopicImage;
import io.fjord.metadata.TopicPartitionRef;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * AlterPartitionReassignments (45, v0-1; KIP-455): starts or cancels (null replicas) partition moves through the
 * controller, judged against the state when committed ({@link io.fjord.metadata.Reassignments}). v1's
 * {@code AllowReplicationFactorChange=false} (KIP-860) refuses a target whose size differs from the partition's
 * replication factor with INVALID_REPLICATION_FACTOR (checked here, against this node's image). A write that cannot
 * be committed answers REQUEST_TIMED_OUT. Blocks the request thread for the metadata write.
 */
public final class AlterPartitionReassignmentsHandler implements ApiHandler {
    private final Controller controller;

    public AlterPartitionReassignmentsHandler(Controller controller) {
        this.controller = controller;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        boolean allowRfChange = ctx.version() < 1 || request.getBool("AllowReplicationFactorChange");
        Struct response = ctx.spec().newResponse();
        response.set("ErrorCode", Errors.NONE.code()).set("ErrorMessage", null);
        if (ctx.version() >= 1) response.set("AllowReplicationFactorChange", allowRfChange);
        List<ReassignmentRequest> toController = new ArrayList<>();
        Map<TopicPartitionRef, ReassignmentResult> refused = new HashMap<>();
        List<TopicPartitionRef> order = new ArrayList<>();
        for (Struct t : request.getStructs("Topics")) {
            for (Struct p : t.getStructs("Partitions")) {
                TopicPartitionRef ref = new TopicPartitionRef(t.getString("Name"), p.getInt("PartitionIndex"));
                order.add(ref);
                List<Integer> target = p.getList("Replicas");
                if (target != null && !allowRfChange && changesReplicationFactor(ref, target)) {
                    refused.put(ref, new ReassignmentResult(ref, Errors.INVALID_REPLICATION_FACTOR,
                            "The replication factor of " + ref.topic() + "-" + ref.partition() + " would change, and "
                                    + "AllowReplicationFactorChange is false."));
                } else {
                    toController.add(new ReassignmentRequest(ref, target));
                }
            }
        }
        Map<TopicPartitionRef, ReassignmentResult> results = new HashMap<>(refused);
        try {
            if (!toController.isEmpty()) {
                for (ReassignmentResult r : controller.alterPartitionReassignments(toController)) results.put(r.partition(), r);
            }
        } catch (IOException e) {
            for (ReassignmentRequest r : toController) {
                results.put(r.partition(), new ReassignmentResult(r.partition(), Errors.REQUEST_TIMED_OUT, e.getMessage()));
            }
        }
        Map<String, Struct> byTopic = new LinkedHashMap<>();
        for (TopicPartitionRef ref : order) {
            ReassignmentResult r = results.get(ref);
            Struct t = byTopic.computeIfAbsent(ref.topic(), name -> response.child("Responses").set("Name", name));
            t.add("Partitions", t.child("Partitions").set("PartitionIndex", ref.partition())
                    .set("ErrorCode", r.error().code()).set("ErrorMessage", r.message()));
        }
        for (Struct t : byTopic.values()) response.add("Responses", t);
        return CompletableFuture.completedFuture(response);
    }

    private boolean changesReplicationFactor(TopicPartitionRef ref, List<Integer> target) {
        TopicImage t = controller.image().topic(ref.topic());
        PartitionState p = t == null ? null : t.partition(ref.partition());
        return p != null && p.targetReplicas().size() != target.size();
    }
}
