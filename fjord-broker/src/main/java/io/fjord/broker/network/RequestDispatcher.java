package io.fjord.broker.network;

import java.util.HashMap;
import java.util.Map;

/** The handler for each API key. Built once at start-up; read-only afterwards. */
public final class RequestDispatcher {
    private final Map<Short, ApiHandler> handlers = new HashMap<>();
    private volatile java.util.Set<Short> inline = java.util.Set.of();
    private volatile io.fjord.broker.security.acl.Authorizer authorizer = io.fjord.broker.security.acl.Authorizer.ALLOW_ALL;

    /** The authorizer every request's context carries; set before serving starts. */
    public RequestDispatcher setAuthorizer(io.fjord.broker.security.acl.Authorizer authorizer) {
        this.authorizer = authorizer;
        return this;
    }

    public io.fjord.broker.security.acl.Authorizer authorizer() {
        return authorizer;
    }

    public RequestDispatcher register(short apiKey, ApiHandler handler) {
        handlers.put(apiKey, handler);
        return this;
    }

    /**
     * The APIs whose handlers run on the connection's event loop instead of the request pool
     * ({@code fjord.network.inline.apis}); set before serving starts.
     */
    public RequestDispatcher runInline(java.util.Set<Short> apiKeys) {
        this.inline = java.util.Set.copyOf(apiKeys);
        return this;
    }

    public boolean runsInline(short apiKey) {
        return inline.contains(apiKey);
    }

    public ApiHandler handler(short apiKey) {
        return handlers.get(apiKey);
    }
}
