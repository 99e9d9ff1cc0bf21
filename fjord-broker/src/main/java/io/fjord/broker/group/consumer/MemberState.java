package io.fjord.broker.group.consumer;

/**
 * Where a consumer group member is in reconciling towards its target assignment (KIP-848). Each state fixes what
 * the member's partitions may look like, checked by {@link ConsumerGroupMember} on construction:
 * <pre>
 * STABLE                  at the target epoch, owns all of its target; nothing pending revocation
 * UNREVOKED_PARTITIONS    must first give up partitions (pending revocation, non-empty); epoch not yet bumped
 * UNRELEASED_PARTITIONS   at the target epoch, waits for partitions other members still own; nothing pending
 * </pre>
 * A member moves between any two of them as the target moves; the code is Kafka's (byte stored in the
 * current-assignment record).
 */
public enum MemberState {
    STABLE((byte) 1),
    UNREVOKED_PARTITIONS((byte) 2),
    UNRELEASED_PARTITIONS((byte) 3);

    private final byte code;

    MemberState(byte code) {
        this.code = code;
    }

    public byte code() {
        return code;
    }

    public static MemberState of(byte code) {
        for (MemberState s : values()) if (s.code == code) return s;
        throw new IllegalArgumentException("unknown member state " + code);
    }
}
