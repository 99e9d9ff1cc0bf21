package io.fjord.broker.quota;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.protocol.api.AlterClientQuotasApi;
import io.fjord.protocol.api.DescribeClientQuotasApi;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeClientQuotas (48) and AlterClientQuotas (49), with Kafka's entity types {@code user} and
 * {@code client-id} (a null name is the {@code <default>} entity) and Kafka's checks: an unknown entity type or quota
 * key, a type named twice or a value that is not positive is INVALID_REQUEST for that entity; an entity's operations
 * apply all or none; ValidateOnly checks without applying. Alter writes {@code ClientQuotaChanged} records (Kafka's
 * ClientQuotaRecord: entity, key, value or removal) through the controller, one batch for the request, so every
 * node's {@link ClientQuotaManager} enforces them from its image and a restart keeps them; Describe answers from this
 * node's image. As in Kafka, Describe needs CLUSTER DescribeConfigs and Alter CLUSTER AlterConfigs
 * (CLUSTER_AUTHORIZATION_FAILED).
 */
public final class ClientQuotasHandlers {
    public static final String USER = "user";
    public static final String CLIENT_ID = "client-id";

    private ClientQuotasHandlers() {
    }

    public static ApiHandler alter(io.fjord.metadata.Controller controller) {
        return (rc, req) -> {
            Struct resp = AlterClientQuotasApi.SPEC.newResponse();
            List<Struct> results = new ArrayList<>();
            boolean allowed = rc.authorized(AclOperation.ALTER_CONFIGS, AclResourceType.CLUSTER, AclResourceType.CLUSTER_NAME);
            boolean validateOnly = req.getBool("ValidateOnly");
            List<io.fjord.metadata.MetadataRecord.ClientQuotaChanged> changes = new ArrayList<>();
            List<Struct> applied = new ArrayList<>();
            for (Struct entry : req.getStructs("Entries")) {
                Struct result = resp.child("Entries");
                List<Struct> echoed = new ArrayList<>();
                for (Struct e : entry.getStructs("Entity")) {
                    echoed.add(result.child("Entity").set("EntityType", e.getString("EntityType")).set("EntityName", e.getString("EntityName")));
                }
                result.set("Entity", echoed);
                if (!allowed) {
                    results.add(result.set("ErrorCode", Errors.CLUSTER_AUTHORIZATION_FAILED.code()).set("ErrorMessage", "Cluster authorization failed."));
                    continue;
                }
                try {
                    ClientQuotaEntity entity = entity(entry.getStructs("Entity"));
                    List<Object[]> ops = new ArrayList<>();
                    for (Struct op : entry.getStructs("Ops")) {
                        String key = op.getString("Key");
                        if (!ClientQuotaManager.KEYS.contains(key)) throw new IllegalArgumentException("Invalid configuration key " + key);
                        Double value = op.getBool("Remove") ? null : (Double) op.get("Value");
                        if (value != null && !(value > 0)) throw new IllegalArgumentException("Illegal value " + value + " for " + key);
                        ops.add(new Object[] {key, value});
                    }
                    io.fjord.metadata.QuotaEntity to = new io.fjord.metadata.QuotaEntity(entity.user(), entity.clientId());
                    for (Object[] op : ops) changes.add(new io.fjord.metadata.MetadataRecord.ClientQuotaChanged(to, (String) op[0], (Double) op[1]));
                    result.set("ErrorCode", Errors.NONE.code()).set("ErrorMessage", null);
                    applied.add(result);
                } catch (IllegalArgumentException e) {
                    result.set("ErrorCode", Errors.INVALID_REQUEST.code()).set("ErrorMessage", e.getMessage());
                }
                results.add(result);
            }
            if (!validateOnly && !changes.isEmpty()) {
                try {
                    controller.alterClientQuotas(changes);
                } catch (java.io.IOException | RuntimeException e) {
                    for (Struct r : applied) r.set("ErrorCode", Errors.UNKNOWN_SERVER_ERROR.code()).set("ErrorMessage", "not committed: " + e.getMessage());
                }
            }
            resp.set("Entries", results);
            return CompletableFuture.completedFuture(resp);
        };
    }

