package io.fjord.protocol.api;

import io.fjord.protocol.types.ByteBufferWriter;
import io.fjord.protocol.types.ProtocolReader;
import io.fjord.protocol.types.ProtocolWriter;
import io.fjord.protocol.types.SizeCounter;
import io.fjord.protocol.types.Struct;
import java.nio.ByteBuffer;

/**
 * Whole request and response frames: int32 size, header, body. The broker frames on the socket itself; these
 * helpers serve clients and tests that work with plain buffers.
 */
public final class Frames {
    private Frames() {
    }

    /** Header + body of a request, without the size prefix. */
    public static ByteBuffer encodeRequest(ApiSpec spec, short version, int correlationId, String clientId, Struct body) {
        boolean flex = spec.isFlexible(version);
        ByteBufferWriter w = new ByteBufferWriter(256);
        new RequestHeader(spec.key(), version, correlationId, clientId).write(w, flex);
        spec.request().write(w, body, version, flex);
        return w.toByteBuffer();
    }

    /** Header + body of a response, without the size prefix. */
    public static ByteBuffer encodeResponse(ApiSpec spec, short version, int correlationId, Struct body) {
        ByteBufferWriter w = new ByteBufferWriter(256);
        writeResponse(w, spec, version, correlationId, body);
        return w.toByteBuffer();
    }

    public static void writeResponse(ProtocolWriter w, ApiSpec spec, short version, int correlationId, Struct body) {
        new ResponseHeader(correlationId).write(w, spec.responseHeaderVersion(version));
        spec.response().write(w, body, version, spec.isFlexible(version));
    }

    public static int responseSize(ApiSpec spec, short version, int correlationId, Struct body) {
        SizeCounter c = new SizeCounter();
        writeResponse(c, spec, version, correlationId, body);
        return c.size();
    }

    /** Reads a response body (header already consumed by the caller or included: set {@code withHeader}). */
    public static Struct decodeResponse(ApiSpec spec, short version, ByteBuffer buf, boolean withHeader) {
        ProtocolReader r = new ProtocolReader(buf);
        if (withHeader) ResponseHeader.read(r, spec.responseHeaderVersion(version));
        return spec.response().read(r, version, spec.isFlexible(version));
    }
}
