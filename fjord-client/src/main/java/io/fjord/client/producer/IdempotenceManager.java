package io.fjord.client.producer;

import io.fjord.client.common.TopicPartition;
import java.util.HashMap;
import java.util.Map;

/**
 * The idempotent producer's state: its producer id and epoch (from InitProducerId) and the next sequence number
 * per partition. When a batch whose sequence may or may not have been written is given up (delivery timeout,
 * fatal error), the sequences that follow would leave a gap the broker rejects: the epoch is then bumped
 * (InitProducerId with the current id and epoch, KIP-360) and every partition's sequence restarts at 0.
 * Used on the sender thread only.
 */
public final class IdempotenceManager {
    private long producerId = -1;
    private short epoch = -1;
    private boolean bumpNeeded;
    private final Map<TopicPartition, Integer> nextSequence = new HashMap<>();

    public boolean hasProducerId() {
        return producerId >= 0 && !bumpNeeded;
    }

    public long producerId() {
        return producerId;
    }

    public short epoch() {
        return epoch;
    }

    public boolean bumpNeeded() {
        return bumpNeeded;
    }

    /** A gap is possible: the next send waits for a new epoch. */
    public void requestEpochBump() {
        if (producerId >= 0) bumpNeeded = true;
    }

    /** Sets the id and epoch from an InitProducerId answer; a new epoch or id restarts every sequence at 0. */
    public void setProducerIdAndEpoch(long id, short newEpoch) {
        if (id != producerId || newEpoch != epoch) nextSequence.clear();
        producerId = id;
        epoch = newEpoch;
        bumpNeeded = false;
    }

    /** Gives {@code batch} its producer fields: a fresh base sequence unless it already has one for this epoch. */
    public void assign(ProducerBatch batch) {
        if (batch.producerId == producerId && batch.producerEpoch == epoch && batch.baseSequence >= 0) return;
        int seq = nextSequence.getOrDefault(batch.tp, 0);
        batch.producerId = producerId;
        batch.producerEpoch = epoch;
        batch.baseSequence = seq;
        long next = (long) seq + batch.recordCount();
        nextSequence.put(batch.tp, (int) (next > Integer.MAX_VALUE ? next - Integer.MAX_VALUE - 1 : next));
    }

    public int nextSequence(TopicPartition tp) {
        return nextSequence.getOrDefault(tp, 0);
    }
}
