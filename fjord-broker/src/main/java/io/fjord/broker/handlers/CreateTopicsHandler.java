package io.fjord.broker.handlers;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.config.TopicConfigs;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** CreateTopics (v2-7): each topic is validated and created on its own; one failure does not stop the rest. */
public final class CreateTopicsHandler implements ApiHandler {
    private final TopicAdmin admin;

    public CreateTopicsHandler(TopicAdmin admin) {
        this.admin = admin;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        short v = ctx.version();
        Struct response = ctx.spec().newResponse();
        boolean validateOnly = request.getBool("validateOnly");
        Set<String> seen = new HashSet<>();
        Set<String> duplicated = new HashSet<>();
        for (Struct t : request.getStructs("Topics")) {
            if (!seen.add(t.getString("Name"))) duplicated.add(t.getString("Name"));
        }
        for (Struct t : request.getStructs("Topics")) {
            String name = t.getString("Name");
            Struct out = response.child("Topics").set("Name", name);
            response.add("Topics", out);
            if (duplicated.contains(name)) {
                out.set("ErrorCode", Errors.INVALID_REQUEST.code()).set("ErrorMessage", "Create topics request from client contains duplicate topic " + name);
                continue;
            }
            if (!MetadataHandler.creatable(ctx, name)) { // ACLs: CLUSTER Create or TOPIC Create
                out.set("ErrorCode", Errors.TOPIC_AUTHORIZATION_FAILED.code()).set("ErrorMessage", "Authorization failed.")
                        .set("NumPartitions", -1).set("ReplicationFactor", (short) -1);
                continue;
            }
            Map<Integer, List<Integer>> assignments = new LinkedHashMap<>();
            for (Struct a : t.getStructs("Assignments")) assignments.put(a.getInt("PartitionIndex"), a.getList("BrokerIds"));
            Map<String, String> configs = new LinkedHashMap<>();
            for (Struct c : t.getStructs("Configs")) configs.put(c.getString("Name"), c.getString("Value"));
            TopicAdmin.Result r = admin.create(name, t.getInt("NumPartitions"), t.getShort("ReplicationFactor"),
                    assignments, configs, validateOnly);
            out.set("ErrorCode", r.error().code()).set("ErrorMessage", r.message());
            if (r.error() != Errors.NONE) {
                out.set("NumPartitions", -1).set("ReplicationFactor", (short) -1);
                continue;
            }
            if (v >= 5) {
                TopicImage topic = r.topic();
                if (topic == null) { // validateOnly: describe what would have been created
                    int n = assignments.isEmpty() ? (t.getInt("NumPartitions") == -1 ? admin.brokerConfig().getInt("num.partitions") : t.getInt("NumPartitions")) : assignments.size();
                    short rf = assignments.isEmpty() ? (t.getShort("ReplicationFactor") == -1 ? (short) admin.brokerConfig().getInt("default.replication.factor") : t.getShort("ReplicationFactor"))
                            : (short) assignments.values().iterator().next().size();
                    out.set("NumPartitions", n).set("ReplicationFactor", rf);
                    describeConfigs(out, admin.effectiveConfigs(configs));
                } else {
                    out.set("TopicId", topic.id()).set("NumPartitions", topic.partitionCount())
                            .set("ReplicationFactor", (short) topic.partition(0).replicas().size());
                    describeConfigs(out, admin.effectiveConfigs(topic));
                }
            }
        }
        return CompletableFuture.completedFuture(response);
    }

    private static void describeConfigs(Struct out, Map<String, TopicConfigs.Value> configs) {
        for (Map.Entry<String, TopicConfigs.Value> e : configs.entrySet()) {
            out.add("Configs", out.child("Configs").set("Name", e.getKey()).set("Value", e.getValue().value())
                    .set("ReadOnly", false).set("ConfigSource", e.getValue().source().code).set("IsSensitive", false));
        }
    }
}
