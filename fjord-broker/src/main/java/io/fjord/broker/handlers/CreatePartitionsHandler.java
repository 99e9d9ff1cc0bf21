package io.fjord.broker.handlers;

import io.fjord.broker.ConfigAdmin;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** CreatePartitions (v0-3): raises partition counts; a topic named twice fails with INVALID_REQUEST. */
public final class CreatePartitionsHandler implements ApiHandler {
    private final ConfigAdmin configs;

    public CreatePartitionsHandler(ConfigAdmin configs) {
        this.configs = configs;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        boolean validateOnly = request.getBool("ValidateOnly");
        Set<String> seen = new HashSet<>();
        Set<String> duplicated = new HashSet<>();
        for (Struct t : request.getStructs("Topics")) if (!seen.add(t.getString("Name"))) duplicated.add(t.getString("Name"));
        for (Struct t : request.getStructs("Topics")) {
            String name = t.getString("Name");
            ConfigAdmin.Result r;
            if (duplicated.contains(name)) {
                r = new ConfigAdmin.Result(Errors.INVALID_REQUEST, "Duplicate topic in request.");
            } else if (!ctx.authorized(io.fjord.broker.security.acl.AclOperation.ALTER, io.fjord.broker.security.acl.AclResourceType.TOPIC, name)) { // ACLs: TOPIC Alter
                r = new ConfigAdmin.Result(Errors.TOPIC_AUTHORIZATION_FAILED, "Authorization failed.");
            } else {
                List<List<Integer>> assignments = null;
                if (t.get("Assignments") != null) {
                    assignments = new ArrayList<>();
                    for (Struct a : t.getStructs("Assignments")) assignments.add(a.getList("BrokerIds"));
                }
                r = configs.createPartitions(name, t.getInt("Count"), assignments, validateOnly);
            }
            response.add("Results", response.child("Results").set("Name", name).set("ErrorCode", r.error().code())
                    .set("ErrorMessage", r.message()));
        }
        return CompletableFuture.completedFuture(response);
    }
}
