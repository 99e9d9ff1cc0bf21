package io.fjord.broker.txn;

import io.fjord.broker.replica.TopicPartition;
import java.util.Collection;
import java.util.Comparator;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the coordinator knows of one transactional id: the value of its transaction-log record. Immutable: a
 * handler derives the next value with one of the transition methods (each checks the move against
 * {@link TransactionState#validPrevious()} and throws {@link IllegalStateException} otherwise), writes it, and the
 * shard adopts it when the record is replayed.
 *
 * @param previousProducerId the id before an epoch overflow gave a new one (-1 if none)
 * @param clientTransactionVersion 2 when the producer speaks transaction version 2 (KIP-890: EndTxn bumps the epoch)
 */
public record TransactionMetadata(String transactionalId, long producerId, long previousProducerId, long nextProducerId,
                                  short producerEpoch, short nextProducerEpoch, int timeoutMs, TransactionState state,
                                  Set<TopicPartition> partitions, long lastUpdateMs, long startMs,
                                  short clientTransactionVersion) {
    static final Comparator<TopicPartition> ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    public TransactionMetadata {
        TreeSet<TopicPartition> sorted = new TreeSet<>(ORDER);
        sorted.addAll(partitions);
        partitions = java.util.Collections.unmodifiableSet(sorted);
    }

    /** A transactional id seen for the first time: state EMPTY, epoch -1 (InitProducerId bumps it to 0). */
    static TransactionMetadata fresh(String transactionalId, long producerId, int timeoutMs, long now) {
        return new TransactionMetadata(transactionalId, producerId, -1, -1, (short) -1, (short) -1, timeoutMs,
                TransactionState.EMPTY, Set.of(), now, -1, (short) 0);
    }

    private void check(TransactionState next) {
        if (!next.validPrevious().contains(state)) {
            throw new IllegalStateException("transaction " + transactionalId + " cannot go from " + state + " to " + next);
        }
    }

    /** InitProducerId: EMPTY with the given id and epoch, no partitions. */
    TransactionMetadata toEmpty(long newProducerId, long previousId, short epoch, int timeout, long now) {
        check(TransactionState.EMPTY);
        return new TransactionMetadata(transactionalId, newProducerId, previousId, -1, epoch, (short) -1, timeout,
                TransactionState.EMPTY, Set.of(), now, -1, clientTransactionVersion);
    }

    /** AddPartitionsToTxn / AddOffsetsToTxn: ONGOING with {@code added} joined to the partitions. */
    TransactionMetadata toOngoing(Collection<TopicPartition> added, long now, short tv) {
        check(TransactionState.ONGOING);
        Set<TopicPartition> all = new TreeSet<>(ORDER);
        all.addAll(partitions);
        all.addAll(added);
        long start = state == TransactionState.ONGOING ? startMs : now;
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, -1, producerEpoch, (short) -1,
                timeoutMs, TransactionState.ONGOING, all, now, start, tv);
    }

    /** EndTxn, fencing or timeout: PREPARE_COMMIT / PREPARE_ABORT at {@code epoch} (bumped for TV2 and fencing). */
    TransactionMetadata toPrepare(boolean commit, short epoch, long now) {
        TransactionState next = commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
        check(next);
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, -1, epoch, (short) -1,
                timeoutMs, next, partitions, now, startMs, clientTransactionVersion);
    }

    /** A new producer fences an ongoing transaction (in memory only): next comes PREPARE_ABORT at epoch + 1. */
    TransactionMetadata toEpochFence() {
        check(TransactionState.PREPARE_EPOCH_FENCE);
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, -1, producerEpoch, (short) -1,
                timeoutMs, TransactionState.PREPARE_EPOCH_FENCE, partitions, lastUpdateMs, startMs, clientTransactionVersion);
    }

    /** Every marker is written: COMPLETE_COMMIT / COMPLETE_ABORT, partitions cleared. */
    TransactionMetadata toComplete(long now) {
        TransactionState next = switch (state) {
            case PREPARE_COMMIT -> TransactionState.COMPLETE_COMMIT;
            case PREPARE_ABORT -> TransactionState.COMPLETE_ABORT;
            default -> throw new IllegalStateException("transaction " + transactionalId + " cannot complete from " + state);
        };
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, -1, producerEpoch, (short) -1,
                timeoutMs, next, Set.of(), now, startMs, clientTransactionVersion);
    }

    /** transactional.id.expiration.ms passed without use: the id is forgotten (a tombstone is written). */
    TransactionMetadata toDead(long now) {
        check(TransactionState.DEAD);
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, -1, producerEpoch, (short) -1,
                timeoutMs, TransactionState.DEAD, Set.of(), now, startMs, clientTransactionVersion);
    }

    boolean isTv2() {
        return clientTransactionVersion >= 2;
    }
}
