package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BYTES;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.ByteBufferWriter;
import io.fjord.protocol.types.ProtocolException;
import io.fjord.protocol.types.ProtocolReader;
import io.fjord.protocol.types.Schema;
import io.fjord.protocol.types.Struct;
import java.nio.ByteBuffer;

/**
 * The embedded formats of the "consumer" protocol type, carried as opaque bytes inside classic group APIs: a
 * {@link #SUBSCRIPTION} is a member's JoinGroup protocol metadata, an {@link #ASSIGNMENT} what SyncGroup hands each
 * member. Not APIs: each blob is a leading int16 version followed by the body, versions 0-3, never flexible.
 */
public final class ConsumerProtocol {
    public static final short LOWEST_VERSION = 0;
    public static final short HIGHEST_VERSION = 3;

    public static final Schema SUBSCRIPTION = Schema.of(
            of("Topics", array(STRING), "0+"),
            of("UserData", BYTES, "0+").nullable("0+").defaultsTo(null),
            structs("OwnedPartitions", "1+",
                    of("Topic", STRING, "1+"),
                    of("Partitions", array(INT32), "1+")),
            of("GenerationId", INT32, "2+").defaultsTo(-1),
            of("RackId", STRING, "3+").nullable("3+").defaultsTo(null));

    public static final Schema ASSIGNMENT = Schema.of(
            structs("AssignedPartitions", "0+",
                    of("Topic", STRING, "0+"),
                    of("Partitions", array(INT32), "0+")),
            of("UserData", BYTES, "0+").nullable("0+").defaultsTo(null));

    /** A decoded blob: the version it was read as, and its body. */
    public record Versioned(short version, Struct value) {
    }

    private ConsumerProtocol() {
    }

    /** The blob for {@code value} ({@link #SUBSCRIPTION} or {@link #ASSIGNMENT}) at {@code version}. */
    public static byte[] serialize(Struct value, short version) {
        if (version < LOWEST_VERSION || version > HIGHEST_VERSION) throw new ProtocolException("unsupported consumer protocol version " + version);
        ByteBufferWriter w = new ByteBufferWriter(64);
        w.writeShort(version);
        value.schema().write(w, value, version, false);
        ByteBuffer b = w.toByteBuffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /**
     * Reads a blob of {@code schema}. As Kafka's consumers do, a version newer than ours is read as our highest
     * (later versions only append fields) and bytes after the body are ignored.
     */
    public static Versioned deserialize(Schema schema, ByteBuffer blob) {
        ProtocolReader in = new ProtocolReader(blob.duplicate());
        short version = in.readShort();
        if (version < LOWEST_VERSION) throw new ProtocolException("unsupported consumer protocol version " + version);
        short v = (short) Math.min(version, HIGHEST_VERSION);
        return new Versioned(v, schema.read(in, v, false));
    }
}
