package io.fjord.broker.handlers;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.metadata.BrokerNode;
import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.PartitionState;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Metadata (v0-13): brokers, controller, and topics with their partitions, from one cluster image. Unknown topics
 * are created when both the request (v4+; always for older versions) and {@code auto.create.topics.enable} allow.
 */
public final class MetadataHandler implements ApiHandler {
    private static final UUID ZERO = new UUID(0, 0);
    private final TopicAdmin admin;

    public MetadataHandler(TopicAdmin admin) {
        this.admin = admin;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        short v = ctx.version();
        List<Struct> requested = request.getStructs("Topics");
        boolean all = requested == null || (v == 0 && requested.isEmpty());
        boolean allowAuto = v < 4 || request.getBool("AllowAutoTopicCreation");
        Struct response = ctx.spec().newResponse();
        if (!all) {
            for (Struct t : requested) {
                String name = t.getString("Name");
                UUID id = v >= 10 ? t.getUuid("TopicId") : ZERO;
                if (name == null && id != null && !id.equals(ZERO)) {
                    TopicImage topic = admin.image().topic(id);
                    if (topic == null || !describable(ctx, topic.name())) {
                        Errors e = topic == null ? Errors.UNKNOWN_TOPIC_ID : Errors.TOPIC_AUTHORIZATION_FAILED;
                        response.add("Topics", response.child("Topics").set("ErrorCode", e.code())
                                .set("Name", null).set("TopicId", id));
                    } else {
                        response.add("Topics", describeTopic(response.child("Topics"), topic));
                    }
                    continue;
                }
                TopicImage topic = admin.image().topic(name);
                // ACLs: a topic the principal may not describe is refused by name; creating one needs Create.
                if (!describable(ctx, name) || (topic == null && allowAuto && admin.brokerConfig().getBoolean("auto.create.topics.enable") && !creatable(ctx, name))) {
                    response.add("Topics", response.child("Topics").set("Name", name)
                            .set("ErrorCode", Errors.TOPIC_AUTHORIZATION_FAILED.code()));
                    continue;
                }
                if (topic == null && allowAuto) {
                    TopicAdmin.Result r = admin.autoCreate(name);
                    if (r.error() == Errors.INVALID_TOPIC_EXCEPTION) {
                        response.add("Topics", response.child("Topics").set("Name", name)
                                .set("ErrorCode", Errors.INVALID_TOPIC_EXCEPTION.code()));
                        continue;
                    }
                    topic = admin.image().topic(name);
                }
                if (topic == null) {
                    response.add("Topics", response.child("Topics").set("Name", name)
                            .set("ErrorCode", Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
                } else {
                    response.add("Topics", describeTopic(response.child("Topics"), topic));
                }
            }
        }
        // Read the image after any auto-creation, so brokers and topics agree.
        ClusterImage image = admin.image();
        if (all) {
            for (TopicImage topic : image.topics()) {
                if (describable(ctx, topic.name())) response.add("Topics", describeTopic(response.child("Topics"), topic)); // hidden otherwise
            }
        }
        for (BrokerNode b : image.liveBrokers().values()) {
            BrokerNode.Endpoint e = b.endpoint(ctx.listenerName()); // the listener this request came in on
            if (e == null) continue;
            response.add("Brokers", response.child("Brokers").set("NodeId", b.id()).set("Host", e.host())
                    .set("Port", e.port()).set("Rack", b.rack()));
        }
        response.set("ClusterId", image.clusterId());
        response.set("ControllerId", admin.controllerIdForClients());
        return CompletableFuture.completedFuture(response);
    }

    private static boolean describable(RequestContext ctx, String topic) {
        return ctx.authorized(AclOperation.DESCRIBE, AclResourceType.TOPIC, topic);
    }

    /** Kafka's rule for creating a topic: CLUSTER Create, or TOPIC Create on the topic. */
    static boolean creatable(RequestContext ctx, String topic) {
        return ctx.authorized(AclOperation.CREATE, AclResourceType.CLUSTER, AclResourceType.CLUSTER_NAME)
                || ctx.authorized(AclOperation.CREATE, AclResourceType.TOPIC, topic);
    }

    private static Struct describeTopic(Struct t, TopicImage topic) {
        t.set("ErrorCode", (short) 0).set("Name", topic.name()).set("TopicId", topic.id()).set("IsInternal", TopicAdmin.isInternal(topic.name()));
        for (PartitionState p : topic.orderedPartitions()) {
            t.add("Partitions", Responses.describePartition(t.child("Partitions"), p));
        }
        return t;
    }
}
