package io.fjord.client.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.client.common.Cluster;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.errors.TimeoutException;
import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.RecordBatchReader;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RecordAccumulatorTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final TopicPartition tp = new TopicPartition("t", 0);
    private final Cluster cluster = PartitionerTest.cluster("t", 1);

    private RecordAccumulator acc(int batchSize, long linger, long memory) {
        return new RecordAccumulator(batchSize, linger, 100, 120_000, CompressionType.NONE, new BufferPool(memory), now::get);
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
        long start = System.nanoTime();
        assertThatThrownBy(() -> append(a, 900, 200)).isInstanceOf(TimeoutException.class)
                .hasMessageContaining("Failed to allocate");
        assertThat((System.nanoTime() - start) / 1_000_000).isBetween(150L, 5_000L);
    }

    @Test
    void blockedAppendProceedsWhenMemoryIsFreed() throws Exception {
        RecordAccumulator a = acc(1024, 0, 1024);
        append(a, 900, 0);
        ProducerBatch first = a.drain(cluster, Set.of(0), 1 << 20, now.get()).get(0).get(0);
        Thread releaser = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException ignored) {
                // test
            }
            a.complete(first, 0, -1, null);
        });
        releaser.start();
        assertThat(append(a, 900, 10_000).newBatchCreated()).isTrue();
        releaser.join(10_000);
    }

    @Test
    void expiresBatchesAfterDeliveryTimeout() throws Exception {
        RecordAccumulator a = new RecordAccumulator(1024, 0, 100, 1000, CompressionType.NONE, new BufferPool(1 << 20), now::get);
        append(a, 10, 0);
        assertThat(a.expiredBatches(now.get() + 999)).isEmpty();
        assertThat(a.expiredBatches(now.get() + 1000)).hasSize(1);
    }
}
