package io.fjord.broker.security.acl;

import io.fjord.broker.config.BrokerConfig;
import io.fjord.broker.config.ConfigException;
import io.fjord.broker.security.KafkaPrincipal;
import io.fjord.metadata.MetadataRecord;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Fjord's authorizer with the semantics of Kafka's {@code StandardAuthorizer}, over the ACL bindings of the
 * metadata image (so every broker decides from the same replicated bindings, and they survive restarts).
 * Order of the decision: a super user ({@code super.users}, {@code User:a;User:b}) is allowed everything; then
 * the bindings whose pattern matches the resource (LITERAL equal name, LITERAL {@code *}, or PREFIXED with a prefix
 * of the name) and whose principal ({@code User:*} for anyone) and host ({@code *} for any) match are considered:
 * a matching DENY wins; else a matching ALLOW (directly or by implication, see {@link AclOperation#allowed()})
 * allows; else denied. When no binding at all names the resource, {@code allow.everyone.if.no.acl.found} decides.
 * Each check scans the bindings of the current image; safe for concurrent callers (the image is immutable).
 */
public final class AclAuthorizer implements Authorizer {
    /** What a Kafka 4 server config names; setting it turns this authorizer on. */
    public static final String KAFKA_STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

    private final Supplier<Collection<MetadataRecord.AclCreated>> bindings;
    private final Set<String> superUsers;
    private final boolean allowIfNoAcl;

    public AclAuthorizer(Supplier<Collection<MetadataRecord.AclCreated>> bindings, Set<String> superUsers, boolean allowIfNoAcl) {
        this.bindings = bindings;
        this.superUsers = Set.copyOf(superUsers);
        this.allowIfNoAcl = allowIfNoAcl;
    }

    /**
     * The authorizer {@code authorizer.class.name} asks for: none when empty, this one for Kafka's StandardAuthorizer;
     * any other class is refused by name (Fjord cannot load Kafka plugins, and silently serving without ACLs
     * would be worse).
     */
    public static Authorizer fromConfig(BrokerConfig config, Supplier<Collection<MetadataRecord.AclCreated>> bindings) {
        String name = checkClassName(config.get("authorizer.class.name"));
        if (name.isEmpty()) return ALLOW_ALL;
        return new AclAuthorizer(bindings, parseSuperUsers(config.get("super.users")),
                config.getBoolean("allow.everyone.if.no.acl.found"));
    }

    /** The trimmed class name if Fjord can honour it (empty or Kafka's StandardAuthorizer); else ConfigException. */
    public static String checkClassName(String value) {
        String name = value == null ? "" : value.trim();
        if (!name.isEmpty() && !name.equals(KAFKA_STANDARD_AUTHORIZER)) {
            throw new ConfigException("authorizer.class.name=" + name + " is not supported: Fjord's authorizer is turned on with "
                    + KAFKA_STANDARD_AUTHORIZER + " (or leave it empty for no authorization)");
        }
        return name;
    }

    /** {@code super.users}: principals separated by semicolons; ConfigException for an entry without a type. */
    public static Set<String> parseSuperUsers(String value) {
        Set<String> out = new LinkedHashSet<>();
        if (value == null) return out;
        for (String s : value.split(";")) {
            if (s.isBlank()) continue;
            String p = s.trim();
            if (p.indexOf(':') < 1) throw new ConfigException("super.users entry '" + p + "' is not a principal such as User:alice");
            out.add(p);
        }
        return out;
    }

    @Override
    public boolean isEnabled() {
        return true;
    }

    @Override
    public boolean authorize(KafkaPrincipal principal, String host, AclOperation operation, AclResourceType type, String name) {
        String who = principal.toString();
        if (superUsers.contains(who)) return true;
        boolean anyForResource = false;
        boolean allowed = false;
        for (MetadataRecord.AclCreated b : bindings.get()) {
            if (b.resourceType() != type.code() || !patternMatches(b, name)) continue;
            anyForResource = true;
            if (!principalMatches(b.principal(), principal) || !hostMatches(b.host(), host)) continue;
            AclOperation op = AclOperation.fromCode(b.operation());
            AclPermission permission = AclPermission.fromCode(b.permission());
            if (permission == AclPermission.DENY && op.denies(operation)) return false;
            if (permission == AclPermission.ALLOW && op.allowed().contains(operation)) allowed = true;
        }
        return anyForResource ? allowed : allowIfNoAcl;
    }

    /**
     * Kafka's rule: some ALLOW binding of the type for this principal and host grants the operation and no DENY
     * covers all it names (a DENY on the literal {@code *} denies every resource; a literal name is covered by a DENY
     * on the same name or a prefix of it; a prefix by a DENY prefix of that prefix). With no binding of the type at
     * all, {@code allow.everyone.if.no.acl.found} decides.
     */
    @Override
    public boolean authorizeByResourceType(KafkaPrincipal principal, String host, AclOperation operation, AclResourceType type) {
        if (superUsers.contains(principal.toString())) return true;
        java.util.List<MetadataRecord.AclCreated> allows = new java.util.ArrayList<>();
        java.util.List<MetadataRecord.AclCreated> denies = new java.util.ArrayList<>();
        boolean anyOfType = false;
        for (MetadataRecord.AclCreated b : bindings.get()) {
            if (b.resourceType() != type.code()) continue;
            anyOfType = true;
            if (!principalMatches(b.principal(), principal) || !hostMatches(b.host(), host)) continue;
            AclOperation op = AclOperation.fromCode(b.operation());
            AclPermission permission = AclPermission.fromCode(b.permission());
            if (permission == AclPermission.DENY && op.denies(operation)) denies.add(b);
            if (permission == AclPermission.ALLOW && op.allowed().contains(operation)) allows.add(b);
        }
        if (!anyOfType) return allowIfNoAcl;
        for (MetadataRecord.AclCreated d : denies) {
            if (AclPatternType.fromCode(d.patternType()) == AclPatternType.LITERAL && d.resourceName().equals("*")) return false;
        }
        for (MetadataRecord.AclCreated a : allows) {
            if (!coveredByDeny(a, denies)) return true;
        }
        return false;
    }

    private static boolean coveredByDeny(MetadataRecord.AclCreated allow, java.util.List<MetadataRecord.AclCreated> denies) {
        boolean literal = AclPatternType.fromCode(allow.patternType()) == AclPatternType.LITERAL;
        for (MetadataRecord.AclCreated d : denies) {
            boolean denyPrefixed = AclPatternType.fromCode(d.patternType()) == AclPatternType.PREFIXED;
            if (denyPrefixed && allow.resourceName().startsWith(d.resourceName())) return true;
            if (!denyPrefixed && literal && d.resourceName().equals(allow.resourceName())) return true;
        }
        return false;
    }

    static boolean patternMatches(MetadataRecord.AclCreated b, String name) {
        AclPatternType pattern = AclPatternType.fromCode(b.patternType());
        if (pattern == AclPatternType.LITERAL) return b.resourceName().equals("*") || b.resourceName().equals(name);
        if (pattern == AclPatternType.PREFIXED) return name.startsWith(b.resourceName());
        return false;
    }

    private static boolean principalMatches(String bound, KafkaPrincipal principal) {
        if (bound.equals(principal.toString())) return true;
        return bound.equals(principal.type() + ":*");
    }

    private static boolean hostMatches(String bound, String host) {
        return bound.equals("*") || bound.equals(host);
    }
}
