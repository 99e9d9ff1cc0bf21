package io.fjord.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.broker.coordinator.CoordinatorRecord;
import io.fjord.broker.coordinator.CoordinatorResult;
import io.fjord.broker.coordinator.CoordinatorRuntime;
import io.fjord.broker.coordinator.InMemoryCoordinatorLog;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.protocol.api.Errors;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.coordinator.transaction.generated.TransactionLogKey;
import org.apache.kafka.coordinator.transaction.generated.TransactionLogValue;
import org.junit.jupiter.api.Test;

/**
 * The transaction coordinator shard on the runtime with a direct executor and a manual clock: the state table,
 * fencing, Kafka's errors, timeouts, transaction version 2 and fail-over resume — no sleeps.
 */
class TransactionCoordinatorShardTest {
    static final int MAX_TIMEOUT = 900_000;
    static final long ABORT_CHECK = 10_000;
    static final long EXPIRATION = 7 * 24 * 3600_000L;
    static final TopicPartition T0 = new TopicPartition("t", 0);
    static final TopicPartition T1 = new TopicPartition("t", 1);
    static final TopicPartition U0 = new TopicPartition("u", 0);

    final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    final AtomicLong nextPid = new AtomicLong(1000);
    final InMemoryCoordinatorLog log = new InMemoryCoordinatorLog(true);
    final List<TransactionMetadata> resumed = new ArrayList<>();
    final List<String> timedOut = new ArrayList<>();
    CoordinatorRuntime<TransactionCoordinatorShard> runtime = newRuntime();

    CoordinatorRuntime<TransactionCoordinatorShard> newRuntime() {
        TransactionCoordinatorShard.Settings settings = new TransactionCoordinatorShard.Settings(MAX_TIMEOUT, ABORT_CHECK,
                EXPIRATION, 3600_000L);
        TransactionCoordinatorShard.Listener listener = new TransactionCoordinatorShard.Listener() {
            @Override
            public void resumeMarkers(int partition, int coordinatorEpoch, TransactionMetadata prepared) {
                resumed.add(prepared);
            }

            @Override
            public void abortTimedOut(int partition, List<String> ids) {
                timedOut.addAll(ids);
            }
        };
        return new CoordinatorRuntime<>("txn", (p, timer) -> new TransactionCoordinatorShard(p, 7, timer, now::get, settings,
                nextPid::getAndIncrement, listener), log, Runnable::run, now::get, false);
    }

    void lead(int epoch) {
        log.lead(0, epoch);
        runtime.scheduleLoad(0, epoch);
        assertThat(runtime.state(0)).isEqualTo(CoordinatorRuntime.ShardState.ACTIVE);
    }

    <T> T write(Function<TransactionCoordinatorShard, CoordinatorResult<T>> op) {
        return runtime.scheduleWriteOperation("op", 0, op).join();
    }

    TransactionMetadata meta(String id) {
        return runtime.scheduleReadOperation("get", 0, s -> s.get(id)).join();
    }

    void advance(long ms) {
        now.addAndGet(ms);
        runtime.fireDueTimers();
    }

    TransactionCoordinatorShard.InitResult init(String id) {
        return write(s -> s.initProducerId(id, 60_000, -1, (short) -1));
    }

    Errors add(String id, long pid, short epoch, TopicPartition... tps) {
        return write(s -> s.addPartitions(id, pid, epoch, List.of(tps), false));
    }

    Errors addTv2(String id, long pid, short epoch, TopicPartition... tps) {
        return write(s -> s.addPartitions(id, pid, epoch, List.of(tps), true));
    }

    TransactionCoordinatorShard.EndResult end(String id, long pid, short epoch, boolean commit, boolean tv2) {
        return write(s -> s.endTxn(id, pid, epoch, commit, tv2));
    }

    boolean complete(TransactionMetadata prepared) {
        return write(s -> s.complete(prepared.transactionalId(), prepared.producerId(), prepared.producerEpoch(),
                prepared.state() == TransactionState.PREPARE_COMMIT));
    }

    // ------------------------------------------------------------------------------------------------ state table

