package io.fjord.broker.security.acl;

import io.fjord.broker.security.KafkaPrincipal;

/**
 * Decides whether a principal connected from a host may perform an operation on a resource. Handlers consult the
 * one authorizer of the broker through {@code RequestContext}. Implementations are safe for concurrent callers.
 */
public interface Authorizer {
    /** No {@code authorizer.class.name}: everything is allowed, and the ACL APIs answer SECURITY_DISABLED. */
    Authorizer ALLOW_ALL = new Authorizer() {
        @Override
        public boolean isEnabled() {
            return false;
        }

        @Override
        public boolean authorize(KafkaPrincipal principal, String host, AclOperation operation, AclResourceType type, String name) {
            return true;
        }
    };

    /** Whether ACLs are enforced (an authorizer was configured). */
    boolean isEnabled();

    boolean authorize(KafkaPrincipal principal, String host, AclOperation operation, AclResourceType type, String name);

    /**
     * Whether the principal may perform {@code operation} on at least one resource of the type (Kafka's
     * authorizeByResourceType, KIP-679: an idempotent producer needs CLUSTER IdempotentWrite or Write on some topic).
     */
    default boolean authorizeByResourceType(KafkaPrincipal principal, String host, AclOperation operation, AclResourceType type) {
        return true;
    }
}
