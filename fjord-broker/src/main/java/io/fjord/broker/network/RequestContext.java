package io.fjord.broker.network;

import io.fjord.broker.security.KafkaPrincipal;
import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.api.RequestHeader;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.broker.security.acl.Authorizer;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * What a handler knows about the request besides its body: header, API, version, who sent it (address and the
 * authenticated principal: {@code User:ANONYMOUS} on a PLAINTEXT listener), the listener it came in on and the
 * broker's authorizer, which handlers ask through {@link #authorized}.
 */
public record RequestContext(RequestHeader header, ApiSpec spec, SocketAddress clientAddress, String listenerName,
                             KafkaPrincipal principal, Authorizer authorizer) {
    public RequestContext(RequestHeader header, ApiSpec spec, SocketAddress clientAddress, String listenerName,
                          KafkaPrincipal principal) {
        this(header, spec, clientAddress, listenerName, principal, Authorizer.ALLOW_ALL);
    }

    public RequestContext(RequestHeader header, ApiSpec spec, SocketAddress clientAddress, String listenerName) {
        this(header, spec, clientAddress, listenerName, KafkaPrincipal.ANONYMOUS);
    }

    /** Whether the sender may perform {@code operation} on the resource (always, when no authorizer is configured). */
    public boolean authorized(AclOperation operation, AclResourceType type, String name) {
        return authorizer.authorize(principal, clientHost(), operation, type, name);
    }

    /** Whether the sender may perform {@code operation} on some resource of the type (Kafka's authorizeByResourceType). */
    public boolean authorizedOnSome(AclOperation operation, AclResourceType type) {
        return authorizer.authorizeByResourceType(principal, clientHost(), operation, type);
    }

    /** The sender's address as ACL hosts name it (an IP address), or empty if unknown. */
    public String clientHost() {
        if (clientAddress instanceof InetSocketAddress a && a.getAddress() != null) return a.getAddress().getHostAddress();
        return "";
    }

    public short version() {
        return header.apiVersion();
    }
}
