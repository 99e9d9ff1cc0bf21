package io.fjord.broker.security.acl;

/** Kafka's ACL permission types with their wire codes; DENY wins over ALLOW. */
public enum AclPermission {
    UNKNOWN(0), ANY(1), DENY(2), ALLOW(3);

    private final byte code;

    AclPermission(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    public static AclPermission fromCode(int code) {
        for (AclPermission p : values()) if (p.code == code) return p;
        return UNKNOWN;
    }
}