    @Test
    void everyTransitionNotInTheTableIsRefused() {
        // Kafka's table, written out independently of TransactionState.validPrevious().
        java.util.Map<TransactionState, Set<TransactionState>> legal = new java.util.EnumMap<>(TransactionState.class);
        legal.put(TransactionState.EMPTY, EnumSet.of(TransactionState.EMPTY, TransactionState.COMPLETE_COMMIT, TransactionState.COMPLETE_ABORT));
        legal.put(TransactionState.ONGOING, EnumSet.of(TransactionState.ONGOING, TransactionState.EMPTY,
                TransactionState.COMPLETE_COMMIT, TransactionState.COMPLETE_ABORT));
        legal.put(TransactionState.PREPARE_COMMIT, EnumSet.of(TransactionState.ONGOING));
        legal.put(TransactionState.PREPARE_ABORT, EnumSet.of(TransactionState.ONGOING, TransactionState.PREPARE_EPOCH_FENCE,
                TransactionState.EMPTY, TransactionState.COMPLETE_COMMIT, TransactionState.COMPLETE_ABORT));
        legal.put(TransactionState.COMPLETE_COMMIT, EnumSet.of(TransactionState.PREPARE_COMMIT));
        legal.put(TransactionState.COMPLETE_ABORT, EnumSet.of(TransactionState.PREPARE_ABORT));
        legal.put(TransactionState.DEAD, EnumSet.of(TransactionState.EMPTY, TransactionState.COMPLETE_COMMIT, TransactionState.COMPLETE_ABORT));
        legal.put(TransactionState.PREPARE_EPOCH_FENCE, EnumSet.of(TransactionState.ONGOING));
        for (TransactionState from : TransactionState.values()) {
            TransactionMetadata m = new TransactionMetadata("x", 1, -1, -1, (short) 0, (short) -1, 1000, from, Set.of(T0), 0, 0, (short) 0);
            for (TransactionState to : TransactionState.values()) {
                Function<TransactionMetadata, TransactionMetadata> move = switch (to) {
                    case EMPTY -> x -> x.toEmpty(1, -1, (short) 1, 1000, 1);
                    case ONGOING -> x -> x.toOngoing(List.of(T1), 1, (short) 0);
                    case PREPARE_COMMIT -> x -> x.toPrepare(true, (short) 0, 1);
                    case PREPARE_ABORT -> x -> x.toPrepare(false, (short) 0, 1);
                    case COMPLETE_COMMIT, COMPLETE_ABORT -> x -> x.toComplete(1);
                    case DEAD -> x -> x.toDead(1);
                    case PREPARE_EPOCH_FENCE -> TransactionMetadata::toEpochFence;
                };
                if (to == TransactionState.COMPLETE_COMMIT && from == TransactionState.PREPARE_ABORT) continue; // toComplete picks its kind
                if (to == TransactionState.COMPLETE_ABORT && from == TransactionState.PREPARE_COMMIT) continue;
                String what = from + " -> " + to;
                if (legal.get(to).contains(from)) {
                    assertThat(move.apply(m).state()).as(what).isEqualTo(to);
                } else {
                    assertThatThrownBy(() -> move.apply(m)).as(what).isInstanceOf(IllegalStateException.class);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ InitProducerId

    @Test
    void initProducerIdKeepsTheIdAndBumpsTheEpoch() {
        lead(1);
        TransactionCoordinatorShard.InitResult a = init("tx");
        assertThat(a.error()).isEqualTo(Errors.NONE);
        assertThat(a.producerEpoch()).isEqualTo((short) 0);
        TransactionCoordinatorShard.InitResult b = init("tx");
        assertThat(b.producerId()).isEqualTo(a.producerId());
        assertThat(b.producerEpoch()).isEqualTo((short) 1);
        assertThat(init("other").producerId()).isNotEqualTo(a.producerId());
        assertThat(meta("tx").state()).isEqualTo(TransactionState.EMPTY);
    }

    @Test
    void badInitRequestsGetKafkasErrors() {
        lead(1);
        assertThat(write(s -> s.initProducerId("tx", MAX_TIMEOUT + 1, -1, (short) -1)).error()).isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
        assertThat(write(s -> s.initProducerId("tx", 0, -1, (short) -1)).error()).isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
        assertThat(write(s -> s.initProducerId("", 1000, -1, (short) -1)).error()).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(meta("tx")).isNull(); // nothing written for refused requests
        TransactionCoordinatorShard.InitResult a = init("tx");
        // KIP-360 re-initialisation with an id/epoch the coordinator does not hold: fenced.
        assertThat(write(s -> s.initProducerId("tx", 1000, a.producerId(), (short) 5)).error()).isEqualTo(Errors.PRODUCER_FENCED);
        TransactionCoordinatorShard.InitResult again = write(s -> s.initProducerId("tx", 1000, a.producerId(), a.producerEpoch()));
        assertThat(again.error()).isEqualTo(Errors.NONE);
        assertThat(again.producerEpoch()).isEqualTo((short) 1);
    }

    @Test
    void epochOverflowMovesToAFreshProducerId() {
        lead(1);
        TransactionCoordinatorShard.InitResult a = init("tx");
        // Bring the epoch to the edge through the log, as a long-lived id would.
        TransactionMetadata edge = new TransactionMetadata("tx", a.producerId(), -1, -1, (short) (Short.MAX_VALUE - 1), (short) -1,
                60_000, TransactionState.EMPTY, Set.of(), now.get(), -1, (short) 0);
        write(s -> new CoordinatorResult<>(List.of(TransactionLogRecords.record(edge)), null));
        TransactionCoordinatorShard.InitResult b = init("tx");
        assertThat(b.producerId()).isNotEqualTo(a.producerId());
        assertThat(b.producerEpoch()).isEqualTo((short) 0);
        assertThat(meta("tx").previousProducerId()).isEqualTo(a.producerId());
    }

    // ------------------------------------------------------------------------------------------------ a transaction

    @Test
    void commitRunsOngoingPrepareComplete() {
        lead(1);
        TransactionCoordinatorShard.InitResult p = init("tx");
        long pid = p.producerId();
        short e = p.producerEpoch();
        int before = log.records(0).size();
        assertThat(add("tx", pid, e, T0, U0)).isEqualTo(Errors.NONE);
        assertThat(meta("tx").state()).isEqualTo(TransactionState.ONGOING);
        long started = meta("tx").startMs();
        now.addAndGet(5);
        assertThat(add("tx", pid, e, T0)).isEqualTo(Errors.NONE);
        assertThat(log.records(0)).hasSize(before + 1); // already in the transaction: nothing written
        assertThat(add("tx", pid, e, T1)).isEqualTo(Errors.NONE);
        assertThat(meta("tx").partitions()).containsExactly(T0, T1, U0);
        assertThat(meta("tx").startMs()).isEqualTo(started);

        TransactionCoordinatorShard.EndResult r = end("tx", pid, e, true, false);
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.prepared().state()).isEqualTo(TransactionState.PREPARE_COMMIT);
        assertThat(r.prepared().partitions()).containsExactly(T0, T1, U0);
        // While the markers are written: everything else waits.
        assertThat(add("tx", pid, e, T0)).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(init("tx").error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(end("tx", pid, e, true, false).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(end("tx", pid, e, false, false).error()).isEqualTo(Errors.INVALID_TXN_STATE);

        assertThat(complete(r.prepared())).isTrue();
        assertThat(meta("tx").state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
        assertThat(meta("tx").partitions()).isEmpty();
        assertThat(complete(r.prepared())).isFalse(); // a second completion writes nothing
        assertThat(end("tx", pid, e, true, false).error()).isEqualTo(Errors.NONE); // a retried EndTxn
        assertThat(end("tx", pid, e, false, false).error()).isEqualTo(Errors.INVALID_TXN_STATE);
        // The next transaction of the same producer.
        assertThat(add("tx", pid, e, U0)).isEqualTo(Errors.NONE);
        assertThat(meta("tx").partitions()).containsExactly(U0);
    }

    @Test
    void badEndTxnAndAddPartitionsGetKafkasErrors() {
        lead(1);
        assertThat(end("nobody", 5, (short) 0, true, false).error()).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(add("nobody", 5, (short) 0, T0)).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        TransactionCoordinatorShard.InitResult p = init("tx");
        assertThat(end("tx", p.producerId(), p.producerEpoch(), true, false).error()).isEqualTo(Errors.INVALID_TXN_STATE); // EMPTY
        assertThat(end("tx", p.producerId() + 1, p.producerEpoch(), true, false).error()).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(add("tx", p.producerId() + 1, p.producerEpoch(), T0)).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(add("tx", p.producerId(), (short) (p.producerEpoch() + 3), T0)).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(add("", p.producerId(), p.producerEpoch(), T0)).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(meta("tx").state()).isEqualTo(TransactionState.EMPTY);
    }

    // ------------------------------------------------------------------------------------------------ fencing

    @Test
    void aNewProducerFencesTheOldOneAndAbortsItsTransaction() {
        lead(1);
        TransactionCoordinatorShard.InitResult a = init("tx");
        add("tx", a.producerId(), a.producerEpoch(), T0, T1);
        TransactionCoordinatorShard.InitResult b = init("tx");
        assertThat(b.error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(b.prepared().state()).isEqualTo(TransactionState.PREPARE_ABORT);
        assertThat(b.prepared().producerEpoch()).isEqualTo((short) (a.producerEpoch() + 1));
        assertThat(b.prepared().partitions()).containsExactly(T0, T1);
        // The zombie: its epoch is old.
        assertThat(add("tx", a.producerId(), a.producerEpoch(), T0)).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(end("tx", a.producerId(), a.producerEpoch(), true, false).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(init("tx").error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS); // until the abort completes
        assertThat(complete(b.prepared())).isTrue();
        assertThat(meta("tx").state()).isEqualTo(TransactionState.COMPLETE_ABORT);
        TransactionCoordinatorShard.InitResult retry = init("tx");
        assertThat(retry.error()).isEqualTo(Errors.NONE);
        assertThat(retry.producerId()).isEqualTo(a.producerId());
        assertThat(retry.producerEpoch()).isEqualTo((short) (a.producerEpoch() + 2));
        assertThat(end("tx", a.producerId(), (short) (a.producerEpoch() + 1), false, false).error()).isEqualTo(Errors.PRODUCER_FENCED);
    }

    // ------------------------------------------------------------------------------------------------ timeouts

    @Test
    void aTransactionOlderThanItsTimeoutIsAbortedWithTheEpochBumped() {
        lead(1);
        TransactionCoordinatorShard.InitResult p = write(s -> s.initProducerId("tx", 30_000, -1, (short) -1));
        add("tx", p.producerId(), p.producerEpoch(), T0);
        init("idle"); // EMPTY: never timed out
        advance(ABORT_CHECK);
        advance(ABORT_CHECK);
        assertThat(timedOut).isEmpty();
        advance(ABORT_CHECK); // 30 s since the start
        assertThat(timedOut).containsExactly("tx");
        TransactionMetadata aborted = write(s -> s.abortIfTimedOut("tx"));
        assertThat(aborted.state()).isEqualTo(TransactionState.PREPARE_ABORT);
        assertThat(aborted.producerEpoch()).isEqualTo((short) (p.producerEpoch() + 1));
        TransactionMetadata again = write(s -> s.abortIfTimedOut("tx"));
        assertThat(again).isNull(); // already aborting
        assertThat(complete(aborted)).isTrue();
        // The producer that timed out is fenced from now on.
        assertThat(add("tx", p.producerId(), p.producerEpoch(), T0)).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(end("tx", p.producerId(), p.producerEpoch(), true, false).error()).isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void unusedIdsExpire() {
        lead(1);
        init("tx");
        advance(EXPIRATION - 3600_000L);
        assertThat(meta("tx")).isNotNull();
        advance(3600_000L);
        advance(3600_000L);
        assertThat(meta("tx")).isNull();
        assertThat(log.records(0).get(log.records(0).size() - 1).value()).isNull(); // a tombstone, for compaction
    }

    // ------------------------------------------------------------------------------------------------ TV2

    @Test
    void transactionVersion2BumpsTheEpochOnEveryEndAndRefusesLateRequests() {
        lead(1);
        TransactionCoordinatorShard.InitResult p = init("tx");
        long pid = p.producerId();
        short e0 = p.producerEpoch();
        assertThat(addTv2("tx", pid, e0, T0)).isEqualTo(Errors.NONE); // from the leader
        assertThat(meta("tx").clientTransactionVersion()).isEqualTo((short) 2);
        TransactionCoordinatorShard.EndResult r = end("tx", pid, e0, true, true);
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.producerEpoch()).isEqualTo((short) (e0 + 1));
        assertThat(end("tx", pid, e0, true, true).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS); // retry while preparing
        complete(r.prepared());
        TransactionCoordinatorShard.EndResult retry = end("tx", pid, e0, true, true);
        assertThat(retry.error()).isEqualTo(Errors.NONE);
        assertThat(retry.producerEpoch()).isEqualTo((short) (e0 + 1));
        // The next transaction at the new epoch; a late write or EndTxn of the old one cannot join it.
        short e1 = (short) (e0 + 1);
        assertThat(addTv2("tx", pid, e1, T1)).isEqualTo(Errors.NONE);
        assertThat(addTv2("tx", pid, e0, T0)).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(end("tx", pid, e0, true, true).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(meta("tx").partitions()).containsExactly(T1);
        // TV2 may abort with nothing to mark: epoch bumped, no partitions.
        TransactionCoordinatorShard.EndResult ab = end("tx", pid, e1, false, true);
        complete(ab.prepared());
        TransactionCoordinatorShard.EndResult empty = end("tx", pid, (short) (e1 + 1), false, true);
        assertThat(empty.error()).isEqualTo(Errors.NONE);
        assertThat(empty.prepared().partitions()).isEmpty();
        assertThat(empty.producerEpoch()).isEqualTo((short) (e1 + 2));
    }

    @Test
    void verifyOnlyAnswersPerPartition() {
        lead(1);
        TransactionCoordinatorShard.InitResult p = init("tx");
        add("tx", p.producerId(), p.producerEpoch(), T0);
        var v = runtime.scheduleReadOperation("v", 0, s -> s.verifyPartitions("tx", p.producerId(), p.producerEpoch(), List.of(T0, T1))).join();
        assertThat(v).containsEntry(T0, Errors.NONE).containsEntry(T1, Errors.INVALID_TXN_STATE);
        var fenced = runtime.scheduleReadOperation("v", 0, s -> s.verifyPartitions("tx", p.producerId(), (short) 9, List.of(T0))).join();
        assertThat(fenced).containsEntry(T0, Errors.PRODUCER_FENCED);
    }

    // ------------------------------------------------------------------------------------------------ fail-over

    @Test
    void aNewCoordinatorResumesPendingCompletionsFromTheLog() {
        lead(1);
        TransactionCoordinatorShard.InitResult a = init("committing");
        add("committing", a.producerId(), a.producerEpoch(), T0, U0);
        end("committing", a.producerId(), a.producerEpoch(), true, false);
        TransactionCoordinatorShard.InitResult b = init("open");
        add("open", b.producerId(), b.producerEpoch(), T1);
        TransactionCoordinatorShard.InitResult c = init("done");
        add("done", c.producerId(), c.producerEpoch(), T1);
        complete(end("done", c.producerId(), c.producerEpoch(), false, false).prepared());
        assertThat(resumed).isEmpty();

        // This broker resigns; another (same log, newer epoch) loads the partition.
        runtime.scheduleUnload(0, 1);
        runtime = newRuntime();
        lead(2);
        assertThat(resumed).extracting(TransactionMetadata::transactionalId).containsExactly("committing");
        assertThat(resumed.get(0).state()).isEqualTo(TransactionState.PREPARE_COMMIT);
        assertThat(resumed.get(0).partitions()).containsExactly(T0, U0);
        assertThat(meta("open").state()).isEqualTo(TransactionState.ONGOING);
        assertThat(meta("open").producerId()).isEqualTo(b.producerId());
        assertThat(meta("done").state()).isEqualTo(TransactionState.COMPLETE_ABORT);
        assertThat(complete(resumed.get(0))).isTrue();
        assertThat(meta("committing").state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
    }

    // ------------------------------------------------------------------------------------------------ list

    @Test
    void listFiltersByStateProducerDurationAndPattern() {
        lead(1);
        TransactionCoordinatorShard.InitResult a = init("app-1");
        add("app-1", a.producerId(), a.producerEpoch(), T0);
        init("app-2");
        now.addAndGet(10_000);
        var all = runtime.scheduleReadOperation("l", 0, s -> s.list(Set.of(), Set.of(), -1, null)).join();
        assertThat(all).extracting(TransactionCoordinatorShard.Listing::transactionalId).containsExactlyInAnyOrder("app-1", "app-2");
        var ongoing = runtime.scheduleReadOperation("l", 0, s -> s.list(EnumSet.of(TransactionState.ONGOING), Set.of(), -1, null)).join();
        assertThat(ongoing).containsExactly(new TransactionCoordinatorShard.Listing("app-1", a.producerId(), "Ongoing"));
        assertThat(runtime.scheduleReadOperation("l", 0, s -> s.list(Set.of(), Set.of(a.producerId()), -1, null)).join()).hasSize(1);
        assertThat(runtime.scheduleReadOperation("l", 0, s -> s.list(Set.of(), Set.of(), 5_000, null)).join()).hasSize(1);
        assertThat(runtime.scheduleReadOperation("l", 0, s -> s.list(Set.of(), Set.of(), 20_000, null)).join()).isEmpty();
        assertThat(runtime.scheduleReadOperation("l", 0, s -> s.list(Set.of(), Set.of(), -1,
                java.util.regex.Pattern.compile(".*-2"))).join()).hasSize(1);
    }

    // ------------------------------------------------------------------------------------------------ layout

    @Test
    void recordsAreKafkasTransactionLogLayout() {
        TransactionMetadata m = new TransactionMetadata("tx-1", 4242, 17, -1, (short) 3, (short) -1, 60_000,
                TransactionState.PREPARE_COMMIT, Set.of(T0, T1, U0), 1234, 1000, (short) 2);
        CoordinatorRecord r = TransactionLogRecords.record(m);
        ByteBuffer k = ByteBuffer.wrap(r.key());
        short kv = k.getShort();
        TransactionLogKey key = new TransactionLogKey(new ByteBufferAccessor(k), kv);
        assertThat(kv).isEqualTo((short) 0);
        assertThat(key.transactionalId()).isEqualTo("tx-1");
        ByteBuffer v = ByteBuffer.wrap(r.value());
        short vv = v.getShort();
        TransactionLogValue value = new TransactionLogValue(new ByteBufferAccessor(v), vv);
        assertThat(value.producerId()).isEqualTo(4242);
        assertThat(value.previousProducerId()).isEqualTo(17);
        assertThat(value.producerEpoch()).isEqualTo((short) 3);
        assertThat(value.transactionTimeoutMs()).isEqualTo(60_000);
        assertThat(value.transactionStatus()).isEqualTo((byte) 2);
        assertThat(value.transactionLastUpdateTimestampMs()).isEqualTo(1234);
        assertThat(value.transactionStartTimestampMs()).isEqualTo(1000);
        assertThat(value.clientTransactionVersion()).isEqualTo((short) 2);
        assertThat(value.transactionPartitions()).extracting(TransactionLogValue.PartitionsSchema::topic).containsExactly("t", "u");
        assertThat(value.transactionPartitions().get(0).partitionIds()).containsExactly(0, 1);
        // And back: Kafka's bytes read as ours.
        org.apache.kafka.common.protocol.ObjectSerializationCache cache = new org.apache.kafka.common.protocol.ObjectSerializationCache();
        ByteBuffer theirs = ByteBuffer.allocate(2 + value.size(cache, (short) 1));
        theirs.putShort((short) 1);
        value.write(new ByteBufferAccessor(theirs), cache, (short) 1);
        assertThat(theirs.array()).isEqualTo(r.value());
        assertThat(TransactionLogRecords.decodeValue("tx-1", theirs.array())).isEqualTo(m);
    }
}
