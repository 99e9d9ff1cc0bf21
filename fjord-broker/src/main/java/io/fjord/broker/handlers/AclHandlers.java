package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclPatternType;
import io.fjord.broker.security.acl.AclPermission;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.metadata.Controller;
import io.fjord.metadata.MetadataRecord;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeAcls (29), CreateAcls (30) and DeleteAcls (31), what {@code kafka-acls.sh} and Admin's ACL calls send.
 * Bindings live in the metadata log ({@code AclCreated}/{@code AclDeleted}). As in Kafka: without an authorizer
 * every answer is SECURITY_DISABLED; describing needs CLUSTER Describe, creating and deleting CLUSTER Alter
 * (CLUSTER_AUTHORIZATION_FAILED); a binding with an UNKNOWN/ANY type, operation or permission, a MATCH/ANY pattern
 * type, a principal without a type, or a cluster resource not named {@code kafka-cluster} is INVALID_REQUEST.
 */
public final class AclHandlers {
    private AclHandlers() {
    }

    public static ApiHandler describe(Controller controller) {
        return (ctx, request) -> CompletableFuture.completedFuture(describe(ctx, request, controller));
    }

    public static ApiHandler create(Controller controller) {
        return (ctx, request) -> CompletableFuture.completedFuture(create(ctx, request, controller));
    }

    public static ApiHandler delete(Controller controller) {
        return (ctx, request) -> CompletableFuture.completedFuture(delete(ctx, request, controller));
    }

    /** An ACL filter as the requests carry it: nulls and ANY match everything. */
    record Filter(int resourceType, String resourceName, int patternType, String principal, String host, int operation,
                  int permission) {
        static Filter of(Struct s) {
            return new Filter(s.getByte("ResourceTypeFilter"), s.getString("ResourceNameFilter"), s.getByte("PatternTypeFilter"),
                    s.getString("PrincipalFilter"), s.getString("HostFilter"), s.getByte("Operation"), s.getByte("PermissionType"));
        }

        boolean matches(MetadataRecord.AclCreated b) {
            if (resourceType != AclResourceType.ANY.code() && resourceType != b.resourceType()) return false;
            if (!patternMatches(b)) return false;
            if (principal != null && !principal.equals(b.principal())) return false;
            if (host != null && !host.equals(b.host())) return false;
            if (operation != AclOperation.ANY.code() && operation != b.operation()) return false;
            return permission == AclPermission.ANY.code() || permission == b.permission();
        }

        private boolean patternMatches(MetadataRecord.AclCreated b) {
            if (patternType == AclPatternType.MATCH.code()) {
                // MATCH: the bindings that would apply to a resource of this name.
                if (resourceName == null) return true;
                if (b.patternType() == AclPatternType.LITERAL.code()) return b.resourceName().equals("*") || b.resourceName().equals(resourceName);
                return b.patternType() == AclPatternType.PREFIXED.code() && resourceName.startsWith(b.resourceName());
            }
            if (patternType != AclPatternType.ANY.code() && patternType != b.patternType()) return false;
            return resourceName == null || resourceName.equals(b.resourceName());
        }
    }

    static Struct describe(RequestContext ctx, Struct request, Controller controller) {
        Struct response = ctx.spec().newResponse().set("ThrottleTimeMs", 0);
        Errors refused = refusal(ctx, AclOperation.DESCRIBE);
        if (refused != null) return response.set("ErrorCode", refused.code()).set("ErrorMessage", message(refused));
        response.set("ErrorCode", Errors.NONE.code()).set("ErrorMessage", null);
        Filter filter = Filter.of(request);
        Map<List<Object>, List<MetadataRecord.AclCreated>> byResource = new LinkedHashMap<>();
        for (MetadataRecord.AclCreated b : sorted(controller.image().acls())) {
            if (!filter.matches(b)) continue;
            byResource.computeIfAbsent(List.of(b.resourceType(), b.resourceName(), b.patternType()), k -> new ArrayList<>()).add(b);
        }
        for (List<MetadataRecord.AclCreated> group : byResource.values()) {
            MetadataRecord.AclCreated first = group.get(0);
            Struct r = response.child("Resources").set("ResourceType", (byte) first.resourceType())
                    .set("ResourceName", first.resourceName()).set("PatternType", (byte) first.patternType());
            for (MetadataRecord.AclCreated b : group) {
                r.add("Acls", r.child("Acls").set("Principal", b.principal()).set("Host", b.host())
                        .set("Operation", (byte) b.operation()).set("PermissionType", (byte) b.permission()));
            }
            response.add("Resources", r);
        }
        return response;
    }

    static Struct create(RequestContext ctx, Struct request, Controller controller) {
        Struct response = ctx.spec().newResponse().set("ThrottleTimeMs", 0);
        Errors refused = refusal(ctx, AclOperation.ALTER);
        List<MetadataRecord> valid = new ArrayList<>();
        List<Struct> results = new ArrayList<>();
        for (Struct c : request.getStructs("Creations")) {
            Struct r = response.child("Results");
            String invalid = refused != null ? null : invalidBinding(c);
            if (refused != null) {
                r.set("ErrorCode", refused.code()).set("ErrorMessage", message(refused));
            } else if (invalid != null) {
                r.set("ErrorCode", Errors.INVALID_REQUEST.code()).set("ErrorMessage", invalid);
            } else {
                r.set("ErrorCode", Errors.NONE.code()).set("ErrorMessage", null);
                valid.add(new MetadataRecord.AclCreated(c.getByte("ResourceType"), c.getString("ResourceName"),
                        c.getByte("ResourcePatternType"), c.getString("Principal"), c.getString("Host"),
                        c.getByte("Operation"), c.getByte("PermissionType")));
            }
            results.add(r);
        }
        if (!valid.isEmpty()) {
            try {
                controller.alterAcls(valid);
            } catch (IOException | RuntimeException e) {
                for (Struct r : results) {
                    if (r.getShort("ErrorCode") == Errors.NONE.code()) {
                        r.set("ErrorCode", Errors.UNKNOWN_SERVER_ERROR.code()).set("ErrorMessage", "ACLs not stored: " + e.getMessage());
                    }
                }
            }
        }
        for (Struct r : results) response.add("Results", r);
        return response;
    }

