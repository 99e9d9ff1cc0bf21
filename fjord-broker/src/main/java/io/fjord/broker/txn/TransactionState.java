package io.fjord.broker.txn;

import java.util.EnumSet;
import java.util.Set;

/**
 * The state of one transactional id at its coordinator, with Kafka's ids (the {@code TransactionStatus} byte of the
 * transaction log) and names (DescribeTransactions / ListTransactions). Legal moves, checked by
 * {@link TransactionMetadata#transitionTo}:
 * <pre>
 * EMPTY               <- EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT            (InitProducerId: epoch bumped)
 * ONGOING             <- ONGOING, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT   (AddPartitionsToTxn / AddOffsetsToTxn)
 * PREPARE_COMMIT      <- ONGOING                                           (EndTxn commit)
 * PREPARE_ABORT       <- ONGOING, PREPARE_EPOCH_FENCE,                     (EndTxn abort, fencing, timeout;
 *                        EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT              the last three: TV2 abort of nothing)
 * COMPLETE_COMMIT     <- PREPARE_COMMIT                                    (every marker written)
 * COMPLETE_ABORT      <- PREPARE_ABORT
 * DEAD                <- EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT            (transactional.id.expiration.ms)
 * PREPARE_EPOCH_FENCE <- ONGOING                                           (a new producer fences an open txn;
 *                                                                           in memory only, never written)
 * </pre>
 */
public enum TransactionState {
    EMPTY(0, "Empty"),
    ONGOING(1, "Ongoing"),
    PREPARE_COMMIT(2, "PrepareCommit"),
    PREPARE_ABORT(3, "PrepareAbort"),
    COMPLETE_COMMIT(4, "CompleteCommit"),
    COMPLETE_ABORT(5, "CompleteAbort"),
    DEAD(6, "Dead"),
    PREPARE_EPOCH_FENCE(7, "PrepareEpochFence");

    private final byte id;
    private final String kafkaName;

    TransactionState(int id, String kafkaName) {
        this.id = (byte) id;
        this.kafkaName = kafkaName;
    }

    public byte id() {
        return id;
    }

    /** The name Kafka's tools print and filter on. */
    public String kafkaName() {
        return kafkaName;
    }

    public static TransactionState byId(byte id) {
        for (TransactionState s : values()) if (s.id == id) return s;
        throw new IllegalArgumentException("unknown transaction state id " + id);
    }

    /** The state called {@code name} by Kafka's tools, or null. */
    public static TransactionState byKafkaName(String name) {
        for (TransactionState s : values()) if (s.kafkaName.equals(name)) return s;
        return null;
    }

    public Set<TransactionState> validPrevious() {
        return switch (this) {
            case EMPTY, DEAD -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case ONGOING -> EnumSet.of(ONGOING, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_COMMIT, PREPARE_EPOCH_FENCE -> EnumSet.of(ONGOING);
            case PREPARE_ABORT -> EnumSet.of(ONGOING, PREPARE_EPOCH_FENCE, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case COMPLETE_COMMIT -> EnumSet.of(PREPARE_COMMIT);
            case COMPLETE_ABORT -> EnumSet.of(PREPARE_ABORT);
        };
    }

    /** Markers are being written: the coordinator refuses changes until it completes (CONCURRENT_TRANSACTIONS). */
    public boolean isPreparing() {
        return this == PREPARE_COMMIT || this == PREPARE_ABORT || this == PREPARE_EPOCH_FENCE;
    }

    public boolean isComplete() {
        return this == EMPTY || this == COMPLETE_COMMIT || this == COMPLETE_ABORT;
    }
}
