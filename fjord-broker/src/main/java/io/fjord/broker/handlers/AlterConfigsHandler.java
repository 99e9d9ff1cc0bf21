package io.fjord.broker.handlers;

import io.fjord.broker.ConfigAdmin;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * AlterConfigs (v0-2) and IncrementalAlterConfigs (v0-1): topic overrides and dynamic broker settings, each
 * resource validated and applied on its own (see {@link ConfigAdmin}).
 */
public final class AlterConfigsHandler implements ApiHandler {
    private final ConfigAdmin configs;
    private final boolean incremental;

    public AlterConfigsHandler(ConfigAdmin configs, boolean incremental) {
        this.configs = configs;
        this.incremental = incremental;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        boolean validateOnly = request.getBool("ValidateOnly");
        for (Struct res : request.getStructs("Resources")) {
            byte type = res.getByte("ResourceType");
            String name = res.getString("ResourceName");
            ConfigAdmin.Result r;
            io.fjord.protocol.api.Errors refused = ConfigResourceAcl.refusal(ctx, type, name, true);
            if (refused != null) {
                r = new ConfigAdmin.Result(refused, "Authorization failed.");
            } else if (incremental) {
                List<ConfigAdmin.Op> ops = new ArrayList<>();
                for (Struct c : res.getStructs("Configs")) {
                    ops.add(new ConfigAdmin.Op(c.getString("Name"), c.getByte("ConfigOperation"), c.getString("Value")));
                }
                r = configs.incremental(type, name, ops, validateOnly);
            } else {
                Map<String, String> values = new LinkedHashMap<>();
                for (Struct c : res.getStructs("Configs")) values.put(c.getString("Name"), c.getString("Value"));
                r = configs.replace(type, name, values, validateOnly);
            }
            response.add("Responses", response.child("Responses").set("ErrorCode", r.error().code())
                    .set("ErrorMessage", r.message()).set("ResourceType", type).set("ResourceName", name));
        }
        return CompletableFuture.completedFuture(response);
    }
}
