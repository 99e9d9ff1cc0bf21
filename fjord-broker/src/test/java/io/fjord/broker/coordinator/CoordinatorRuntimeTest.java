package io.fjord.broker.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.protocol.api.Errors;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The runtime's life cycle, write path and timers, driven step by step (manual executor, manual clock). */
class CoordinatorRuntimeTest {
    /** A shard whose state is the sum of the numbers in its records; it remembers what it was told. */
    static final class SumShard implements CoordinatorShard {
        final CoordinatorTimer timer;
        long sum;
        int replayed;
        boolean unloaded;
        final List<String> events = new ArrayList<>();

        SumShard(CoordinatorTimer timer) {
            this.timer = timer;
        }

        static CoordinatorRecord record(long n) {
            return new CoordinatorRecord("sum".getBytes(StandardCharsets.UTF_8), Long.toString(n).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void replay(CoordinatorRecord r) {
            sum += Long.parseLong(new String(r.value(), StandardCharsets.UTF_8));
            replayed++;
        }

        @Override
        public void onUnloaded() {
            unloaded = true;
        }

        /** A pure handler: the record to write, and the sum it will make as the response. */
        CoordinatorResult<Long> add(long n) {
            events.add("add " + n);
            return new CoordinatorResult<>(List.of(record(n)), sum + n);
        }
    }

    final AtomicLong now = new AtomicLong(1_000);
    final ManualExecutor executor = new ManualExecutor();
    final InMemoryCoordinatorLog log = new InMemoryCoordinatorLog(false);
    final List<SumShard> shards = new ArrayList<>();
    final CoordinatorRuntime<SumShard> runtime = new CoordinatorRuntime<>("test", (p, timer) -> {
        SumShard s = new SumShard(timer);
        shards.add(s);
        return s;
    }, log, executor, now::get, false);

    private static Errors errorOf(CompletableFuture<?> f) {
        assertThat(f).isCompletedExceptionally();
        return CoordinatorException.errorOf(f.handle((v, e) -> e).join());
    }

    @Test
    void requestsAreRefusedUntilLoadedAndAfterUnloading() {
        assertThat(errorOf(runtime.scheduleReadOperation("read", 0, s -> s.sum))).isEqualTo(Errors.NOT_COORDINATOR);
        log.lead(0, 3);
        runtime.scheduleLoad(0, 3);
        assertThat(runtime.state(0)).isEqualTo(CoordinatorRuntime.ShardState.LOADING);
        CompletableFuture<Long> early = runtime.scheduleReadOperation("read", 0, s -> s.sum);
        CompletableFuture<Long> earlyWrite = runtime.scheduleWriteOperation("add", 0, s -> s.add(1));
        assertThat(errorOf(early)).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
        assertThat(errorOf(earlyWrite)).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
        executor.runAll();
        assertThat(runtime.state(0)).isEqualTo(CoordinatorRuntime.ShardState.ACTIVE);
        CompletableFuture<Long> loaded = runtime.scheduleReadOperation("read", 0, s -> s.sum);
        executor.runAll();
        assertThat(loaded).isCompletedWithValue(0L);
        assertThat(log.records(0)).isEmpty();

        runtime.scheduleUnload(0, 3);
        CompletableFuture<Long> late = runtime.scheduleReadOperation("read", 0, s -> s.sum);
        executor.runAll();
        assertThat(errorOf(late)).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(shards.get(0).unloaded).isTrue();
        assertThat(runtime.state(0)).isNull();
    }

    @Test
    void aLoadThatFailsLeavesTheShardRefusingRequests() {
        log.lead(0, 1);
        runtime.scheduleLoad(0, 1);
        log.resign(0); // leadership moved before the load ran
        executor.runAll();
        assertThat(runtime.state(0)).isEqualTo(CoordinatorRuntime.ShardState.FAILED);
        CompletableFuture<Long> f = runtime.scheduleReadOperation("read", 0, s -> s.sum);
        executor.runAll();
        assertThat(errorOf(f)).isEqualTo(Errors.NOT_COORDINATOR);
        // The next leadership loads afresh.
        log.lead(0, 2);
        runtime.scheduleLoad(0, 2);
        executor.runAll();
        assertThat(runtime.state(0)).isEqualTo(CoordinatorRuntime.ShardState.ACTIVE);
    }

    @Test
    void aWriteIsAnsweredOnlyOnceCommittedAndStateChangesByReplay() {
        log.lead(0, 1);
        runtime.scheduleLoad(0, 1);
        executor.runAll();
        CompletableFuture<Long> w = runtime.scheduleWriteOperation("add", 0, s -> s.add(5));
        executor.runAll();
        SumShard shard = shards.get(0);
        assertThat(shard.sum).isEqualTo(5); // replayed after the append
        assertThat(log.records(0)).hasSize(1);
        assertThat(w).isNotDone(); // not yet replicated
        log.commitAll(0);
        assertThat(w).isCompletedWithValue(5L);
    }

    @Test
    void aWriteThatCannotBeAppendedChangesNothing() {
        log.lead(0, 1);
        runtime.scheduleLoad(0, 1);
        executor.runAll();
        log.resign(0); // the metadata has not told the runtime yet
        CompletableFuture<Long> w = runtime.scheduleWriteOperation("add", 0, s -> s.add(5));
        executor.runAll();
        assertThat(errorOf(w)).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(shards.get(0).sum).isZero();
        assertThat(log.records(0)).isEmpty();
    }

    @Test
    void aWriteWaitingForReplicationFailsWhenLeadershipMoves() {
        log.lead(0, 1);
        runtime.scheduleLoad(0, 1);
        executor.runAll();
        CompletableFuture<Long> w = runtime.scheduleWriteOperation("add", 0, s -> s.add(5));
        executor.runAll();
        log.resign(0);
        assertThat(errorOf(w)).isEqualTo(Errors.NOT_COORDINATOR);
    }

    @Test
    void loadingReplaysTheLogAndANewerEpochReplacesTheShard() {
        log.lead(0, 1);
        runtime.scheduleLoad(0, 1);
        executor.runAll();
        for (int i = 1; i <= 4; i++) runtime.scheduleWriteOperation("add", 0, s -> s.add(10));
        executor.runAll();
        log.commitAll(0);
        // Same broker leads again at a newer epoch (e.g. after an election): a fresh shard is loaded from the log.
        log.lead(0, 2);
        runtime.scheduleLoad(0, 2);
        runtime.scheduleLoad(0, 2); // told twice: loads once
        executor.runAll();
        assertThat(shards).hasSize(2);
        assertThat(shards.get(0).unloaded).isTrue();
        assertThat(shards.get(1).replayed).isEqualTo(4);
        CompletableFuture<Long> sum = runtime.scheduleReadOperation("read", 0, s -> s.sum);
        executor.runAll();
        assertThat(sum).isCompletedWithValue(40L);
        // An older epoch's resignation does not unload the newer shard.
        runtime.scheduleUnload(0, 1);
        assertThat(runtime.state(0)).isEqualTo(CoordinatorRuntime.ShardState.ACTIVE);
    }

    @Test
    void eachShardRunsItsEventsInOrderAndShardsAreIndependent() {
        log.lead(0, 1);
        log.lead(1, 1);
        runtime.scheduleLoad(0, 1);
        runtime.scheduleLoad(1, 1);
        executor.runAll();
        for (int i = 0; i < 5; i++) {
            long n = i;
            runtime.scheduleWriteOperation("add", 0, s -> s.add(n));
            runtime.scheduleWriteOperation("add", 1, s -> s.add(100 + n));
        }
        executor.runAll();
        assertThat(shards.get(0).events).containsExactly("add 0", "add 1", "add 2", "add 3", "add 4");
        assertThat(shards.get(1).events).containsExactly("add 100", "add 101", "add 102", "add 103", "add 104");
        runtime.scheduleUnload(1, 1);
        executor.runAll();
        CompletableFuture<Long> still = runtime.scheduleReadOperation("read", 0, s -> s.sum);
        executor.runAll();
        assertThat(still).isCompletedWithValue(10L);
        assertThat(runtime.activePartitions()).containsExactly(0);
    }

    @Test
    void timersFireOnTheClockOnceAndNotAfterCancelReplaceOrUnload() {
        log.lead(0, 1);
        runtime.scheduleLoad(0, 1);
        executor.runAll();
        List<String> fired = new ArrayList<>();
        runtime.scheduleWriteOperation("arm", 0, s -> {
            s.timer.schedule("a", 100, () -> {
                fired.add("a");
                return List.of(SumShard.record(7)); // a timer's records are written like an operation's
            });
            s.timer.schedule("b", 100, () -> {
                fired.add("b-old");
                return List.of();
            });
            s.timer.schedule("b", 200, () -> {
                fired.add("b");
                return List.of();
            });
            s.timer.schedule("c", 50, () -> {
                fired.add("c");
                return List.of();
            });
            s.timer.cancel("c");
            return CoordinatorResult.of(0L);
        });
        executor.runAll();
        now.addAndGet(99);
        runtime.fireDueTimers();
        executor.runAll();
        assertThat(fired).isEmpty();
        now.addAndGet(1);
        runtime.fireDueTimers();
        executor.runAll();
        assertThat(fired).containsExactly("a");
        assertThat(shards.get(0).sum).isEqualTo(7);
        assertThat(log.records(0)).hasSize(1);
        now.addAndGet(100);
        runtime.fireDueTimers();
        executor.runAll();
        assertThat(fired).containsExactly("a", "b");

        runtime.scheduleWriteOperation("arm", 0, s -> {
            s.timer.schedule("d", 10, () -> {
                fired.add("d");
                return List.of();
            });
            return CoordinatorResult.of(0L);
        });
        executor.runAll();
        runtime.scheduleUnload(0, 1);
        executor.runAll();
        now.addAndGet(1000);
        runtime.fireDueTimers();
        executor.runAll();
        assertThat(fired).containsExactly("a", "b");
    }

    @Test
    void illegalShardStateMovesAreRefused() {
        assertThat(CoordinatorRuntime.ShardState.ACTIVE.canMoveTo(CoordinatorRuntime.ShardState.FAILED)).isFalse();
        assertThat(CoordinatorRuntime.ShardState.CLOSED.canMoveTo(CoordinatorRuntime.ShardState.ACTIVE)).isFalse();
        assertThat(CoordinatorRuntime.ShardState.LOADING.canMoveTo(CoordinatorRuntime.ShardState.ACTIVE)).isTrue();
    }
}
