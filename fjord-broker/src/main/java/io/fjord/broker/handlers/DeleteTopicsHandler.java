package io.fjord.broker.handlers;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** DeleteTopics (v1-6): by name, or from v6 by name or topic id. */
public final class DeleteTopicsHandler implements ApiHandler {
    private static final UUID ZERO = new UUID(0, 0);
    private final TopicAdmin admin;

    public DeleteTopicsHandler(TopicAdmin admin) {
        this.admin = admin;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        List<Object[]> targets = new ArrayList<>(); // {name, id}
        if (ctx.version() >= 6) {
            for (Struct t : request.getStructs("Topics")) targets.add(new Object[]{t.getString("Name"), t.getUuid("TopicId")});
        } else {
            for (Object n : request.getList("TopicNames")) targets.add(new Object[]{n, ZERO});
        }
        for (Object[] target : targets) {
            String name = (String) target[0];
            UUID id = (UUID) target[1];
            Struct out = response.child("Responses");
            response.add("Responses", out);
            TopicImage topic = name != null ? admin.image().topic(name) : admin.image().topic(id);
            if (name == null && (id == null || id.equals(ZERO))) {
                out.set("Name", null).set("ErrorCode", Errors.INVALID_REQUEST.code()).set("ErrorMessage", "Neither topic name nor id was given");
                continue;
            }
            String aclName = topic != null ? topic.name() : name;
            if (aclName != null && !ctx.authorized(io.fjord.broker.security.acl.AclOperation.DELETE,
                    io.fjord.broker.security.acl.AclResourceType.TOPIC, aclName)) { // ACLs: TOPIC Delete
                out.set("Name", name).set("TopicId", id == null ? ZERO : id).set("ErrorCode", Errors.TOPIC_AUTHORIZATION_FAILED.code());
                continue;
            }
            if (topic == null) {
                Errors e = name == null ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
                out.set("Name", name).set("TopicId", id == null ? ZERO : id).set("ErrorCode", e.code());
                continue;
            }
            Errors e = admin.delete(topic.name());
            out.set("Name", topic.name()).set("TopicId", topic.id()).set("ErrorCode", e.code());
        }
        return CompletableFuture.completedFuture(response);
    }
}
