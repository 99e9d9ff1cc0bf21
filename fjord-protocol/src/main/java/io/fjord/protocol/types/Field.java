package io.fjord.protocol.types;

import java.util.List;

/**
 * One field of a message description: its name (as in Kafka's protocol docs), wire type, the versions it exists
 * in, the versions in which it may be null, and, for tagged fields, its tag and tagged versions.
 * Immutable; built with the fluent {@code nullable}/{@code tagged}/{@code defaultsTo} methods.
 */
public final class Field {
    private final String name;
    private final Type type;
    private final Versions versions;
    private final Versions nullableVersions;
    private final int tag;
    private final Versions taggedVersions;
    private final Object defaultValue;
    private final boolean explicitDefault;

    private Field(String name, Type type, Versions versions, Versions nullableVersions, int tag,
                  Versions taggedVersions, Object defaultValue, boolean explicitDefault) {
        this.name = name;
        this.type = type;
        this.versions = versions;
        this.nullableVersions = nullableVersions;
        this.tag = tag;
        this.taggedVersions = taggedVersions;
        this.defaultValue = defaultValue;
        this.explicitDefault = explicitDefault;
    }

    public static Field of(String name, Type type, String versions) {
        return new Field(name, type, Versions.parse(versions), Versions.NONE, -1, Versions.NONE, null, false);
    }

    /** A field that is an array of structs with the given fields. */
    public static Field structs(String name, String versions, Field... fields) {
        return of(name, Type.array(Type.struct(Schema.of(fields))), versions);
    }

    /** A field that is a single struct with the given fields. */
    public static Field struct(String name, String versions, Field... fields) {
        return of(name, Type.struct(Schema.of(fields)), versions);
    }

    public Field nullable(String nullableVersions) {
        return new Field(name, type, versions, Versions.parse(nullableVersions), tag, taggedVersions, defaultValue, explicitDefault);
    }

    /** Makes this a tagged field: written in the tagged-field section, only when it differs from its default. */
    public Field tagged(int tag, String taggedVersions) {
        return new Field(name, type, versions, nullableVersions, tag, Versions.parse(taggedVersions), defaultValue, explicitDefault);
    }

    /** An explicit default; plain ints are converted to the field's width as {@link Struct#set} does. */
    public Field defaultsTo(Object value) {
        return new Field(name, type, versions, nullableVersions, tag, taggedVersions, Struct.coerce(type, value), true);
    }

    public String name() {
        return name;
    }

    public Type type() {
        return type;
    }

    public Versions versions() {
        return versions;
    }

    public Versions nullableVersions() {
        return nullableVersions;
    }

    public boolean isTagged() {
        return tag >= 0;
    }

    public int tag() {
        return tag;
    }

    public Versions taggedVersions() {
        return taggedVersions;
    }

    /** The schema of the struct (or struct array elements) this field holds, or null for other types. */
    public Schema structSchema() {
        Type t = type instanceof Type.ArrayOf a ? a.element() : type;
        return t instanceof Type.StructOf s ? s.schema() : null;
    }

    public boolean isNullable(short version) {
        return nullableVersions.contains(version);
    }

    /** Present in the regular (untagged) sequence of this version. */
    boolean isRegularIn(short version) {
        return versions.contains(version) && !(isTagged() && taggedVersions.contains(version));
    }

    boolean isTaggedIn(short version, boolean flexible) {
        return flexible && isTagged() && taggedVersions.contains(version) && versions.contains(version);
    }

    public Object defaultValue() {
        if (explicitDefault) return defaultValue;
        // As in Kafka's descriptions: strings and arrays default to empty even when nullable; bytes, records and
        // structs default to null where they may be null.
        if (type == Type.STRING || type instanceof Type.ArrayOf) return type.defaultValue(false);
        return type.defaultValue(!nullableVersions.isEmpty());
    }

    boolean isDefault(Object value) {
        Object d = defaultValue();
        if (d == null || value == null) return d == value;
        if (d instanceof List<?> dl && value instanceof List<?> vl) return dl.isEmpty() && vl.isEmpty();
        if (d instanceof byte[] db && value instanceof byte[] vb) return java.util.Arrays.equals(db, vb);
        if (value instanceof Struct s) return s.isAllDefault();
        return d.equals(value);
    }

    @Override
    public String toString() {
        return name + ":" + type + "@" + versions;
    }
}
