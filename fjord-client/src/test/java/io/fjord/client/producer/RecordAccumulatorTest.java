package io.fjord.client.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static org.awaitility.Awaitility.await;

import io.fjord.client.common.Cluster;
import io.fjord.client.common.ExponentialBackoff;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.errors.TimeoutException;
import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.RecordBatchReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RecordAccumulatorTest {
    private static final ExponentialBackoff FIXED_100MS = new ExponentialBackoff(100, 100, 0, new Random(0));
    private final AtomicLong now = new AtomicLong(1_000);
    private final TopicPartition tp = new TopicPartition("t", 0);
    private final Cluster cluster = PartitionerTest.cluster("t", 1);

    private RecordAccumulator acc(int batchSize, long linger, long memory) {
        return new RecordAccumulator(batchSize, linger, FIXED_100MS, 120_000, CompressionType.NONE, new BufferPool(memory), now::get);
    }

    private RecordAccumulator.AppendResult append(RecordAccumulator a, int valueSize, long maxBlock) throws Exception {
        return a.append(tp, now.get(), null, new byte[valueSize], List.of(), (m, e) -> { }, maxBlock);
    }

    @Test
    void batchesBySize() throws Exception {
        RecordAccumulator a = acc(1024, 60_000, 1 << 20);
        int records = 0;
        RecordAccumulator.AppendResult r;
        do {
            r = append(a, 100, 0);
            records++;
        } while (!r.batchIsFull());
        assertThat(records).isBetween(7, 9);
        assertThat(a.ready(cluster, now.get()).readyNodes()).containsExactly(0); // full: ready before linger
        Map<Integer, List<ProducerBatch>> drained = a.drain(cluster, Set.of(0), 1 << 20, now.get());
        ProducerBatch b = drained.get(0).get(0);
        assertThat(b.recordCount()).isGreaterThanOrEqualTo(records - 1);
        assertThat(RecordBatchReader.readAll(b.records())).hasSize(b.recordCount());
    }

    @Test
    void batchesByLinger() throws Exception {
        RecordAccumulator a = acc(16384, 50, 1 << 20);
        append(a, 10, 0);
        RecordAccumulator.ReadyCheck check = a.ready(cluster, now.get());
        assertThat(check.readyNodes()).isEmpty();
        assertThat(check.nextReadyCheckDelayMs()).isEqualTo(50);
        now.addAndGet(49);
        assertThat(a.ready(cluster, now.get()).readyNodes()).isEmpty();
        now.addAndGet(1);
        assertThat(a.ready(cluster, now.get()).readyNodes()).containsExactly(0);
    }

    @Test
    void blocksThenTimesOutWhenBufferPoolIsFull() throws Exception {
        RecordAccumulator a = acc(1024, 0, 2048);
        append(a, 900, 0);
        a.drain(cluster, Set.of(0), 1 << 20, now.get()); // closes the first batch
        append(a, 900, 0); // second batch: pool now empty
        assertThatThrownBy(() -> append(a, 900, 200)).isInstanceOf(TimeoutException.class)
                .hasMessageContaining("Failed to allocate").hasMessageContaining("200 ms");
        assertThat(a.ready(cluster, now.get()).readyNodes()).containsExactly(0); // the waiter is gone, memory still held
    }

    @Test
    void blockedAppendProceedsWhenMemoryIsFreed() throws Exception {
        BufferPool pool = new BufferPool(1024);
        RecordAccumulator a = new RecordAccumulator(1024, 0, FIXED_100MS, 120_000, CompressionType.NONE, pool, now::get);
        append(a, 900, 0);
        ProducerBatch first = a.drain(cluster, Set.of(0), 1 << 20, now.get()).get(0).get(0);
        CompletableFuture<RecordAccumulator.AppendResult> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return append(a, 900, 60_000);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        // Free the memory only once the append is really waiting for it (the pool reports a waiter).
        await().atMost(Duration.ofSeconds(30)).until(pool::isExhausted);
        assertThat(blocked).isNotDone();
        a.complete(first, 0, -1, null);
        assertThat(blocked.get(30, TimeUnit.SECONDS).newBatchCreated()).isTrue();
    }

    @Test
    void expiresBatchesAfterDeliveryTimeout() throws Exception {
        RecordAccumulator a = new RecordAccumulator(1024, 0, FIXED_100MS, 1000, CompressionType.NONE, new BufferPool(1 << 20), now::get);
        append(a, 10, 0);
        assertThat(a.expiredBatches(now.get() + 999)).isEmpty();
        assertThat(a.expiredBatches(now.get() + 1000)).hasSize(1);
    }

    @Test
    void retriesWaitLongerAfterEachFailureUpToTheMaximum() throws Exception {
        RecordAccumulator a = new RecordAccumulator(1024, 0, new ExponentialBackoff(100, 300, 0, new Random(0)), 120_000,
                CompressionType.NONE, new BufferPool(1 << 20), now::get);
        append(a, 10, 0);
        long[] expectedWaits = {100, 200, 300, 300};
        for (int attempt = 1; attempt <= expectedWaits.length; attempt++) {
            ProducerBatch b = a.drain(cluster, Set.of(0), 1 << 20, now.get()).get(0).get(0);
            b.attempts = attempt; // the sender counts one attempt per send
            a.reenqueue(b, now.get());
            RecordAccumulator.ReadyCheck check = a.ready(cluster, now.get());
            assertThat(check.readyNodes()).isEmpty();
            assertThat(check.nextReadyCheckDelayMs()).isEqualTo(expectedWaits[attempt - 1]);
            now.addAndGet(expectedWaits[attempt - 1] - 1);
            assertThat(a.ready(cluster, now.get()).readyNodes()).isEmpty();
            now.addAndGet(1);
            assertThat(a.ready(cluster, now.get()).readyNodes()).containsExactly(0);
        }
    }
}
