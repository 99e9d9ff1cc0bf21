package io.fjord.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.broker.coordinator.CoordinatorResult;
import io.fjord.broker.coordinator.CoordinatorRuntime;
import io.fjord.broker.coordinator.InMemoryCoordinatorLog;
import io.fjord.protocol.api.Errors;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * TxnOffsetCommit through the group shard: offsets wait per producer until the marker completes them, survive a
 * reload from the log in either state, and are refused for members of another generation.
 */
class TransactionalOffsetsTest {
    final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    final InMemoryCoordinatorLog log = new InMemoryCoordinatorLog(true);
    CoordinatorRuntime<GroupCoordinatorShard> runtime = newRuntime();

    CoordinatorRuntime<GroupCoordinatorShard> newRuntime() {
        GroupCoordinatorShard.Settings settings = new GroupCoordinatorShard.Settings(0, 1000, 60_000, 100, 100, 3600_000L, 60_000);
        return new CoordinatorRuntime<>("groups", (p, timer) -> new GroupCoordinatorShard(p, timer, now::get, settings,
                (topic, partition) -> topic.equals("t") && partition < 4), log, Runnable::run, now::get, false);
    }

    void lead(int epoch) {
        log.lead(0, epoch);
        runtime.scheduleLoad(0, epoch);
        assertThat(runtime.state(0)).isEqualTo(CoordinatorRuntime.ShardState.ACTIVE);
    }

    <T> T write(Function<GroupCoordinatorShard, CoordinatorResult<T>> op) {
        return runtime.scheduleWriteOperation("op", 0, op).join();
    }

    Long committed(String group, int partition) {
        GroupCoordinatorShard.FetchedOffset o = runtime.scheduleReadOperation("f", 0,
                s -> s.fetchOffsets(group, Map.of("t", List.of(partition)))).join().get("t").get(partition);
        return o.offset() < 0 ? null : o.offset();
    }

    GroupCoordinatorShard.CommitResult txnCommit(long pid, short epoch, int partition, long offset) {
        return write(s -> s.txnCommit("g", pid, epoch, -1, "", null,
                List.of(new GroupCoordinatorShard.OffsetCommit("t", partition, offset, -1, "meta"))));
    }

    @Test
    void offsetsWaitForTheMarkerAndSurviveReloads() {
        lead(1);
        assertThat(txnCommit(7, (short) 0, 0, 100).partitions().values()).containsOnly(Errors.NONE);
        assertThat(txnCommit(8, (short) 0, 1, 200).partitions().values()).containsOnly(Errors.NONE);
        assertThat(committed("g", 0)).isNull();
        assertThat(runtime.scheduleReadOperation("p", 0, s -> s.pendingTransactionalOffsets("g")).join())
                .containsExactlyInAnyOrder(new OffsetKey("t", 0), new OffsetKey("t", 1));

        // A new leader of the partition replays the pending offsets.
        runtime.scheduleUnload(0, 1);
        runtime = newRuntime();
        lead(2);
        assertThat(committed("g", 0)).isNull();
        write(s -> s.completeTransaction(7, (short) 0, true));
        write(s -> s.completeTransaction(8, (short) 0, false));
        assertThat(committed("g", 0)).isEqualTo(100L);
        assertThat(committed("g", 1)).isNull();
        assertThat(runtime.scheduleReadOperation("p", 0, s -> s.pendingTransactionalOffsets("g")).join()).isEmpty();
        // A retried marker finds nothing left to do.
        int before = log.records(0).size();
        write(s -> s.completeTransaction(7, (short) 0, true));
        assertThat(log.records(0)).hasSize(before);

        runtime.scheduleUnload(0, 2);
        runtime = newRuntime();
        lead(3);
        assertThat(committed("g", 0)).isEqualTo(100L);
        assertThat(committed("g", 1)).isNull();
        assertThat(runtime.scheduleReadOperation("p", 0, s -> s.pendingTransactionalOffsets("g")).join()).isEmpty();
    }

    @Test
    void aMarkerOfAnOlderEpochLeavesANewerTransactionsOffsets() {
        lead(1);
        txnCommit(7, (short) 3, 0, 100);
        write(s -> s.completeTransaction(7, (short) 2, false)); // a late abort of the previous transaction
        assertThat(runtime.scheduleReadOperation("p", 0, s -> s.pendingTransactionalOffsets("g")).join()).hasSize(1);
        write(s -> s.completeTransaction(7, (short) 3, true));
        assertThat(committed("g", 0)).isEqualTo(100L);
    }

    @Test
    void membersOfAnotherGenerationAreRefused() {
        lead(1);
        // No such member in the (absent) group: a consumer of another generation.
        assertThat(write(s -> s.txnCommit("g", 7, (short) 0, 3, "m-1", null,
                List.of(new GroupCoordinatorShard.OffsetCommit("t", 0, 1, -1, null)))).groupError()).isEqualTo(Errors.ILLEGAL_GENERATION);
        txnCommit(7, (short) 0, 0, 5); // creates nothing yet: the group has no members
        write(s -> s.completeTransaction(7, (short) 0, true));
        assertThat(write(s -> s.txnCommit("g", 7, (short) 0, 3, "m-1", null,
                List.of(new GroupCoordinatorShard.OffsetCommit("t", 0, 1, -1, null)))).groupError()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(write(s -> s.txnCommit("g", 7, (short) 0, -1, "", null,
                List.of(new GroupCoordinatorShard.OffsetCommit("nope", 0, 1, -1, null)))).partitions().values())
                .containsOnly(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(write(s -> s.txnCommit("", 7, (short) 0, -1, "", null, List.of())).groupError()).isEqualTo(Errors.INVALID_GROUP_ID);
    }
}