    static Struct delete(RequestContext ctx, Struct request, Controller controller) {
        Struct response = ctx.spec().newResponse().set("ThrottleTimeMs", 0);
        Errors refused = refusal(ctx, AclOperation.ALTER);
        Set<MetadataRecord.AclCreated> existing = controller.image().acls();
        Set<MetadataRecord.AclCreated> removed = new LinkedHashSet<>();
        List<Struct> results = new ArrayList<>();
        for (Struct f : request.getStructs("Filters")) {
            Struct r = response.child("FilterResults");
            if (refused != null) {
                r.set("ErrorCode", refused.code()).set("ErrorMessage", message(refused));
            } else {
                r.set("ErrorCode", Errors.NONE.code()).set("ErrorMessage", null);
                Filter filter = Filter.of(f);
                for (MetadataRecord.AclCreated b : sorted(existing)) {
                    if (!filter.matches(b)) continue;
                    removed.add(b);
                    r.add("MatchingAcls", r.child("MatchingAcls").set("ErrorCode", Errors.NONE.code()).set("ErrorMessage", null)
                            .set("ResourceType", (byte) b.resourceType()).set("ResourceName", b.resourceName())
                            .set("PatternType", (byte) b.patternType()).set("Principal", b.principal()).set("Host", b.host())
                            .set("Operation", (byte) b.operation()).set("PermissionType", (byte) b.permission()));
                }
            }
            results.add(r);
        }
        if (!removed.isEmpty()) {
            List<MetadataRecord> changes = new ArrayList<>();
            for (MetadataRecord.AclCreated b : removed) changes.add(new MetadataRecord.AclDeleted(b));
            try {
                controller.alterAcls(changes);
            } catch (IOException | RuntimeException e) {
                for (Struct r : results) {
                    if (r.getShort("ErrorCode") == Errors.NONE.code()) {
                        r.set("ErrorCode", Errors.UNKNOWN_SERVER_ERROR.code()).set("ErrorMessage", "ACLs not deleted: " + e.getMessage());
                    }
                }
            }
        }
        for (Struct r : results) response.add("FilterResults", r);
        return response;
    }

    /** SECURITY_DISABLED without an authorizer, CLUSTER_AUTHORIZATION_FAILED without the operation on the cluster. */
    private static Errors refusal(RequestContext ctx, AclOperation needed) {
        if (!ctx.authorizer().isEnabled()) return Errors.SECURITY_DISABLED;
        if (!ctx.authorized(needed, AclResourceType.CLUSTER, AclResourceType.CLUSTER_NAME)) return Errors.CLUSTER_AUTHORIZATION_FAILED;
        return null;
    }

    private static String message(Errors e) {
        return e == Errors.SECURITY_DISABLED ? "No Authorizer is configured." : "Cluster authorization failed.";
    }

    private static String invalidBinding(Struct c) {
        AclResourceType type = AclResourceType.fromCode(c.getByte("ResourceType"));
        AclPatternType pattern = AclPatternType.fromCode(c.getByte("ResourcePatternType"));
        AclOperation op = AclOperation.fromCode(c.getByte("Operation"));
        AclPermission permission = AclPermission.fromCode(c.getByte("PermissionType"));
        String name = c.getString("ResourceName");
        String principal = c.getString("Principal");
        if (type == AclResourceType.UNKNOWN || type == AclResourceType.ANY) return "Invalid resource type " + c.getByte("ResourceType");
        if (pattern != AclPatternType.LITERAL && pattern != AclPatternType.PREFIXED) return "Invalid pattern type " + pattern;
        if (op == AclOperation.UNKNOWN || op == AclOperation.ANY) return "Invalid operation " + op;
        if (permission != AclPermission.ALLOW && permission != AclPermission.DENY) return "Invalid permission type " + permission;
        if (name == null || name.isEmpty()) return "Resource name must not be empty";
        if (type == AclResourceType.CLUSTER && !name.equals(AclResourceType.CLUSTER_NAME)) {
            return "The only valid name for the CLUSTER resource is " + AclResourceType.CLUSTER_NAME;
        }
        if (principal == null || principal.indexOf(':') < 1) return "Invalid principal " + principal;
        if (c.getString("Host") == null || c.getString("Host").isEmpty()) return "Invalid host";
        return null;
    }

    private static List<MetadataRecord.AclCreated> sorted(Set<MetadataRecord.AclCreated> acls) {
        List<MetadataRecord.AclCreated> out = new ArrayList<>(acls);
        out.sort(Comparator.comparingInt(MetadataRecord.AclCreated::resourceType).thenComparing(MetadataRecord.AclCreated::resourceName)
                .thenComparingInt(MetadataRecord.AclCreated::patternType).thenComparing(MetadataRecord.AclCreated::principal)
                .thenComparing(MetadataRecord.AclCreated::host).thenComparingInt(MetadataRecord.AclCreated::operation)
                .thenComparingInt(MetadataRecord.AclCreated::permission));
        return out;
    }
}
