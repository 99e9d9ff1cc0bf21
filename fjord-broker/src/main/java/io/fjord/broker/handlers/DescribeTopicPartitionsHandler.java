package io.fjord.broker.handlers;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.PartitionState;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeTopicPartitions (v0): topics in name order, paged by {@code ResponsePartitionLimit} partitions with a
 * cursor (topic, first partition) to continue from. An empty topic list means every topic. As in Kafka, topics the
 * principal may not DESCRIBE are left out of an every-topic answer and answer TOPIC_AUTHORIZATION_FAILED when named.
 */
public final class DescribeTopicPartitionsHandler implements ApiHandler {
    private final TopicAdmin admin;

    public DescribeTopicPartitionsHandler(TopicAdmin admin) {
        this.admin = admin;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        ClusterImage image = admin.image();
        Struct response = ctx.spec().newResponse();
        TreeSet<String> names = new TreeSet<>();
        List<Struct> asked = request.getStructs("Topics");
        if (asked.isEmpty()) {
            for (TopicImage t : image.topics()) {
                if (ctx.authorized(io.fjord.broker.security.acl.AclOperation.DESCRIBE, io.fjord.broker.security.acl.AclResourceType.TOPIC, t.name())) names.add(t.name());
            }
        } else {
            for (Struct t : asked) names.add(t.getString("Name"));
        }
        Struct cursor = request.getStruct("Cursor");
        String startTopic = cursor == null ? null : cursor.getString("TopicName");
        int startPartition = cursor == null ? 0 : cursor.getInt("PartitionIndex");
        int limit = Math.max(1, Math.min(request.getInt("ResponsePartitionLimit"), 2000));
        int budget = limit;
        for (String name : startTopic == null ? names : names.tailSet(startTopic, true)) {
            TopicImage topic = image.topic(name);
            Struct t = response.child("Topics").set("Name", name);
            if (!ctx.authorized(io.fjord.broker.security.acl.AclOperation.DESCRIBE, io.fjord.broker.security.acl.AclResourceType.TOPIC, name)) {
                response.add("Topics", t.set("ErrorCode", Errors.TOPIC_AUTHORIZATION_FAILED.code()));
                continue;
            }
            if (topic == null) {
                response.add("Topics", t.set("ErrorCode", Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
                continue;
            }
            int first = name.equals(startTopic) ? startPartition : 0;
            if (budget == 0) {
                response.set("NextCursor", response.child("NextCursor").set("TopicName", name).set("PartitionIndex", first));
                return CompletableFuture.completedFuture(response);
            }
            t.set("TopicId", topic.id()).set("IsInternal", TopicAdmin.isInternal(name));
            List<Struct> parts = new ArrayList<>();
            for (PartitionState p : topic.orderedPartitions()) {
                if (p.partition() < first) continue;
                if (budget == 0) {
                    t.set("Partitions", parts);
                    response.add("Topics", t);
                    response.set("NextCursor", response.child("NextCursor").set("TopicName", name).set("PartitionIndex", p.partition()));
                    return CompletableFuture.completedFuture(response);
                }
                Struct ps = Responses.describePartition(t.child("Partitions"), p);
                ps.set("EligibleLeaderReplicas", List.of()).set("LastKnownElr", List.of());
                parts.add(ps);
                budget--;
            }
            t.set("Partitions", parts);
            response.add("Topics", t);
        }
        return CompletableFuture.completedFuture(response);
    }
}
