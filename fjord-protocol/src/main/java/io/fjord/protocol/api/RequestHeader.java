package io.fjord.protocol.api;

import io.fjord.protocol.types.ProtocolReader;
import io.fjord.protocol.types.ProtocolWriter;

/**
 * Request header v1 (apiKey, apiVersion, correlationId, clientId as a classic nullable string) or v2 (v1 plus
 * tagged fields). The version is chosen by the API description: v2 from the API's first flexible version on.
 */
public record RequestHeader(short apiKey, short apiVersion, int correlationId, String clientId) {

    /**
     * Reads the header from the start of a frame. For an API we do not know, only the fixed part is read.
     * An ApiVersions request newer than ours is still flexible, so its header is read as v2 (its body is not).
     */
    public static RequestHeader read(ProtocolReader in) {
        short key = in.readShort();
        short version = in.readShort();
        int correlationId = in.readInt();
        short len = in.readShort();
        String clientId = len < 0 ? null : in.readString(len);
        ApiSpec spec = Apis.byKey(key);
        if (spec != null && spec.isFlexible(version)) {
            int tags = in.readUnsignedVarint();
            for (int i = 0; i < tags; i++) {
                in.readUnsignedVarint();
                in.skip(in.readUnsignedVarint());
            }
        }
        return new RequestHeader(key, version, correlationId, clientId);
    }

    public void write(ProtocolWriter out, boolean flexible) {
        out.writeShort(apiKey);
        out.writeShort(apiVersion);
        out.writeInt(correlationId);
        if (clientId == null) {
            out.writeShort((short) -1);
        } else {
            byte[] b = clientId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.writeShort((short) b.length);
            out.writeBytes(b);
        }
        if (flexible) out.writeUnsignedVarint(0);
    }
}
