package io.fjord.broker.security.acl;

/**
 * Kafka's resource pattern types with their wire codes. Bindings are LITERAL (the name, or {@code *} for every
 * resource of the type) or PREFIXED (every name starting with it); ANY and MATCH appear only in filters.
 */
public enum AclPatternType {
    UNKNOWN(0), ANY(1), MATCH(2), LITERAL(3), PREFIXED(4);

    private final byte code;

    AclPatternType(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    public static AclPatternType fromCode(int code) {
        for (AclPatternType t : values()) if (t.code == code) return t;
        return UNKNOWN;
    }
}
