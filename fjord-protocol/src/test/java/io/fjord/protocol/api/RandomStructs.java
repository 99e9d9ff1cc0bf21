package io.fjord.protocol.api;

import io.fjord.protocol.types.Field;
import io.fjord.protocol.types.MemoryRecords;
import io.fjord.protocol.types.Schema;
import io.fjord.protocol.types.Struct;
import io.fjord.protocol.types.Type;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Random values for any schema and version, for differential tests: only fields present in that version are set,
 * null appears only where the version allows it, tagged fields are sometimes left at their default, arrays hold
 * 0-3 elements, and every value has the Java type the codec uses for its wire type.
 */
final class RandomStructs {
    private static final String[] PIECES = {"a", "b", "Z", "0", "9", ".", "_", "-", " ", "topic", "é", "ß", "€", "日本",
        "\uD83D\uDE00"};

    private RandomStructs() {
    }

    static Struct random(Schema schema, short version, boolean flexible, Random rnd) {
        Struct s = new Struct(schema);
        for (Field f : schema.fields()) {
            if (!f.versions().contains(version)) continue;
            boolean tagged = flexible && f.isTagged() && f.taggedVersions().contains(version);
            if (tagged && rnd.nextInt(3) == 0) continue;
            if (!tagged && rnd.nextInt(10) == 0) continue; // keep the default now and then
            if (f.isNullable(version) && rnd.nextInt(5) == 0) {
                s.set(f.name(), null);
                continue;
            }
            s.set(f.name(), value(f.type(), version, flexible, rnd));
        }
        return s;
    }

    static Object value(Type type, short version, boolean flexible, Random rnd) {
        if (type instanceof Type.ArrayOf a) {
            int n = rnd.nextInt(4);
            List<Object> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) list.add(value(a.element(), version, flexible, rnd));
            return list;
        }
        if (type instanceof Type.StructOf so) return random(so.schema(), version, flexible, rnd);
        Type.Primitive p = (Type.Primitive) type;
        return switch (p.name()) {
            case "bool" -> rnd.nextBoolean();
            case "int8" -> (byte) rnd.nextInt();
            case "int16" -> (short) smallOrAny(rnd);
            case "uint16" -> rnd.nextInt(0x10000);
            case "int32" -> smallOrAny(rnd);
            case "uint32" -> rnd.nextLong() & 0xffffffffL;
            case "int64" -> rnd.nextBoolean() ? (long) smallOrAny(rnd) : rnd.nextLong();
            case "float64" -> rnd.nextDouble() * 1e6 - 5e5;
            case "uuid" -> new UUID(rnd.nextLong(), rnd.nextLong());
            case "string" -> string(rnd);
            case "bytes" -> bytes(rnd);
            case "records" -> MemoryRecords.wrap(ByteBuffer.wrap(bytes(rnd)));
            default -> throw new IllegalStateException(p.name());
        };
    }

    private static int smallOrAny(Random rnd) {
        return switch (rnd.nextInt(3)) {
            case 0 -> rnd.nextInt(5) - 2;
            case 1 -> rnd.nextInt(1000);
            default -> rnd.nextInt();
        };
    }

    private static String string(Random rnd) {
        int n = rnd.nextInt(6);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(PIECES[rnd.nextInt(PIECES.length)]);
        return sb.toString();
    }

    private static byte[] bytes(Random rnd) {
        byte[] b = new byte[rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(80)];
        rnd.nextBytes(b);
        return b;
    }
}
