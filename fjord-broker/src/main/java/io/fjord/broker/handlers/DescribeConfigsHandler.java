package io.fjord.broker.handlers;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.config.TopicConfigs;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** DescribeConfigs (v1-4) for topics (resource type 2) and this broker (type 4). */
public final class DescribeConfigsHandler implements ApiHandler {
    private static final byte TOPIC = 2;
    private static final byte BROKER = 4;
    private static final byte STATIC_BROKER_SOURCE = 4;
    private static final byte DEFAULT_SOURCE = 5;
    private static final byte STRING_TYPE = 2;

    private final TopicAdmin admin;

    public DescribeConfigsHandler(TopicAdmin admin) {
        this.admin = admin;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        boolean synonyms = request.getBool("IncludeSynonyms");
        for (Struct res : request.getStructs("Resources")) {
            byte type = res.getByte("ResourceType");
            String name = res.getString("ResourceName");
            List<String> keys = res.getList("ConfigurationKeys");
            Struct out = response.child("Results").set("ResourceType", type).set("ResourceName", name);
            response.add("Results", out);
            if (type == TOPIC) {
                TopicImage topic = admin.image().topic(name);
                if (topic == null) {
                    out.set("ErrorCode", Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).set("ErrorMessage", "Topic " + name + " does not exist");
                    continue;
                }
                for (Map.Entry<String, TopicConfigs.Value> e : admin.effectiveConfigs(topic).entrySet()) {
                    if (keys != null && !keys.contains(e.getKey())) continue;
                    Struct c = entry(out, e.getKey(), e.getValue().value(), e.getValue().source().code);
                    if (synonyms) {
                        c.add("Synonyms", c.child("Synonyms").set("Name", e.getKey()).set("Value", e.getValue().value())
                                .set("Source", e.getValue().source().code));
                    }
                    out.add("Configs", c);
                }
            } else if (type == BROKER) {
                if (!name.isEmpty() && !name.equals(Integer.toString(admin.brokerConfig().nodeId()))) {
                    out.set("ErrorCode", Errors.INVALID_REQUEST.code()).set("ErrorMessage", "Unexpected broker id " + name);
                    continue;
                }
                for (Map.Entry<String, String> e : admin.brokerConfig().all().entrySet()) {
                    if (keys != null && !keys.contains(e.getKey())) continue;
                    byte source = admin.brokerConfig().isExplicit(e.getKey()) ? STATIC_BROKER_SOURCE : DEFAULT_SOURCE;
                    out.add("Configs", entry(out, e.getKey(), e.getValue().isEmpty() ? null : e.getValue(), source).set("ReadOnly", true));
                }
            } else {
                out.set("ErrorCode", Errors.INVALID_REQUEST.code()).set("ErrorMessage", "Unsupported resource type " + type);
            }
        }
        return CompletableFuture.completedFuture(response);
    }

    private static Struct entry(Struct out, String name, String value, byte source) {
        return out.child("Configs").set("Name", name).set("Value", value).set("ReadOnly", false)
                .set("ConfigSource", source).set("IsSensitive", false).set("ConfigType", STRING_TYPE);
    }
}
