package io.fjord.protocol.types;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * A wire type of the Kafka protocol. The same logical type has two encodings: the classic one (int16/int32 length
 * prefixes) and the flexible one (unsigned varint length + 1, "compact"); {@code flexible} picks between them.
 * A length of -1 (classic) or 0 (compact) stands for null where the field is nullable.
 */
public abstract sealed class Type permits Type.Primitive, Type.ArrayOf, Type.StructOf {

    public abstract void write(ProtocolWriter out, Object value, short version, boolean flexible, boolean nullable);

    public abstract Object read(ProtocolReader in, short version, boolean flexible, boolean nullable);

    /** The value a field of this type has when the description gives no default. */
    public abstract Object defaultValue(boolean nullable);

    public static Type array(Type element) {
        return new ArrayOf(element);
    }

    public static Type struct(Schema schema) {
        return new StructOf(schema);
    }

    public static final Type BOOL = new Primitive("bool");
    public static final Type INT8 = new Primitive("int8");
    public static final Type INT16 = new Primitive("int16");
    public static final Type UINT16 = new Primitive("uint16");
    public static final Type INT32 = new Primitive("int32");
    public static final Type UINT32 = new Primitive("uint32");
    public static final Type INT64 = new Primitive("int64");
    public static final Type FLOAT64 = new Primitive("float64");
    public static final Type UUID_TYPE = new Primitive("uuid");
    public static final Type STRING = new Primitive("string");
    public static final Type BYTES = new Primitive("bytes");
    /** Record batches: like bytes, but handed over as {@link Records} so a file region can stand in for a copy. */
    public static final Type RECORDS = new Primitive("records");

    /** Scalars, strings, bytes and records. */
    public static final class Primitive extends Type {
        private final String name;

