package io.fjord.protocol.types;

/**
 * An inclusive range of protocol versions, written the way the message descriptions are read: {@code "0+"},
 * {@code "3-7"}, {@code "5"} or {@code "none"}.
 */
public record Versions(short lowest, short highest) {
    public static final Versions NONE = new Versions((short) 0, (short) -1);
    public static final Versions ALL = new Versions((short) 0, Short.MAX_VALUE);

    public static Versions parse(String spec) {
        String s = spec.trim();
        if (s.equals("none")) return NONE;
        if (s.endsWith("+")) return new Versions(Short.parseShort(s.substring(0, s.length() - 1)), Short.MAX_VALUE);
        int dash = s.indexOf('-');
        if (dash > 0) return new Versions(Short.parseShort(s.substring(0, dash)), Short.parseShort(s.substring(dash + 1)));
        short v = Short.parseShort(s);
        return new Versions(v, v);
    }

    public boolean contains(int version) {
        return version >= lowest && version <= highest;
    }

    public boolean isEmpty() {
        return highest < lowest;
    }

    @Override
    public String toString() {
        if (isEmpty()) return "none";
        if (highest == Short.MAX_VALUE) return lowest + "+";
        return lowest == highest ? Short.toString(lowest) : lowest + "-" + highest;
    }
}