    public static ApiHandler describe(ClientQuotaManager quotas) {
        return (rc, req) -> {
            Struct resp = DescribeClientQuotasApi.SPEC.newResponse();
            if (!rc.authorized(AclOperation.DESCRIBE_CONFIGS, AclResourceType.CLUSTER, AclResourceType.CLUSTER_NAME)) {
                resp.set("ErrorCode", Errors.CLUSTER_AUTHORIZATION_FAILED.code()).set("ErrorMessage", "Cluster authorization failed.").set("Entries", null);
                return CompletableFuture.completedFuture(resp);
            }
            List<Struct> components = req.getStructs("Components");
            Set<String> types = new HashSet<>();
            for (Struct c : components) {
                String t = c.getString("EntityType");
                if (!t.equals(USER) && !t.equals(CLIENT_ID) || !types.add(t)) {
                    resp.set("ErrorCode", Errors.INVALID_REQUEST.code()).set("ErrorMessage",
                            "Unsupported or repeated entity type " + t).set("Entries", null);
                    return CompletableFuture.completedFuture(resp);
                }
            }
            List<Struct> entries = new ArrayList<>();
            for (Map.Entry<ClientQuotaEntity, Map<String, Double>> q : quotas.describe().entrySet()) {
                ClientQuotaEntity entity = q.getKey();
                if (!matches(entity, components, req.getBool("Strict"))) continue;
                Struct entry = resp.child("Entries");
                List<Struct> parts = new ArrayList<>();
                if (entity.user() != null) parts.add(part(entry, USER, entity.user()));
                if (entity.clientId() != null) parts.add(part(entry, CLIENT_ID, entity.clientId()));
                List<Struct> values = new ArrayList<>();
                q.getValue().forEach((k, v) -> values.add(entry.child("Values").set("Key", k).set("Value", v)));
                entries.add(entry.set("Entity", parts).set("Values", values));
            }
            resp.set("ErrorCode", Errors.NONE.code()).set("ErrorMessage", null).set("Entries", entries);
            return CompletableFuture.completedFuture(resp);
        };
    }

    private static Struct part(Struct entry, String type, String name) {
        return entry.child("Entity").set("EntityType", type)
                .set("EntityName", ClientQuotaEntity.DEFAULT.equals(name) ? null : name);
    }

    private static boolean matches(ClientQuotaEntity entity, List<Struct> components, boolean strict) {
        Set<String> named = new HashSet<>();
        for (Struct c : components) {
            String type = c.getString("EntityType");
            named.add(type);
            String part = type.equals(USER) ? entity.user() : entity.clientId();
            byte match = c.getByte("MatchType");
            boolean ok = switch (match) {
                case DescribeClientQuotasApi.MATCH_EXACT -> part != null && part.equals(c.getString("Match"));
                case DescribeClientQuotasApi.MATCH_DEFAULT -> ClientQuotaEntity.DEFAULT.equals(part);
                case DescribeClientQuotasApi.MATCH_SPECIFIED -> part != null;
                default -> false;
            };
            if (!ok) return false;
        }
        if (strict) {
            if (entity.user() != null && !named.contains(USER)) return false;
            if (entity.clientId() != null && !named.contains(CLIENT_ID)) return false;
        }
        return true;
    }

    private static ClientQuotaEntity entity(List<Struct> parts) {
        String user = null;
        String clientId = null;
        for (Struct p : parts) {
            String type = p.getString("EntityType");
            String name = p.getString("EntityName") == null ? ClientQuotaEntity.DEFAULT : p.getString("EntityName");
            if (type.equals(USER) && user == null) user = name;
            else if (type.equals(CLIENT_ID) && clientId == null) clientId = name;
            else throw new IllegalArgumentException("Unsupported or repeated entity type " + type);
        }
        if (user == null && clientId == null) throw new IllegalArgumentException("An entity names a user, a client id or both");
        return new ClientQuotaEntity(user, clientId);
    }
}