        private Primitive(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        @Override
        public void write(ProtocolWriter out, Object v, short version, boolean flexible, boolean nullable) {
            switch (name) {
                case "bool" -> out.writeByte(((Boolean) v) ? 1 : 0);
                case "int8" -> out.writeByte((Byte) v);
                case "int16" -> out.writeShort((Short) v);
                case "uint16" -> out.writeShort(((Integer) v).shortValue());
                case "int32" -> out.writeInt((Integer) v);
                case "uint32" -> out.writeInt((int) (long) (Long) v);
                case "int64" -> out.writeLong((Long) v);
                case "float64" -> out.writeDouble((Double) v);
                case "uuid" -> {
                    UUID u = (UUID) v;
                    out.writeLong(u.getMostSignificantBits());
                    out.writeLong(u.getLeastSignificantBits());
                }
                case "string" -> writeString(out, (String) v, flexible, nullable);
                case "bytes" -> writeBytes(out, (byte[]) v, flexible, nullable);
                case "records" -> writeRecords(out, (Records) v, flexible, nullable);
                default -> throw new IllegalStateException(name);
            }
        }

        @Override
        public Object read(ProtocolReader in, short version, boolean flexible, boolean nullable) {
            return switch (name) {
                case "bool" -> in.readByte() != 0;
                case "int8" -> in.readByte();
                case "int16" -> in.readShort();
                case "uint16" -> Short.toUnsignedInt(in.readShort());
                case "int32" -> in.readInt();
                case "uint32" -> Integer.toUnsignedLong(in.readInt());
                case "int64" -> in.readLong();
                case "float64" -> in.readDouble();
                case "uuid" -> new UUID(in.readLong(), in.readLong());
                case "string" -> {
                    int len = flexible ? in.readUnsignedVarint() - 1 : in.readShort();
                    yield nullOr(in, len, nullable) ? null : in.readString(len);
                }
                case "bytes" -> {
                    int len = flexible ? in.readUnsignedVarint() - 1 : in.readInt();
                    yield nullOr(in, len, nullable) ? null : in.readBytes(len);
                }
                case "records" -> {
                    int len = flexible ? in.readUnsignedVarint() - 1 : in.readInt();
                    yield nullOr(in, len, nullable) ? null : MemoryRecords.wrap(in.readSlice(len));
                }
                default -> throw new IllegalStateException(name);
            };
        }

        private static boolean nullOr(ProtocolReader in, int len, boolean nullable) {
            if (len >= 0) return false;
            if (len == -1 && nullable) return true;
            throw new ProtocolException("negative length " + len + " for a non-nullable field");
        }

        @Override
        public Object defaultValue(boolean nullable) {
            return switch (name) {
                case "bool" -> Boolean.FALSE;
                case "int8" -> (byte) 0;
                case "int16" -> (short) 0;
                case "uint16", "int32" -> 0;
                case "uint32", "int64" -> 0L;
                case "float64" -> 0.0d;
                case "uuid" -> new UUID(0L, 0L);
                case "string" -> nullable ? null : "";
                case "bytes" -> nullable ? null : new byte[0];
                case "records" -> null;
                default -> throw new IllegalStateException(name);
            };
        }

        private static void writeString(ProtocolWriter out, String s, boolean flexible, boolean nullable) {
            if (s == null) {
                requireNullable(nullable, "string");
                if (flexible) out.writeUnsignedVarint(0); else out.writeShort((short) -1);
                return;
            }
            byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (flexible) {
                out.writeUnsignedVarint(b.length + 1);
            } else {
                if (b.length > Short.MAX_VALUE) throw new ProtocolException("string longer than 32767 bytes");
                out.writeShort((short) b.length);
            }
            out.writeBytes(b);
        }

        private static void writeBytes(ProtocolWriter out, byte[] b, boolean flexible, boolean nullable) {
            if (b == null) {
                requireNullable(nullable, "bytes");
                if (flexible) out.writeUnsignedVarint(0); else out.writeInt(-1);
                return;
            }
            if (flexible) out.writeUnsignedVarint(b.length + 1); else out.writeInt(b.length);
            out.writeBytes(b);
        }

        private static void writeRecords(ProtocolWriter out, Records r, boolean flexible, boolean nullable) {
            if (r == null) {
                requireNullable(nullable, "records");
                if (flexible) out.writeUnsignedVarint(0); else out.writeInt(-1);
                return;
            }
            if (flexible) out.writeUnsignedVarint(r.sizeInBytes() + 1); else out.writeInt(r.sizeInBytes());
            out.writeRecords(r);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static void requireNullable(boolean nullable, String what) {
        if (!nullable) throw new ProtocolException("null " + what + " in a non-nullable field");
    }

    /** An array of any type; elements of struct arrays are {@link Struct}s. */
    public static final class ArrayOf extends Type {
        private final Type element;

        private ArrayOf(Type element) {
            this.element = element;
        }

        public Type element() {
            return element;
        }

        @Override
        public void write(ProtocolWriter out, Object value, short version, boolean flexible, boolean nullable) {
            List<?> list = (List<?>) value;
            if (list == null) {
                requireNullable(nullable, "array");
                if (flexible) out.writeUnsignedVarint(0); else out.writeInt(-1);
                return;
            }
            if (flexible) out.writeUnsignedVarint(list.size() + 1); else out.writeInt(list.size());
            for (Object e : list) element.write(out, e, version, flexible, false);
        }

        @Override
        public Object read(ProtocolReader in, short version, boolean flexible, boolean nullable) {
            int n = flexible ? in.readUnsignedVarint() - 1 : in.readInt();
            if (n < 0) {
                if (n == -1 && nullable) return null;
                throw new ProtocolException("negative array length " + n);
            }
            // Each element takes at least one byte: a count beyond what is left is a lie, not a reason to allocate.
            if (n > in.remaining()) throw new ProtocolException("array of " + n + " elements in " + in.remaining() + " bytes");
            List<Object> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) list.add(element.read(in, version, flexible, false));
            return list;
        }

        @Override
        public Object defaultValue(boolean nullable) {
            return nullable ? null : Collections.emptyList();
        }

        @Override
        public String toString() {
            return "[]" + element;
        }
    }

    /** A nested structure; nullable structs carry a leading int8 (-1 null, 1 present). */
    public static final class StructOf extends Type {
        private final Schema schema;

        private StructOf(Schema schema) {
            this.schema = schema;
        }

        public Schema schema() {
            return schema;
        }

        @Override
        public void write(ProtocolWriter out, Object value, short version, boolean flexible, boolean nullable) {
            if (nullable) {
                if (value == null) {
                    out.writeByte(-1);
                    return;
                }
                out.writeByte(1);
            } else if (value == null) {
                throw new ProtocolException("null struct in a non-nullable field");
            }
            schema.write(out, (Struct) value, version, flexible);
        }

        @Override
        public Object read(ProtocolReader in, short version, boolean flexible, boolean nullable) {
            if (nullable) {
                byte marker = in.readByte();
                if (marker < 0) return null;
            }
            return schema.read(in, version, flexible);
        }

        @Override
        public Object defaultValue(boolean nullable) {
            return nullable ? null : new Struct(schema);
        }

        @Override
        public String toString() {
            return "struct";
        }
    }

    /** Reads a whole message of this schema from a buffer; a convenience for tests. */
    public static Struct readStruct(Schema schema, ByteBuffer buf, short version, boolean flexible) {
        return schema.read(new ProtocolReader(buf), version, flexible);
    }
}
