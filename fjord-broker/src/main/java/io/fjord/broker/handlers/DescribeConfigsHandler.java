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

/** DescribeConfigs (v1-4) for topics (resource type 2), this broker (type 4) and consumer groups (type 32). */
public final class DescribeConfigsHandler implements ApiHandler {
    private static final byte TOPIC = 2;
    private static final byte BROKER = 4;
    private static final byte GROUP = 32;
    private static final byte GROUP_CONFIG_SOURCE = 8;
    private static final byte INT_TYPE = 3;
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
            Errors refused = ConfigResourceAcl.refusal(ctx, type, name, false);
            if (refused != null) {
                out.set("ErrorCode", refused.code()).set("ErrorMessage", "Authorization failed.");
                continue;
            }
            if (type == TOPIC) {
                TopicImage topic = admin.image().topic(name);
                if (topic == null) {
                    out.set("ErrorCode", Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).set("ErrorMessage", "Topic " + name + " does not exist");
                    continue;
                }
                TopicConfigs.Dynamic dyn = admin.dynamic();
                for (Map.Entry<String, TopicConfigs.Value> e : admin.effectiveConfigs(topic).entrySet()) {
                    if (keys != null && !keys.contains(e.getKey())) continue;
                    Struct c = entry(out, e.getKey(), e.getValue().value(), e.getValue().source().code);
                    if (synonyms) addSynonyms(c, e.getKey(), topic.configs(), dyn);
                    out.add("Configs", c);
                }
            } else if (type == BROKER) {
                if (!name.isEmpty() && !name.equals(Integer.toString(admin.brokerConfig().nodeId()))) {
                    out.set("ErrorCode", Errors.INVALID_REQUEST.code()).set("ErrorMessage", "Unexpected broker id " + name);
                    continue;
                }
                TopicConfigs.Dynamic dyn = admin.dynamic();
                if (name.isEmpty()) { // the cluster-wide default entity: only its dynamic settings
                    for (Map.Entry<String, String> e : new java.util.TreeMap<>(dyn.clusterDefault()).entrySet()) {
                        if (keys != null && !keys.contains(e.getKey())) continue;
                        out.add("Configs", entry(out, e.getKey(), e.getValue(), TopicConfigs.Source.DYNAMIC_DEFAULT_BROKER.code));
                    }
                    continue;
                }
                for (Map.Entry<String, String> e : admin.brokerConfig().all().entrySet()) {
                    if (keys != null && !keys.contains(e.getKey())) continue;
                    String value = e.getValue();
                    byte source = admin.brokerConfig().isExplicit(e.getKey()) ? STATIC_BROKER_SOURCE : DEFAULT_SOURCE;
                    if (dyn.broker().containsKey(e.getKey())) {
                        value = dyn.broker().get(e.getKey());
                        source = TopicConfigs.Source.DYNAMIC_BROKER.code;
                    } else if (dyn.clusterDefault().containsKey(e.getKey())) {
                        value = dyn.clusterDefault().get(e.getKey());
                        source = TopicConfigs.Source.DYNAMIC_DEFAULT_BROKER.code;
                    }
                    boolean readOnly = !TopicConfigs.DYNAMIC_BROKER_KEYS.containsKey(e.getKey());
                    out.add("Configs", entry(out, e.getKey(), value.isEmpty() ? null : value, source).set("ReadOnly", readOnly));
                }
            } else if (type == GROUP) {
                describeGroup(out, name, keys, synonyms);
            } else {
                out.set("ErrorCode", Errors.INVALID_REQUEST.code()).set("ErrorMessage", "Unsupported resource type " + type);
            }
        }
        return CompletableFuture.completedFuture(response);
    }

    /**
     * A group's settings: its override (source GROUP_CONFIG) or the broker's {@code group.*} default. A group
     * that has no overrides, or does not exist yet, shows the defaults, as Kafka answers.
     */
    private void describeGroup(Struct out, String name, List<String> keys, boolean synonyms) {
        if (name == null || name.isEmpty()) {
            out.set("ErrorCode", Errors.INVALID_GROUP_ID.code()).set("ErrorMessage", "Group id must not be empty");
            return;
        }
        Map<String, String> overrides = admin.image().groupConfigs(name);
        io.fjord.broker.config.BrokerConfig broker = admin.brokerConfig();
        for (Map.Entry<String, String> e : io.fjord.broker.config.GroupConfigs.effective(overrides, broker).entrySet()) {
            if (keys != null && !keys.contains(e.getKey())) continue;
            String bk = io.fjord.broker.config.GroupConfigs.brokerKey(e.getKey());
            byte brokerSource = broker.isExplicit(bk) ? STATIC_BROKER_SOURCE : DEFAULT_SOURCE;
            byte source = overrides.containsKey(e.getKey()) ? GROUP_CONFIG_SOURCE : brokerSource;
            Struct c = entry(out, e.getKey(), e.getValue(), source).set("ConfigType", INT_TYPE);
            if (synonyms) {
                if (overrides.containsKey(e.getKey())) {
                    c.add("Synonyms", c.child("Synonyms").set("Name", e.getKey()).set("Value", overrides.get(e.getKey()))
                            .set("Source", GROUP_CONFIG_SOURCE));
                }
                c.add("Synonyms", c.child("Synonyms").set("Name", bk).set("Value", broker.get(bk)).set("Source", brokerSource));
            }
            out.add("Configs", c);
        }
    }

    /** Synonyms in precedence order: the topic override, then the broker key at each level that sets it. */
    private void addSynonyms(Struct c, String key, Map<String, String> overrides, TopicConfigs.Dynamic dyn) {
        if (overrides.containsKey(key)) {
            c.add("Synonyms", c.child("Synonyms").set("Name", key).set("Value", overrides.get(key))
                    .set("Source", TopicConfigs.Source.TOPIC.code));
        }
        String bk = TopicConfigs.brokerKey(key);
        if (dyn.broker().containsKey(bk)) {
            c.add("Synonyms", c.child("Synonyms").set("Name", bk).set("Value", dyn.broker().get(bk))
                    .set("Source", TopicConfigs.Source.DYNAMIC_BROKER.code));
        }
        if (dyn.clusterDefault().containsKey(bk)) {
            c.add("Synonyms", c.child("Synonyms").set("Name", bk).set("Value", dyn.clusterDefault().get(bk))
                    .set("Source", TopicConfigs.Source.DYNAMIC_DEFAULT_BROKER.code));
        }
        Map<String, TopicConfigs.Value> base = TopicConfigs.effective(Map.of(), admin.brokerConfig());
        TopicConfigs.Value v = base.get(key);
        c.add("Synonyms", c.child("Synonyms").set("Name", bk).set("Value", v.value()).set("Source", v.source().code));
    }

    private static Struct entry(Struct out, String name, String value, byte source) {
        return out.child("Configs").set("Name", name).set("Value", value).set("ReadOnly", false)
                .set("ConfigSource", source).set("IsSensitive", false).set("ConfigType", STRING_TYPE);
    }
}
