package io.fjord.broker.network;

import io.fjord.broker.security.KafkaPrincipal;
import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.api.RequestHeader;
import java.net.SocketAddress;

/**
 * What a handler knows about the request besides its body: header, API, version, who sent it (address and the
 * authenticated principal: {@code User:ANONYMOUS} on a PLAINTEXT listener) and the listener it came in on.
 */
public record RequestContext(RequestHeader header, ApiSpec spec, SocketAddress clientAddress, String listenerName,
                             KafkaPrincipal principal) {
    public RequestContext(RequestHeader header, ApiSpec spec, SocketAddress clientAddress, String listenerName) {
        this(header, spec, clientAddress, listenerName, KafkaPrincipal.ANONYMOUS);
    }

    public short version() {
        return header.apiVersion();
    }
}
