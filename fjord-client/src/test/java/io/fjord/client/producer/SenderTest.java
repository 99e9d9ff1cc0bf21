package io.fjord.client.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.client.common.Cluster;
import io.fjord.client.common.ExponentialBackoff;
import io.fjord.client.common.TopicPartition;
import io.fjord.protocol.api.InitProducerIdApi;
import io.fjord.protocol.api.ProduceApi;
import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.protocol.types.MemoryRecords;
import io.fjord.protocol.types.Struct;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import io.fjord.client.testing.ManualTime;
import org.junit.jupiter.api.Test;

class SenderTest {
    private Cluster cluster = PartitionerTest.cluster("t", 3);
    private final FakeNetwork net = new FakeNetwork();
    private static final ExponentialBackoff NO_BACKOFF = new ExponentialBackoff(0, 0, 0, new java.util.Random(0));
    /** The clock never moves by itself: every timer in these tests is driven by the test. */
    private final ManualTime time = new ManualTime(1_000_000);
    private final RecordAccumulator acc = new RecordAccumulator(16384, 0, NO_BACKOFF, 120_000, CompressionType.NONE,
            new BufferPool(1 << 24), time::milliseconds);

    private Sender sender(int maxInFlight, IdempotenceManager idem) {
        return new Sender(acc, net, new Sender.MetadataView() {
            @Override
            public Cluster cluster() {
                return cluster;
            }

            @Override
            public void requestUpdate() {
            }

            @Override
            public void addTopic(String topic) {
            }

            @Override
            public Integer anyNode() {
                return 0;
            }
        }, (short) -1, Integer.MAX_VALUE, maxInFlight, 1 << 20, 30_000, NO_BACKOFF, 120_000, idem, time);
    }

    private CompletableFuture<?> append(int partition, List<String> callbacks) throws Exception {
        return acc.append(new TopicPartition("t", partition), time.milliseconds(), null, "v".getBytes(), List.of(),
                (md, ex) -> callbacks.add(ex == null ? "ok" : ex.getClass().getSimpleName()), 1000).future();
    }

    private static Struct produceResponse(int partition, int error, long baseOffset) {
        Struct r = ProduceApi.SPEC.newResponse();
        Struct t = r.child("Responses").set("Name", "t");
        t.add("PartitionResponses", t.child("PartitionResponses").set("Index", partition).set("ErrorCode", (short) error)
                .set("BaseOffset", baseOffset));
        r.add("Responses", t);
        return r;
    }

    private static ByteBuffer batchOf(FakeNetwork.Sent s) {
        Struct p = s.body().getStructs("TopicData").get(0).getStructs("PartitionData").get(0);
        return ((MemoryRecords) p.getRecords("Records")).buffer();
    }

