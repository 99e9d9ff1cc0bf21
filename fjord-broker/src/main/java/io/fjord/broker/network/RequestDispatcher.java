package io.fjord.broker.network;

import java.util.HashMap;
import java.util.Map;

/** The handler for each API key. Built once at start-up; read-only afterwards. */
public final class RequestDispatcher {
    private final Map<Short, ApiHandler> handlers = new HashMap<>();

    public RequestDispatcher register(short apiKey, ApiHandler handler) {
        handlers.put(apiKey, handler);
        return this;
    }

    public ApiHandler handler(short apiKey) {
        return handlers.get(apiKey);
    }
}
