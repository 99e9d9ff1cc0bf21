package io.fjord.protocol.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.protocol.types.ByteBufferWriter;
import io.fjord.protocol.types.Field;
import io.fjord.protocol.types.MemoryRecords;
import io.fjord.protocol.types.ProtocolReader;
import io.fjord.protocol.types.Schema;
import io.fjord.protocol.types.SizeCounter;
import io.fjord.protocol.types.Struct;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.internal.BaseRecords;

/** Encoding and decoding with both codecs, and a field-by-field comparison of our structs with Kafka's objects. */
final class Codec {
    private Codec() {
    }

    static byte[] ours(Schema schema, Struct s, short version, boolean flexible) {
        SizeCounter c = new SizeCounter();
        schema.write(c, s, version, flexible);
        ByteBufferWriter w = new ByteBufferWriter(c.size());
        schema.write(w, s, version, flexible);
        ByteBuffer b = w.toByteBuffer();
        assertThat(b.remaining()).as("SizeCounter agrees with the bytes written").isEqualTo(c.size());
        return toArray(b);
    }

    static Struct ours(Schema schema, byte[] bytes, short version, boolean flexible) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        Struct s = schema.read(new ProtocolReader(buf), version, flexible);
        assertThat(buf.remaining()).as("our decoder consumes the whole message").isZero();
        return s;
    }

    static byte[] theirs(Message m, short version) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = m.size(cache, version);
        ByteBuffer buf = ByteBuffer.allocate(size);
        m.write(new ByteBufferAccessor(buf), cache, version);
        assertThat(buf.position()).as("Kafka's size agrees with its bytes").isEqualTo(size);
        return buf.array();
    }

    static <M extends Message> M theirs(M empty, byte[] bytes, short version) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        empty.read(new ByteBufferAccessor(buf), version);
        assertThat(buf.remaining()).as("Kafka's decoder consumes the whole message").isZero();
        return empty;
    }

    static byte[] toArray(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    /**
     * Compares every field of {@code ours} (present in the version or not, so defaults are compared too) with the
     * accessor of the same name on Kafka's object; returns the differences as paths.
     */
    static List<String> differences(Struct ours, Object theirs) {
        List<String> out = new ArrayList<>();
        compareStruct("", ours, theirs, out);
        return out;
    }

    private static void compareStruct(String path, Struct ours, Object theirs, List<String> out) {
        for (Field f : ours.schema().fields()) {
            String p = path + "/" + f.name();
            Object theirValue;
            try {
                Method m = theirs.getClass().getMethod(Character.toLowerCase(f.name().charAt(0)) + f.name().substring(1));
                theirValue = m.invoke(theirs);
            } catch (ReflectiveOperationException e) {
                out.add(p + ": no accessor on " + theirs.getClass().getSimpleName());
                continue;
            }
            compareValue(p, ours.get(f.name()), theirValue, out);
        }
    }

    private static void compareValue(String p, Object a, Object b, List<String> out) {
        if (a == null || b == null) {
            if (a != b) out.add(p + ": " + a + " vs " + b);
            return;
        }
        if (a instanceof Struct s) {
            compareStruct(p, s, b, out);
        } else if (a instanceof List<?> la) {
            if (!(b instanceof Collection<?> cb) || la.size() != cb.size()) {
                out.add(p + ": " + a + " vs " + b);
                return;
            }
            int i = 0;
            for (Object e : cb) {
                compareValue(p + "[" + i + "]", la.get(i), e, out);
                i++;
            }
        } else if (a instanceof UUID u) {
            Uuid k = (Uuid) b;
            if (u.getMostSignificantBits() != k.getMostSignificantBits() || u.getLeastSignificantBits() != k.getLeastSignificantBits()) {
                out.add(p + ": " + u + " vs " + k);
            }
        } else if (a instanceof MemoryRecords r) {
            byte[] ours = toArray(r.buffer());
            byte[] theirs = toArray(((org.apache.kafka.common.record.internal.MemoryRecords) (BaseRecords) b).buffer());
            if (!java.util.Arrays.equals(ours, theirs)) out.add(p + ": records differ");
        } else if (a instanceof byte[] x) {
            byte[] y = b instanceof ByteBuffer bb ? toArray(bb) : (byte[]) b; // zero-copy fields hand out buffers
            if (!java.util.Arrays.equals(x, y)) out.add(p + ": bytes differ");
        } else if (!a.equals(b)) {
            out.add(p + ": " + a + " (" + a.getClass().getSimpleName() + ") vs " + b + " (" + b.getClass().getSimpleName() + ")");
        }
    }
}
