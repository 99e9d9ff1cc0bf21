package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.metadata.Controller;
import io.fjord.metadata.OngoingReassignment;
import io.fjord.metadata.TopicPartitionRef;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * ListPartitionReassignments (46, v0; KIP-455): the reassignments in progress among the named partitions (null
 * topics: all), from this node's image; unknown topics and partitions are left out, as Kafka does.
 */
public final class ListPartitionReassignmentsHandler implements ApiHandler {
    private final Controller controller;

    public ListPartitionReassignmentsHandler(Controller controller) {
        this.controller = controller;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        List<TopicPartitionRef> asked = null;
        List<Struct> topics = request.getStructs("Topics");
        if (topics != null) {
            asked = new ArrayList<>();
            for (Struct t : topics) {
                List<Integer> partitions = t.getList("PartitionIndexes");
                for (int p : partitions) asked.add(new TopicPartitionRef(t.getString("Name"), p));
            }
        }
        Struct response = ctx.spec().newResponse();
        response.set("ErrorCode", Errors.NONE.code()).set("ErrorMessage", null);
        Map<String, Struct> byTopic = new LinkedHashMap<>();
        for (OngoingReassignment r : controller.listPartitionReassignments(asked)) {
            Struct t = byTopic.computeIfAbsent(r.partition().topic(), name -> response.child("Topics").set("Name", name));
            t.add("Partitions", t.child("Partitions").set("PartitionIndex", r.partition().partition())
                    .set("Replicas", r.replicas()).set("AddingReplicas", r.addingReplicas())
                    .set("RemovingReplicas", r.removingReplicas()));
        }
        for (Struct t : byTopic.values()) response.add("Topics", t);
        return CompletableFuture.completedFuture(response);
    }
}
