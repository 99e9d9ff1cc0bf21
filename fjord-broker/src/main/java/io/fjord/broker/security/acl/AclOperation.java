package io.fjord.broker.security.acl;

import java.util.EnumSet;
import java.util.Set;

/**
 * Kafka's ACL operations with their wire codes. An ALLOW binding for an operation also allows the operations it
 * implies (Kafka's rule: READ, WRITE, DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS; ALL
 * implies everything); a DENY binding denies only its own operation (or everything, for ALL).
 */
public enum AclOperation {
    UNKNOWN(0), ANY(1), ALL(2), READ(3), WRITE(4), CREATE(5), DELETE(6), ALTER(7), DESCRIBE(8), CLUSTER_ACTION(9),
    DESCRIBE_CONFIGS(10), ALTER_CONFIGS(11), IDEMPOTENT_WRITE(12), CREATE_TOKENS(13), DESCRIBE_TOKENS(14),
    TWO_PHASE_COMMIT(15);

    private final byte code;

    AclOperation(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    public static AclOperation fromCode(int code) {
        for (AclOperation o : values()) if (o.code == code) return o;
        return UNKNOWN;
    }

    /** The operations an ALLOW binding for this operation grants. */
    public Set<AclOperation> allowed() {
        return switch (this) {
            case ALL -> EnumSet.range(READ, TWO_PHASE_COMMIT);
            case READ, WRITE, DELETE, ALTER -> EnumSet.of(this, DESCRIBE);
            case ALTER_CONFIGS -> EnumSet.of(ALTER_CONFIGS, DESCRIBE_CONFIGS);
            default -> EnumSet.of(this);
        };
    }

    /** Whether a DENY binding for this operation forbids {@code requested}. */
    public boolean denies(AclOperation requested) {
        return this == ALL || this == requested;
    }
}
