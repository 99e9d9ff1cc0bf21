package io.fjord.protocol.api;

import io.fjord.protocol.types.ProtocolReader;
import io.fjord.protocol.types.ProtocolWriter;

/** Response header v0 (correlationId) or v1 (correlationId + tagged fields). */
public record ResponseHeader(int correlationId) {

    public void write(ProtocolWriter out, short headerVersion) {
        out.writeInt(correlationId);
        if (headerVersion >= 1) out.writeUnsignedVarint(0);
    }

    public static ResponseHeader read(ProtocolReader in, short headerVersion) {
        int id = in.readInt();
        if (headerVersion >= 1) {
            int tags = in.readUnsignedVarint();
            for (int i = 0; i < tags; i++) {
                in.readUnsignedVarint();
                in.skip(in.readUnsignedVarint());
            }
        }
        return new ResponseHeader(id);
    }
}
