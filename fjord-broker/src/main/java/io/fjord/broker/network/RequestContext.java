package io.fjord.broker.network;

import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.api.RequestHeader;
import java.net.SocketAddress;

/** What a handler knows about the request besides its body: header, API, version and who sent it. */
public record RequestContext(RequestHeader header, ApiSpec spec, SocketAddress clientAddress, String listenerName) {
    public short version() {
        return header.apiVersion();
    }
}
