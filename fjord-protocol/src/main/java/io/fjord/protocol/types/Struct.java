package io.fjord.protocol.types;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * The value of a message or nested struct: one slot per field of its {@link Schema}, starting at the field's
 * default. Fields are set and read by their protocol names. Not thread-safe; treat as immutable once sent.
 */
public final class Struct {
    private final Schema schema;
    private final Object[] values;

    public Struct(Schema schema) {
        this.schema = schema;
        this.values = new Object[schema.fields().size()];
        for (int i = 0; i < values.length; i++) values[i] = schema.fields().get(i).defaultValue();
    }

    public Schema schema() {
        return schema;
    }

    Object getAt(int i) {
        return values[i];
    }

    void setAt(int i, Object v) {
        values[i] = v;
    }

    public Struct set(String name, Object value) {
        int i = schema.indexOf(name);
        values[i] = coerce(schema.fields().get(i).type(), value);
        return this;
    }

    /** Lets callers pass plain ints for int8/int16 fields and longs for int64 ones. */
    static Object coerce(Type type, Object v) {
        if (v instanceof Integer n) {
            if (type == Type.INT8) return n.byteValue();
            if (type == Type.INT16) return n.shortValue();
            if (type == Type.INT64 || type == Type.UINT32) return n.longValue();
        }
        return v;
    }

    public Object get(String name) {
        return values[schema.indexOf(name)];
    }

    public boolean getBool(String name) {
        return (Boolean) get(name);
    }

    public byte getByte(String name) {
        return (Byte) get(name);
    }

    public short getShort(String name) {
        return (Short) get(name);
    }

    public int getInt(String name) {
        return ((Number) get(name)).intValue();
    }

    public long getLong(String name) {
        return ((Number) get(name)).longValue();
    }

    public String getString(String name) {
        return (String) get(name);
    }

    public UUID getUuid(String name) {
        return (UUID) get(name);
    }

    public Records getRecords(String name) {
        return (Records) get(name);
    }

    public Struct getStruct(String name) {
        return (Struct) get(name);
    }

    @SuppressWarnings("unchecked")
    public List<Struct> getStructs(String name) {
        return (List<Struct>) get(name);
    }

    @SuppressWarnings("unchecked")
    public <T> List<T> getList(String name) {
        return (List<T>) get(name);
    }

    /** A new, empty element for the struct-array (or struct) field {@code name}; not yet added to this struct. */
    public Struct child(String name) {
        Schema s = schema.field(name).structSchema();
        if (s == null) throw new IllegalArgumentException(name + " is not a struct field");
        return new Struct(s);
    }

    /** Appends {@code element} to the struct array {@code name}, making the list mutable first if needed. */
    public Struct add(String name, Struct element) {
        int i = schema.indexOf(name);
        Object v = values[i];
        List<Object> list;
        if (v instanceof ArrayList<?>) {
            @SuppressWarnings("unchecked") List<Object> l = (List<Object>) v;
            list = l;
        } else {
            list = v == null ? new ArrayList<>() : new ArrayList<>((List<?>) v);
            values[i] = list;
        }
        list.add(element);
        return this;
    }

    boolean isAllDefault() {
        for (int i = 0; i < values.length; i++) {
            if (!schema.fields().get(i).isDefault(values[i])) return false;
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Struct other) || other.schema != schema) return false;
        for (int i = 0; i < values.length; i++) {
            Object a = values[i], b = other.values[i];
            if (a instanceof byte[] x && b instanceof byte[] y) {
                if (!Arrays.equals(x, y)) return false;
            } else if (a == null ? b != null : !a.equals(b)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(values);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < values.length; i++) {
            if (i > 0) sb.append(", ");
            Object v = values[i];
            sb.append(schema.fields().get(i).name()).append('=').append(v instanceof byte[] b ? Arrays.toString(b) : v);
        }
        return sb.append('}').toString();
    }
}
