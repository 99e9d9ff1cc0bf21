package io.fjord.protocol.types;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ordered fields of a message or nested struct, for every version at once. Reading and writing a version
 * walks the fields present in that version in order, then (in flexible versions) the tagged-field section:
 * unsigned varint count, then per field its tag, its size and its value, tags ascending.
 */
public final class Schema {
    private final List<Field> fields;
    private final Map<String, Integer> index = new HashMap<>();

    private Schema(List<Field> fields) {
        this.fields = List.copyOf(fields);
        for (int i = 0; i < this.fields.size(); i++) {
            if (index.put(this.fields.get(i).name(), i) != null) {
                throw new IllegalArgumentException("duplicate field " + this.fields.get(i).name());
            }
        }
    }

    public static Schema of(Field... fields) {
        return new Schema(List.of(fields));
    }

    public List<Field> fields() {
        return Collections.unmodifiableList(fields);
    }

    public int indexOf(String name) {
        Integer i = index.get(name);
        if (i == null) throw new IllegalArgumentException("no field " + name + " in " + names());
        return i;
    }

    public Field field(String name) {
        return fields.get(indexOf(name));
    }

    public boolean has(String name) {
        return index.containsKey(name);
    }

    private List<String> names() {
        List<String> n = new ArrayList<>();
        for (Field f : fields) n.add(f.name());
        return n;
    }

    public void write(ProtocolWriter out, Struct s, short version, boolean flexible) {
        TreeMap<Integer, Field> tagged = null;
        for (int i = 0; i < fields.size(); i++) {
            Field f = fields.get(i);
            Object v = s.getAt(i);
            if (f.isTaggedIn(version, flexible)) {
                if (!f.isDefault(v)) {
                    if (tagged == null) tagged = new TreeMap<>();
                    tagged.put(f.tag(), f);
                }
            } else if (f.isRegularIn(version)) {
                f.type().write(out, v, version, flexible, f.isNullable(version));
            } else if (!f.isTagged() && !f.isDefault(v) && f.versions().isEmpty()) {
                throw new ProtocolException("field " + f.name() + " has no versions");
            }
        }
        if (!flexible) return;
        if (tagged == null) {
            out.writeUnsignedVarint(0);
            return;
        }
        out.writeUnsignedVarint(tagged.size());
        for (Field f : tagged.values()) {
            Object v = s.getAt(indexOf(f.name()));
            SizeCounter counter = new SizeCounter();
            f.type().write(counter, v, version, true, f.isNullable(version));
            out.writeUnsignedVarint(f.tag());
            out.writeUnsignedVarint(counter.size());
            f.type().write(out, v, version, true, f.isNullable(version));
        }
    }

    public Struct read(ProtocolReader in, short version, boolean flexible) {
        Struct s = new Struct(this);
        for (int i = 0; i < fields.size(); i++) {
            Field f = fields.get(i);
            if (f.isRegularIn(version) && !f.isTaggedIn(version, flexible)) {
                s.setAt(i, f.type().read(in, version, flexible, f.isNullable(version)));
            }
        }
        if (flexible) {
            int count = in.readUnsignedVarint();
            if (count < 0 || count > in.remaining()) throw new ProtocolException("bad tagged field count " + count);
            for (int k = 0; k < count; k++) {
                int tag = in.readUnsignedVarint();
                int size = in.readUnsignedVarint();
                Field f = taggedField(tag, version);
                if (f == null) {
                    in.skip(size); // unknown tags are for newer peers: skip them
                    continue;
                }
                int before = in.remaining();
                s.setAt(indexOf(f.name()), f.type().read(in, version, true, f.isNullable(version)));
                if (before - in.remaining() != size) throw new ProtocolException("tagged field " + f.name() + " size mismatch");
            }
        }
        return s;
    }

    private Field taggedField(int tag, short version) {
        for (Field f : fields) {
            if (f.isTagged() && f.tag() == tag && f.taggedVersions().contains(version) && f.versions().contains(version)) return f;
        }
        return null;
    }
}
