package io.fjord.protocol.types;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Regression tests for the codec core found while describing the APIs. */
class CodecCoreTest {

    @Test
    void negativeTaggedFieldSizeIsAProtocolErrorNotARewind() {
        Schema schema = Schema.of(Field.of("A", Type.INT32, "0+"));
        // A=7, one tagged field: tag 5, size varint 0xFFFFFFFF (-1 as an int)
        ByteBuffer buf = ByteBuffer.wrap(new byte[] {0, 0, 0, 7, 1, 5, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f});
        assertThatThrownBy(() -> schema.read(new ProtocolReader(buf), (short) 0, true)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void negativeLengthsAreRejectedByTheReader() {
        ProtocolReader r = new ProtocolReader(ByteBuffer.allocate(8));
        assertThatThrownBy(() -> r.skip(-1)).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> r.readBytes(-2)).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> r.readSlice(-3)).isInstanceOf(ProtocolException.class);
        assertThat(r.remaining()).isEqualTo(8);
    }

    @Test
    void defaultsToWidensPlainInts() {
        Field f = Field.of("X", Type.INT64, "0+").defaultsTo(-1);
        Field g = Field.of("Y", Type.INT16, "0+").defaultsTo(-1);
        Field h = Field.of("Z", Type.INT8, "0+").defaultsTo(1);
        assertThat(f.defaultValue()).isEqualTo(-1L);
        assertThat(g.defaultValue()).isEqualTo((short) -1);
        assertThat(h.defaultValue()).isEqualTo((byte) 1);
        Schema s = Schema.of(f, g, h);
        ByteBufferWriter w = new ByteBufferWriter(16);
        s.write(w, new Struct(s), (short) 0, false);
        assertThat(w.toByteBuffer().remaining()).isEqualTo(11);
    }
}
