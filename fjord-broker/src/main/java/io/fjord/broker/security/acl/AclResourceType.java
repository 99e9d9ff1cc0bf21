package io.fjord.broker.security.acl;

/** Kafka's ACL resource types with their wire codes. */
public enum AclResourceType {
    UNKNOWN(0), ANY(1), TOPIC(2), GROUP(3), CLUSTER(4), TRANSACTIONAL_ID(5), DELEGATION_TOKEN(6), USER(7);

    /** The one name a CLUSTER resource has. */
    public static final String CLUSTER_NAME = "kafka-cluster";

    private final byte code;

    AclResourceType(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    public static AclResourceType fromCode(int code) {
        for (AclResourceType t : values()) if (t.code == code) return t;
        return UNKNOWN;
    }
}
