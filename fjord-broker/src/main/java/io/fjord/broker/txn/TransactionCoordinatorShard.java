package io.fjord.broker.txn;

import io.fjord.broker.coordinator.CoordinatorRecord;
import io.fjord.broker.coordinator.CoordinatorResult;
import io.fjord.broker.coordinator.CoordinatorShard;
import io.fjord.broker.coordinator.CoordinatorTimer;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.protocol.api.Errors;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator's state for one partition of {@code __transaction_state}: one
 * {@link TransactionMetadata} per transactional id. Handlers are pure (they return the record to write and the
 * answer); state changes only in {@link #replay}. Errors follow Kafka's transaction coordinator.
 *
 * <p>Once a PREPARE_COMMIT / PREPARE_ABORT is committed the caller hands it to the marker channel, which writes
 * the markers and then calls {@link #complete}; a shard loaded on fail-over hands every PREPARE_x it replayed to
 * the {@link Listener} so the markers are resumed. Timers (on the runtime's clock): every
 * {@code transaction.abort.timed.out.transaction.cleanup.interval.ms} ongoing transactions older than their timeout
 * are aborted with the epoch bumped (the producer is fenced, as Kafka does); every
 * {@code transaction.remove.expired.transaction.cleanup.interval.ms} ids unused for
 * {@code transactional.id.expiration.ms} are forgotten.
 *
 * <p>Threading: owned by the runtime; every call runs on the shard's serial executor.
 */
public final class TransactionCoordinatorShard implements CoordinatorShard {
    private static final Logger log = LoggerFactory.getLogger(TransactionCoordinatorShard.class);
    /** Kafka bumps up to here and then moves the id to a fresh producer id (epoch 0). */
    private static final short MAX_EPOCH = Short.MAX_VALUE - 1;
    static final String ABORT_TIMER = "abort-timed-out";
    static final String EXPIRE_TIMER = "expire-ids";

    public record Settings(int maxTimeoutMs, long abortCheckIntervalMs, long idExpirationMs, long expireCheckIntervalMs) {
        public static Settings from(io.fjord.broker.config.BrokerConfig c) {
            return new Settings(c.getInt("transaction.max.timeout.ms"),
                    c.getLong("transaction.abort.timed.out.transaction.cleanup.interval.ms"),
                    c.getLong("transactional.id.expiration.ms"),
                    c.getLong("transaction.remove.expired.transaction.cleanup.interval.ms"));
        }
    }

    /** Where the shard asks for work it cannot do as a pure handler. Called on the shard's executor. */
    public interface Listener {
        /** A PREPARE_x found while loading (fail-over): its markers must be (re)written. */
        void resumeMarkers(int partition, int coordinatorEpoch, TransactionMetadata prepared);

        /** These ongoing transactions timed out: abort each through a write operation (epoch bumped). */
        void abortTimedOut(int partition, List<String> transactionalIds);
    }

    /** Hands out fresh producer ids (durably reserved blocks). */
    @FunctionalInterface
    public interface ProducerIds {
        long next();
    }

    private final int partition;
    private final int coordinatorEpoch;
    private final CoordinatorTimer timer;
    private final LongSupplier clock;
    private final Settings settings;
    private final ProducerIds producerIds;
    private final Listener listener;
    private final Map<String, TransactionMetadata> txns = new HashMap<>();

    public TransactionCoordinatorShard(int partition, int coordinatorEpoch, CoordinatorTimer timer, LongSupplier clock,
                                       Settings settings, ProducerIds producerIds, Listener listener) {
        this.partition = partition;
        this.coordinatorEpoch = coordinatorEpoch;
        this.timer = timer;
        this.clock = clock;
        this.settings = settings;
        this.producerIds = producerIds;
        this.listener = listener;
    }

    public int coordinatorEpoch() {
        return coordinatorEpoch;
    }

    // ------------------------------------------------------------------------------------------------ replay

    @Override
    public void replay(CoordinatorRecord record) {
        String id = TransactionLogRecords.decodeKey(record.key());
        if (id == null) return;
        if (record.value() == null) {
            txns.remove(id);
        } else {
            txns.put(id, TransactionLogRecords.decodeValue(id, record.value()));
        }
    }

    @Override
    public void onLoaded() {
        timer.schedule(ABORT_TIMER, settings.abortCheckIntervalMs(), this::abortTimedOut);
        timer.schedule(EXPIRE_TIMER, settings.expireCheckIntervalMs(), this::expireIds);
        int resumed = 0;
        for (TransactionMetadata m : txns.values()) {
            if (m.state() == TransactionState.PREPARE_COMMIT || m.state() == TransactionState.PREPARE_ABORT) {
                listener.resumeMarkers(partition, coordinatorEpoch, m);
                resumed++;
            }
        }
        log.info("{}-{}: {} transactional ids loaded, {} pending completions resumed", TransactionLogRecords.TOPIC,
                partition, txns.size(), resumed);
    }

    /** The metadata of a transactional id (tests, describe), or null. */
    public TransactionMetadata get(String transactionalId) {
        return txns.get(transactionalId);
    }

    // ------------------------------------------------------------------------------------------------ InitProducerId

    /** @param prepared a PREPARE_ABORT written by this call (fencing an open transaction): its markers are due */
    public record InitResult(Errors error, long producerId, short producerEpoch, TransactionMetadata prepared) {
        static InitResult error(Errors e) {
            return new InitResult(e, -1, (short) -1, null);
        }
    }

    /**
     * InitProducerId with a transactional id. {@code expectedProducerId}/{@code expectedEpoch} are -1 unless the
     * producer re-initialises itself (KIP-360): then they must be what the coordinator holds.
     */
    public CoordinatorResult<InitResult> initProducerId(String transactionalId, int timeoutMs, long expectedProducerId,
                                                        short expectedEpoch) {
        if (transactionalId.isEmpty()) return CoordinatorResult.of(InitResult.error(Errors.INVALID_REQUEST));
        if (timeoutMs <= 0 || timeoutMs > settings.maxTimeoutMs()) {
            return CoordinatorResult.of(InitResult.error(Errors.INVALID_TRANSACTION_TIMEOUT));
        }
        long now = clock.getAsLong();
        TransactionMetadata m = txns.get(transactionalId);
        if (m == null) {
            m = TransactionMetadata.fresh(transactionalId, producerIds.next(), timeoutMs, now);
        }
        if (m.state().isPreparing()) return CoordinatorResult.of(InitResult.error(Errors.CONCURRENT_TRANSACTIONS));
        if (expectedProducerId >= 0 && !(expectedProducerId == m.producerId() && expectedEpoch == m.producerEpoch())
                && !(expectedProducerId == m.previousProducerId())) {
            return CoordinatorResult.of(InitResult.error(Errors.PRODUCER_FENCED));
        }
        if (m.state() == TransactionState.ONGOING) {
            // A new producer fences the open transaction: abort it at a bumped epoch, then the client retries.
            TransactionMetadata fenced = m.toEpochFence().toPrepare(false, bump(m.producerEpoch()), now);
            log.info("{}: fencing producer {} epoch {}, aborting its open transaction", transactionalId, m.producerId(),
                    m.producerEpoch());
            return new CoordinatorResult<>(List.of(TransactionLogRecords.record(fenced)),
                    new InitResult(Errors.CONCURRENT_TRANSACTIONS, -1, (short) -1, fenced));
        }
        long pid = m.producerId();
        long previous = -1;
        short epoch;
        if (m.producerEpoch() >= MAX_EPOCH) {
            previous = pid;
            pid = producerIds.next();
            epoch = 0;
        } else {
            epoch = (short) (m.producerEpoch() + 1);
        }
        TransactionMetadata next = m.toEmpty(pid, previous, epoch, timeoutMs, now);
        return new CoordinatorResult<>(List.of(TransactionLogRecords.record(next)), new InitResult(Errors.NONE, pid, epoch, null));
    }

    private static short bump(short epoch) {
        return epoch >= MAX_EPOCH ? epoch : (short) (epoch + 1);
    }

    // ------------------------------------------------------------------------------------------------ add partitions

    /** The producer may act on its transaction: NONE, or the error Kafka answers. */
    private Errors checkProducer(TransactionMetadata m, long producerId, short epoch) {
        if (m == null || m.producerId() != producerId) return Errors.INVALID_PRODUCER_ID_MAPPING;
        if (m.producerEpoch() != epoch) return Errors.PRODUCER_FENCED;
        if (m.state().isPreparing()) return Errors.CONCURRENT_TRANSACTIONS;
        if (m.state() == TransactionState.DEAD) return Errors.INVALID_PRODUCER_ID_MAPPING;
        return Errors.NONE;
    }

    /**
     * AddPartitionsToTxn (and AddOffsetsToTxn, with the group's offsets partition): one error for all partitions.
     * {@code tv2} when a partition leader adds them for a transaction version 2 producer.
     */
    public CoordinatorResult<Errors> addPartitions(String transactionalId, long producerId, short epoch,
                                                   Collection<TopicPartition> partitions, boolean tv2) {
        if (transactionalId == null || transactionalId.isEmpty()) return CoordinatorResult.of(Errors.INVALID_REQUEST);
        TransactionMetadata m = txns.get(transactionalId);
        Errors e = checkProducer(m, producerId, epoch);
        if (e != Errors.NONE) return CoordinatorResult.of(e);
        if (m.state() == TransactionState.ONGOING && m.partitions().containsAll(partitions)) return CoordinatorResult.of(Errors.NONE);
        short tv = tv2 ? 2 : m.state() == TransactionState.ONGOING ? m.clientTransactionVersion() : 0;
        TransactionMetadata next = m.toOngoing(partitions, clock.getAsLong(), (short) Math.max(tv, tv2 ? 2 : 0));
        return new CoordinatorResult<>(List.of(TransactionLogRecords.record(next)), Errors.NONE);
    }

    /** AddPartitionsToTxn v4+ with VerifyOnly (KIP-890 part 1): per partition, is it in the ongoing transaction? */
    public Map<TopicPartition, Errors> verifyPartitions(String transactionalId, long producerId, short epoch,
                                                        Collection<TopicPartition> partitions) {
        TransactionMetadata m = txns.get(transactionalId);
        Errors e = checkProducer(m, producerId, epoch);
        Map<TopicPartition, Errors> out = new HashMap<>();
        for (TopicPartition tp : partitions) {
            out.put(tp, e != Errors.NONE ? e
                    : m.state() == TransactionState.ONGOING && m.partitions().contains(tp) ? Errors.NONE : Errors.INVALID_TXN_STATE);
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ EndTxn

    /**
     * @param prepared the PREPARE_x written by this call, whose markers are due once it is committed (null if none)
     */
    public record EndResult(Errors error, long producerId, short producerEpoch, TransactionMetadata prepared) {
    }

    /** EndTxn. {@code tv2}: the request is v5+ (KIP-890 part 2), so the epoch is bumped on every commit/abort. */
    public CoordinatorResult<EndResult> endTxn(String transactionalId, long producerId, short epoch, boolean commit, boolean tv2) {
        if (transactionalId == null || transactionalId.isEmpty()) return end(Errors.INVALID_REQUEST, null);
        TransactionMetadata m = txns.get(transactionalId);
        if (m == null || m.producerId() != producerId || m.state() == TransactionState.DEAD) {
            return end(Errors.INVALID_PRODUCER_ID_MAPPING, null);
        }
        TransactionState done = commit ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
        TransactionState preparing = commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
        if (tv2 && epoch == m.producerEpoch() - 1 && (m.state() == done || m.state() == preparing)) {
            // A retry of the EndTxn that bumped the epoch: same answer (the producer learns the new epoch).
            return end(m.state() == done ? Errors.NONE : Errors.CONCURRENT_TRANSACTIONS, m);
        }
        if (epoch != m.producerEpoch()) return end(Errors.PRODUCER_FENCED, m);
        long now = clock.getAsLong();
        switch (m.state()) {
            case ONGOING -> {
                TransactionMetadata next = m.toPrepare(commit, tv2 ? bump(m.producerEpoch()) : m.producerEpoch(), now);
                return new CoordinatorResult<>(List.of(TransactionLogRecords.record(next)),
                        new EndResult(Errors.NONE, next.producerId(), next.producerEpoch(), next));
            }
            case PREPARE_COMMIT, PREPARE_ABORT -> {
                return end(m.state() == preparing ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE, m);
            }
            case COMPLETE_COMMIT, COMPLETE_ABORT, EMPTY -> {
                if (m.state() == done && !tv2) return end(Errors.NONE, m); // a retry of a completed EndTxn (TV1)
                if (tv2 && !commit) {
                    // TV2 producers may abort a transaction the coordinator never saw start: bump, nothing to mark.
                    TransactionMetadata next = m.toPrepare(false, bump(m.producerEpoch()), now);
                    return new CoordinatorResult<>(List.of(TransactionLogRecords.record(next)),
                            new EndResult(Errors.NONE, next.producerId(), next.producerEpoch(), next));
                }
                return end(Errors.INVALID_TXN_STATE, m);
            }
            default -> {
                return end(Errors.INVALID_TXN_STATE, m);
            }
        }
    }

    private static CoordinatorResult<EndResult> end(Errors e, TransactionMetadata m) {
        return CoordinatorResult.of(new EndResult(e, m == null ? -1 : m.producerId(), m == null ? -1 : m.producerEpoch(), null));
    }

    /**
     * Every marker of the prepared transaction is written: COMPLETE_x. Ignored (nothing written) if the transaction
     * moved on meanwhile (another coordinator completed it, or the id was re-initialised).
     */
    public CoordinatorResult<Boolean> complete(String transactionalId, long producerId, short epoch, boolean commit) {
        TransactionMetadata m = txns.get(transactionalId);
        TransactionState expected = commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
        if (m == null || m.producerId() != producerId || m.producerEpoch() != epoch || m.state() != expected) {
            return CoordinatorResult.of(false);
        }
        return new CoordinatorResult<>(List.of(TransactionLogRecords.record(m.toComplete(clock.getAsLong()))), true);
    }

    // ------------------------------------------------------------------------------------------------ timeouts

    /** Aborts one timed-out transaction with the epoch bumped (run as a write operation by the coordinator). */
    public CoordinatorResult<TransactionMetadata> abortIfTimedOut(String transactionalId) {
        TransactionMetadata m = txns.get(transactionalId);
        long now = clock.getAsLong();
        if (m == null || m.state() != TransactionState.ONGOING || m.startMs() + m.timeoutMs() > now) return CoordinatorResult.of(null);
        TransactionMetadata next = m.toEpochFence().toPrepare(false, bump(m.producerEpoch()), now);
        log.info("{}: transaction of producer {} epoch {} timed out after {} ms, aborting", transactionalId,
                m.producerId(), m.producerEpoch(), now - m.startMs());
        return new CoordinatorResult<>(List.of(TransactionLogRecords.record(next)), next);
    }

    private List<CoordinatorRecord> abortTimedOut() {
        long now = clock.getAsLong();
        List<String> expired = new ArrayList<>();
        for (TransactionMetadata m : txns.values()) {
            if (m.state() == TransactionState.ONGOING && m.startMs() + m.timeoutMs() <= now) expired.add(m.transactionalId());
        }
        if (!expired.isEmpty()) listener.abortTimedOut(partition, expired);
        timer.schedule(ABORT_TIMER, settings.abortCheckIntervalMs(), this::abortTimedOut);
        return List.of();
    }

    private List<CoordinatorRecord> expireIds() {
        long now = clock.getAsLong();
        List<CoordinatorRecord> out = new ArrayList<>();
        for (TransactionMetadata m : txns.values()) {
            if (m.state().isComplete() && m.lastUpdateMs() + settings.idExpirationMs() <= now) {
                out.add(TransactionLogRecords.record(m.toDead(now)));
            }
        }
        if (!out.isEmpty()) log.info("{}-{}: {} transactional ids expired", TransactionLogRecords.TOPIC, partition, out.size());
        timer.schedule(EXPIRE_TIMER, settings.expireCheckIntervalMs(), this::expireIds);
        return out;
    }

    // ------------------------------------------------------------------------------------------------ describe / list

    public record Listing(String transactionalId, long producerId, String state) {
    }

    /**
     * ListTransactions: ids in one of {@code states} (all if empty), with one of {@code producerIds} (all if empty),
     * running longer than {@code minDurationMs} (all if negative), matching {@code pattern} (all if null).
     */
    public List<Listing> list(Set<TransactionState> states, Set<Long> producerIds, long minDurationMs, Pattern pattern) {
        long now = clock.getAsLong();
        List<Listing> out = new ArrayList<>();
        for (TransactionMetadata m : txns.values()) {
            if (!states.isEmpty() && !states.contains(m.state())) continue;
            if (!producerIds.isEmpty() && !producerIds.contains(m.producerId())) continue;
            if (minDurationMs >= 0 && (m.startMs() < 0 || now - m.startMs() <= minDurationMs)) continue;
            if (pattern != null && !pattern.matcher(m.transactionalId()).matches()) continue;
            out.add(new Listing(m.transactionalId(), m.producerId(), m.state().kafkaName()));
        }
        return out;
    }
}
