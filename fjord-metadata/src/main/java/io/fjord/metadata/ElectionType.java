package io.fjord.metadata;

/** ElectLeaders' election types, with their protocol codes (KIP-460). */
public enum ElectionType {
    /** Move the leadership to the first replica if it is in the ISR and live. */
    PREFERRED(0),
    /** Elect a live replica even from outside the ISR, for a partition that has no leader. */
    UNCLEAN(1);

    public final byte code;

    ElectionType(int code) {
        this.code = (byte) code;
    }

    /** @throws IllegalArgumentException for an unknown code */
    public static ElectionType of(byte code) {
        for (ElectionType t : values()) if (t.code == code) return t;
        throw new IllegalArgumentException("unknown election type " + code);
    }
}