    @Test
    void respectsMaxInFlightPerConnection() throws Exception {
        Sender s = sender(2, null);
        List<String> cbs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            append(0, cbs);
            s.runOnce(time.milliseconds());
        }
        assertThat(net.of(ProduceApi.SPEC)).hasSize(2);
        net.of(ProduceApi.SPEC).get(0).answer(produceResponse(0, 0, 0));
        s.runOnce(time.milliseconds());
        s.runOnce(time.milliseconds());
        assertThat(net.of(ProduceApi.SPEC)).hasSize(3);
        assertThat(s.maxObservedInFlight()).isEqualTo(2);
        assertThat(cbs).containsExactly("ok");
    }

    @Test
    void retriesRetriableErrorsAndCompletesEachRecordOnce() throws Exception {
        Sender s = sender(5, null);
        List<String> cbs = new ArrayList<>();
        append(1, cbs);
        s.runOnce(time.milliseconds());
        net.of(ProduceApi.SPEC).get(0).answer(produceResponse(1, 6, -1)); // NOT_LEADER_OR_FOLLOWER
        s.runOnce(time.milliseconds());
        s.runOnce(time.milliseconds());
        assertThat(net.of(ProduceApi.SPEC)).hasSize(2);
        net.of(ProduceApi.SPEC).get(1).answer(produceResponse(1, 0, 7));
        s.runOnce(time.milliseconds());
        assertThat(cbs).containsExactly("ok");
        // A fatal error is not retried.
        append(1, cbs);
        s.runOnce(time.milliseconds());
        net.of(ProduceApi.SPEC).get(2).answer(produceResponse(1, 87, -1)); // INVALID_RECORD
        s.runOnce(time.milliseconds());
        assertThat(cbs).containsExactly("ok", "ApiException");
    }

    @Test
    void idempotentProducerNumbersBatchesAndBumpsEpochAfterAGap() throws Exception {
        IdempotenceManager idem = new IdempotenceManager();
        Sender s = sender(5, idem);
        List<String> cbs = new ArrayList<>();
        append(0, cbs);
        s.runOnce(time.milliseconds());
        assertThat(net.of(InitProducerIdApi.SPEC)).hasSize(1);
        net.of(InitProducerIdApi.SPEC).get(0).answer(InitProducerIdApi.SPEC.newResponse().set("ProducerId", 42L)
                .set("ProducerEpoch", (short) 0));
        s.runOnce(time.milliseconds());
        s.runOnce(time.milliseconds());
        List<FakeNetwork.Sent> produce = net.of(ProduceApi.SPEC);
        assertThat(produce).hasSize(1);
        ByteBuffer b0 = batchOf(produce.get(0));
        assertThat(RecordBatch.producerId(b0, 0)).isEqualTo(42L);
        assertThat(RecordBatch.baseSequence(b0, 0)).isEqualTo(0);

        // Several batches of a partition may be in flight: the next one goes out at once, with the next sequence.
        append(0, cbs);
        append(0, cbs);
        s.runOnce(time.milliseconds());
        produce = net.of(ProduceApi.SPEC);
        assertThat(produce).hasSize(2);
        assertThat(RecordBatch.baseSequence(batchOf(produce.get(1)), 0)).isEqualTo(1);
        assertThat(RecordBatch.recordsCount(batchOf(produce.get(1)), 0)).isEqualTo(2);
        produce.get(0).answer(produceResponse(0, 0, 0));
        s.runOnce(time.milliseconds());

        // The broker lost our sequence for the oldest unacknowledged batch: a real gap, so a new epoch
        // (KIP-360: InitProducerId with the current id and epoch) and the batch again from sequence 0.
        produce.get(1).answer(produceResponse(0, 45, -1)); // OUT_OF_ORDER_SEQUENCE_NUMBER
        s.runOnce(time.milliseconds());
        s.runOnce(time.milliseconds());
        List<FakeNetwork.Sent> inits = net.of(InitProducerIdApi.SPEC);
        assertThat(inits).hasSize(2);
        assertThat(inits.get(1).body().getLong("ProducerId")).isEqualTo(42L);
        assertThat(inits.get(1).body().getShort("ProducerEpoch")).isEqualTo((short) 0);
        inits.get(1).answer(InitProducerIdApi.SPEC.newResponse().set("ProducerId", 42L).set("ProducerEpoch", (short) 1));
        s.runOnce(time.milliseconds());
        s.runOnce(time.milliseconds());
        produce = net.of(ProduceApi.SPEC);
        assertThat(produce).hasSize(3);
        ByteBuffer retried = batchOf(produce.get(2));
        assertThat(RecordBatch.producerEpoch(retried, 0)).isEqualTo((short) 1);
        assertThat(RecordBatch.baseSequence(retried, 0)).isEqualTo(0);
        produce.get(2).answer(produceResponse(0, 0, 1));
        s.runOnce(time.milliseconds());
        assertThat(cbs).containsExactly("ok", "ok", "ok");
    }

    /**
     * Five batches of one partition in flight; the first fails with a retriable error, so the broker answers the
     * four behind it with OUT_OF_ORDER_SEQUENCE_NUMBER. No epoch bump: all five go out again with their sequences,
     * one at a time, in order.
     */
    @Test
    void failedBatchAndTheOutOfOrderOnesBehindItAreRetriedInOrderOneAtATime() throws Exception {
        IdempotenceManager idem = new IdempotenceManager();
        idem.setProducerIdAndEpoch(9, (short) 0);
        Sender s = sender(5, idem);
        List<String> cbs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            append(0, cbs);
            s.runOnce(time.milliseconds());
        }
        List<FakeNetwork.Sent> produce = net.of(ProduceApi.SPEC);
        assertThat(produce).hasSize(5);
        assertThat(s.maxObservedInFlight()).isEqualTo(5);
        for (int i = 0; i < 5; i++) assertThat(RecordBatch.baseSequence(batchOf(produce.get(i)), 0)).isEqualTo(i);
        produce.get(0).answer(produceResponse(0, 6, -1)); // NOT_LEADER_OR_FOLLOWER
        for (int i = 1; i < 5; i++) produce.get(i).answer(produceResponse(0, 45, -1));
        List<Integer> resent = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            s.runOnce(time.milliseconds());
            s.runOnce(time.milliseconds());
            List<FakeNetwork.Sent> now = net.of(ProduceApi.SPEC);
            // The last retry may be followed at once by the batch that was waiting behind the retries.
            assertThat(now.size() - produce.size()).as("retries go out one at a time").isEqualTo(round < 4 ? 1 : 2);
            for (FakeNetwork.Sent next : now.subList(produce.size(), now.size())) {
                resent.add(RecordBatch.baseSequence(batchOf(next), 0));
                next.answer(produceResponse(0, 0, round));
            }
            produce = now;
        }
        assertThat(resent).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(net.of(InitProducerIdApi.SPEC)).isEmpty();
        s.runOnce(time.milliseconds());
        assertThat(cbs).containsExactly("ok", "ok", "ok", "ok", "ok", "ok");
    }

    @Test
    void duplicateSequenceCountsAsSuccess() throws Exception {
        IdempotenceManager idem = new IdempotenceManager();
        idem.setProducerIdAndEpoch(7, (short) 3);
        Sender s = sender(5, idem);
        List<String> cbs = new ArrayList<>();
        append(2, cbs);
        s.runOnce(time.milliseconds());
        net.of(ProduceApi.SPEC).get(0).answer(produceResponse(2, 46, -1));
        s.runOnce(time.milliseconds());
        assertThat(cbs).containsExactly("ok");
        AtomicInteger unused = new AtomicInteger();
        assertThat(unused.get()).isZero();
    }

    @Test
    void producesByTopicIdAtV13WhenMetadataKnowsTheIds() throws Exception {
        java.util.UUID id = new java.util.UUID(5, 6);
        cluster = new Cluster("c", 0, cluster.nodes(), cluster.partitionsForTopic("t"), java.util.Map.of("t", id));
        Sender s = sender(5, null);
        List<String> cbs = new ArrayList<>();
        append(1, cbs);
        s.runOnce(time.milliseconds());
        FakeNetwork.Sent sent = net.of(ProduceApi.SPEC).get(0);
        assertThat(sent.version()).isEqualTo((short) 13);
        assertThat(sent.body().getStructs("TopicData").get(0).getUuid("TopicId")).isEqualTo(id);
        Struct r = ProduceApi.SPEC.newResponse();
        Struct stranger = r.child("Responses").set("TopicId", new java.util.UUID(9, 9)); // not ours: ignored
        stranger.add("PartitionResponses", stranger.child("PartitionResponses").set("Index", 1).set("ErrorCode", (short) 0));
        Struct t = r.child("Responses").set("TopicId", id);
        t.add("PartitionResponses", t.child("PartitionResponses").set("Index", 1).set("ErrorCode", (short) 0).set("BaseOffset", 42L));
        r.add("Responses", stranger).add("Responses", t);
        sent.answer(r);
        s.runOnce(time.milliseconds());
        assertThat(cbs).containsExactly("ok");
    }

    @Test
    void producesByNameAtV12WithoutIds() throws Exception {
        Sender s = sender(5, null);
        append(0, new ArrayList<>());
        s.runOnce(time.milliseconds());
        assertThat(net.of(ProduceApi.SPEC).get(0).version()).isEqualTo((short) 12);
    }
}
