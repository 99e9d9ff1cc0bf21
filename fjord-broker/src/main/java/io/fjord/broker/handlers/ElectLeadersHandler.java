package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.metadata.Controller;
import io.fjord.metadata.ElectionResult;
import io.fjord.metadata.ElectionType;
import io.fjord.metadata.TopicPartitionRef;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * ElectLeaders (43, v0-2; KIP-460): preferred (v0's only kind) or unclean elections through the controller, per
 * partition NONE, ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE or
 * UNKNOWN_TOPIC_OR_PARTITION ({@link io.fjord.metadata.ReplicationControl#electLeaders}). Null partitions means all
 * (and then partitions that need no election are left out, as Kafka does). An unknown election type answers
 * INVALID_REQUEST (v1+, top level); a write that cannot be committed answers REQUEST_TIMED_OUT. Blocks the request
 * thread for the metadata write.
 */
public final class ElectLeadersHandler implements ApiHandler {
    private final Controller controller;

    public ElectLeadersHandler(Controller controller) {
        this.controller = controller;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        response.set("ErrorCode", Errors.NONE.code());
        ElectionType type;
        try {
            type = ctx.version() >= 1 ? ElectionType.of(request.getByte("ElectionType")) : ElectionType.PREFERRED;
        } catch (IllegalArgumentException e) {
            response.set("ErrorCode", Errors.INVALID_REQUEST.code());
            return CompletableFuture.completedFuture(response);
        }
        List<TopicPartitionRef> asked = null;
        List<Struct> topics = request.getStructs("TopicPartitions");
        if (topics != null) {
            asked = new ArrayList<>();
            for (Struct t : topics) {
                List<Integer> partitions = t.getList("Partitions");
                for (int p : partitions) asked.add(new TopicPartitionRef(t.getString("Topic"), p));
            }
        }
        List<ElectionResult> results;
        try {
            results = controller.electLeaders(type, asked);
        } catch (IOException e) {
            results = new ArrayList<>();
            if (asked != null) for (TopicPartitionRef r : asked) results.add(new ElectionResult(r, Errors.REQUEST_TIMED_OUT));
            if (ctx.version() >= 1 && asked == null) response.set("ErrorCode", Errors.REQUEST_TIMED_OUT.code());
        }
        Map<String, Struct> byTopic = new LinkedHashMap<>();
        for (ElectionResult r : results) {
            Struct t = byTopic.computeIfAbsent(r.partition().topic(),
                    name -> response.child("ReplicaElectionResults").set("Topic", name));
            t.add("PartitionResult", t.child("PartitionResult").set("PartitionId", r.partition().partition())
                    .set("ErrorCode", r.error().code()).set("ErrorMessage", null));
        }
        for (Struct t : byTopic.values()) response.add("ReplicaElectionResults", t);
        return CompletableFuture.completedFuture(response);
    }
}
