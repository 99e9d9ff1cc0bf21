package io.fjord.client.consumer.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.client.common.Cluster;
import io.fjord.client.common.ExponentialBackoff;
import io.fjord.client.common.Node;
import io.fjord.client.common.PartitionInfo;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.ConsumerRecord;
import io.fjord.client.consumer.ConsumerRecords;
import io.fjord.client.errors.DisconnectException;
import io.fjord.client.errors.OffsetOutOfRangeException;
import io.fjord.client.serialization.StringDeserializer;
import io.fjord.client.testing.ManualTime;
import io.fjord.client.testing.RecordingNetwork;
import io.fjord.protocol.api.FetchApi;
import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.RecordBatchBuilder;
import io.fjord.protocol.types.MemoryRecords;
import io.fjord.protocol.types.Struct;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The fetcher against a recording network and a manual clock: requests, decoding, backoff, topic ids. */
class FetcherTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final UUID FIRST_ID = new UUID(1, 1);
    private static final UUID SECOND_ID = new UUID(2, 2);

    private final ManualTime time = new ManualTime(1_000_000);
    private final SubscriptionState subscriptions = new SubscriptionState();
    private final PollThreadQueue pollThread = new PollThreadQueue();
    private final AtomicInteger metadataRequests = new AtomicInteger();
    private Cluster cluster = cluster(FIRST_ID);

    private static Cluster cluster(UUID topicId) {
        return new Cluster("c", 0, List.of(new Node(0, "localhost", 9092)),
                List.of(new PartitionInfo("t", 0, 0, 0, List.of(0), List.of(0), List.of())),
                topicId == null ? Map.of() : Map.of("t", topicId));
    }

    private Fetcher<String, String> fetcher(RecordingNetwork network, OffsetResetPolicy reset, byte isolation) {
        return new Fetcher<>(new Fetcher.Settings(1, 500, 1 << 20, 1 << 20, 3, isolation, reset), network,
                new Fetcher.MetadataView() {
                    @Override
                    public Cluster cluster() {
                        return cluster;
                    }

                    @Override
                    public void requestUpdate() {
                        metadataRequests.incrementAndGet();
                    }
                }, subscriptions, pollThread, new StringDeserializer(), new StringDeserializer(), time,
                new ExponentialBackoff(100, 1000, 0, new Random(0)));
    }

    private static ByteBuffer batch(long baseOffset, String... values) {
        RecordBatchBuilder b = new RecordBatchBuilder(baseOffset, CompressionType.NONE);
        for (String v : values) b.append(0, null, v.getBytes(StandardCharsets.UTF_8));
        return b.build();
    }

    private static ByteBuffer concat(ByteBuffer... parts) {
        int n = 0;
        for (ByteBuffer p : parts) n += p.remaining();
        ByteBuffer out = ByteBuffer.allocate(n);
        for (ByteBuffer p : parts) out.put(p.duplicate());
        return out.flip();
    }

    /** A Fetch answer for partition t-0 in the shape of the request's version. */
    private static Struct response(RecordingNetwork.Sent req, UUID topicId, short error, ByteBuffer records,
                                   List<long[]> aborted) {
        Struct r = FetchApi.SPEC.newResponse().set("ErrorCode", (short) 0).set("SessionId", 0);
        Struct t = r.child("Responses");
        if (req.version() > 12) t.set("TopicId", topicId); else t.set("Topic", "t");
        Struct p = t.child("Partitions").set("PartitionIndex", 0).set("ErrorCode", error).set("HighWatermark", 100L)
                .set("Records", records == null ? null : MemoryRecords.wrap(records));
        if (aborted != null) {
            List<Struct> list = new ArrayList<>();
            for (long[] a : aborted) list.add(p.child("AbortedTransactions").set("ProducerId", a[0]).set("FirstOffset", a[1]));
            p.set("AbortedTransactions", list);
        }
        t.add("Partitions", p);
        return r.add("Responses", t);
    }

    private static List<String> values(ConsumerRecords<String, String> records) {
        List<String> out = new ArrayList<>();
        for (ConsumerRecord<String, String> r : records) out.add(r.value());
        return out;
    }

    @Test
    void fetchesFromThePositionDecodesAndHandsOutAtMostMaxPollRecords() {
        RecordingNetwork network = new RecordingNetwork(FetchApi.SPEC.highest());
        Fetcher<String, String> f = fetcher(network, OffsetResetPolicy.EARLIEST, (byte) 0);
        subscriptions.assignFromUser(List.of(TP));
        subscriptions.seek(TP, 5);
        assertThat(f.sendFetches()).isEqualTo(1);
        assertThat(f.sendFetches()).as("one fetch in flight per node").isZero();
        RecordingNetwork.Sent req = network.last(FetchApi.SPEC);
        assertThat(req.version()).isEqualTo(FetchApi.SPEC.highest());
        Struct topic = req.body().getStructs("Topics").get(0);
        assertThat(topic.getUuid("TopicId")).isEqualTo(FIRST_ID);
        assertThat(topic.getStructs("Partitions").get(0).getLong("FetchOffset")).isEqualTo(5);
        assertThat(req.timeoutMs()).as("a fetch uses request.timeout.ms").isEqualTo(-1);

        req.answer(response(req, FIRST_ID, (short) 0, batch(3, "a", "b", "c", "d", "e", "f", "g"), null));
        pollThread.runPending(0);
        // The batch holds offsets 3..9 ("a".."g"): records before the position are skipped, three per poll.
        assertThat(values(f.collect())).containsExactly("c", "d", "e");
        assertThat(subscriptions.position(TP)).isEqualTo(8);
        assertThat(values(f.collect())).containsExactly("f", "g");
        assertThat(subscriptions.position(TP)).isEqualTo(10);
        assertThat(subscriptions.highWatermark(TP)).isEqualTo(100);
    }

    @Test
    void maxPollRecordsSplitsABatchOverPolls() {
        RecordingNetwork network = new RecordingNetwork(FetchApi.SPEC.highest());
        Fetcher<String, String> f = fetcher(network, OffsetResetPolicy.EARLIEST, (byte) 0);
        subscriptions.assignFromUser(List.of(TP));
        subscriptions.seek(TP, 0);
        f.sendFetches();
        RecordingNetwork.Sent req = network.last(FetchApi.SPEC);
        req.answer(response(req, FIRST_ID, (short) 0, batch(0, "a", "b", "c", "d", "e"), null));
        pollThread.runPending(0);
        assertThat(values(f.collect())).containsExactly("a", "b", "c");
        assertThat(subscriptions.position(TP)).isEqualTo(3);
        assertThat(values(f.collect())).containsExactly("d", "e");
        assertThat(subscriptions.position(TP)).isEqualTo(5);
    }

    @Test
    void aFailedFetchBacksOffByTheManualClockBeforeTheNodeIsAskedAgain() {
        RecordingNetwork network = new RecordingNetwork(FetchApi.SPEC.highest());
        Fetcher<String, String> f = fetcher(network, OffsetResetPolicy.EARLIEST, (byte) 0);
        subscriptions.assignFromUser(List.of(TP));
        subscriptions.seek(TP, 0);
        f.sendFetches();
        network.last(FetchApi.SPEC).fail(new DisconnectException("gone"));
        pollThread.runPending(0);
        assertThat(metadataRequests.get()).isEqualTo(1);
        assertThat(f.sendFetches()).isZero();
        time.advance(99);
        assertThat(f.sendFetches()).isZero();
        time.advance(1);
        assertThat(f.sendFetches()).isEqualTo(1); // 100 ms after the first failure
        network.last(FetchApi.SPEC).fail(new DisconnectException("gone again"));
        pollThread.runPending(0);
        time.advance(199);
        assertThat(f.sendFetches()).isZero();
        time.advance(1);
        assertThat(f.sendFetches()).isEqualTo(1); // 200 ms after the second
        RecordingNetwork.Sent ok = network.last(FetchApi.SPEC);
        ok.answer(response(ok, FIRST_ID, (short) 0, batch(0, "a"), null));
        pollThread.runPending(0);
        assertThat(values(f.collect())).containsExactly("a");
        assertThat(f.sendFetches()).as("a success clears the backoff").isEqualTo(1);
    }

    @Test
    void answersForAnOlderPositionAreDroppedAndPausedPartitionsAreNotFetched() {
        RecordingNetwork network = new RecordingNetwork(FetchApi.SPEC.highest());
        Fetcher<String, String> f = fetcher(network, OffsetResetPolicy.EARLIEST, (byte) 0);
        subscriptions.assignFromUser(List.of(TP));
        subscriptions.seek(TP, 0);
        f.sendFetches();
        subscriptions.seek(TP, 2); // the user seeks while the fetch travels
        RecordingNetwork.Sent req = network.last(FetchApi.SPEC);
        req.answer(response(req, FIRST_ID, (short) 0, batch(0, "a", "b", "c"), null));
        pollThread.runPending(0);
        assertThat(f.hasBuffered()).isFalse();
        subscriptions.pause(TP);
        assertThat(f.sendFetches()).as("paused partitions are not fetched").isZero();
        subscriptions.resume(TP);
        assertThat(f.sendFetches()).isEqualTo(1);
    }

    @Test
    void pausedPartitionsKeepTheirBufferedRecordsUntilResumed() {
        RecordingNetwork network = new RecordingNetwork(FetchApi.SPEC.highest());
        Fetcher<String, String> f = fetcher(network, OffsetResetPolicy.EARLIEST, (byte) 0);
        subscriptions.assignFromUser(List.of(TP));
        subscriptions.seek(TP, 0);
        f.sendFetches();
        RecordingNetwork.Sent req = network.last(FetchApi.SPEC);
        req.answer(response(req, FIRST_ID, (short) 0, batch(0, "a", "b"), null));
        pollThread.runPending(0);
        subscriptions.pause(TP);
        assertThat(f.collect().isEmpty()).isTrue();
        assertThat(f.hasBuffered()).isTrue();
        subscriptions.resume(TP);
        assertThat(values(f.collect())).containsExactly("a", "b");
    }

    @Test
    void readCommittedDropsAbortedTransactionsAndControlBatches() {
        RecordingNetwork network = new RecordingNetwork(FetchApi.SPEC.highest());
        Fetcher<String, String> f = fetcher(network, OffsetResetPolicy.EARLIEST, (byte) 1);
        subscriptions.assignFromUser(List.of(TP));
        subscriptions.seek(TP, 0);
        f.sendFetches();
        ByteBuffer committed = new RecordBatchBuilder(0, CompressionType.NONE).producer(7, (short) 0, 0).transactional(true)
                .append(0, null, "kept".getBytes(StandardCharsets.UTF_8)).build();
        ByteBuffer aborted = new RecordBatchBuilder(1, CompressionType.NONE).producer(9, (short) 0, 0).transactional(true)
                .append(0, null, "aborted".getBytes(StandardCharsets.UTF_8)).build();
        ByteBuffer plain = batch(2, "plain");
        RecordingNetwork.Sent req = network.last(FetchApi.SPEC);
        req.answer(response(req, FIRST_ID, (short) 0, concat(committed, aborted, plain), List.of(new long[] {9, 1})));
        pollThread.runPending(0);
        assertThat(values(f.collect())).containsExactly("kept", "plain");
        assertThat(subscriptions.position(TP)).isEqualTo(3);
    }

    @Test
    void outOfRangeResetsByPolicyOrThrowsWithNone() {
        RecordingNetwork network = new RecordingNetwork(FetchApi.SPEC.highest());
        Fetcher<String, String> earliest = fetcher(network, OffsetResetPolicy.EARLIEST, (byte) 0);
        subscriptions.assignFromUser(List.of(TP));
        subscriptions.seek(TP, 50);
        earliest.sendFetches();
        RecordingNetwork.Sent req = network.last(FetchApi.SPEC);
        req.answer(response(req, FIRST_ID, (short) 1, null, null));
        pollThread.runPending(0);
        assertThat(subscriptions.position(TP)).isNull();
        assertThat(subscriptions.pendingReset(TP)).isEqualTo(SubscriptionState.EARLIEST);

        Fetcher<String, String> none = fetcher(network, OffsetResetPolicy.NONE, (byte) 0);
        subscriptions.seek(TP, 50);
        none.sendFetches();
        RecordingNetwork.Sent req2 = network.last(FetchApi.SPEC);
        req2.answer(response(req2, FIRST_ID, (short) 1, null, null));
        pollThread.runPending(0);
        assertThatThrownBy(none::throwPendingError).isInstanceOf(OffsetOutOfRangeException.class);
    }

    @Test
    void withoutTopicIdsTheFetchNamesTopicsAtV12() {
        cluster = cluster(null);
        RecordingNetwork network = new RecordingNetwork(FetchApi.SPEC.highest());
        Fetcher<String, String> f = fetcher(network, OffsetResetPolicy.EARLIEST, (byte) 0);
        subscriptions.assignFromUser(List.of(TP));
        subscriptions.seek(TP, 0);
        f.sendFetches();
        RecordingNetwork.Sent req = network.last(FetchApi.SPEC);
        assertThat(req.version()).isEqualTo((short) 12);
        assertThat(req.body().getStructs("Topics").get(0).getString("Topic")).isEqualTo("t");
        req.answer(response(req, null, (short) 0, batch(0, "a"), null));
        pollThread.runPending(0);
        assertThat(values(f.collect())).containsExactly("a");
    }

    @Test
    void dataOfADeletedTopicIsNotMistakenForItsRecreationWithTheSameName() {
        RecordingNetwork network = new RecordingNetwork(FetchApi.SPEC.highest());
        Fetcher<String, String> f = fetcher(network, OffsetResetPolicy.EARLIEST, (byte) 0);
        subscriptions.assignFromUser(List.of(TP));
        subscriptions.seek(TP, 0);
        f.sendFetches();
        RecordingNetwork.Sent old = network.last(FetchApi.SPEC);
        // While the fetch travels, "t" is deleted and created again: metadata now has a new id for the name.
        cluster = cluster(SECOND_ID);
        old.answer(response(old, FIRST_ID, (short) 0, batch(0, "from-the-deleted-topic"), null));
        pollThread.runPending(0);
        assertThat(f.hasBuffered()).isFalse();
        assertThat(metadataRequests.get()).isEqualTo(1);

        f.sendFetches();
        RecordingNetwork.Sent fresh = network.last(FetchApi.SPEC);
        assertThat(fresh.body().getStructs("Topics").get(0).getUuid("TopicId")).isEqualTo(SECOND_ID);
        fresh.answer(response(fresh, SECOND_ID, (short) 0, batch(0, "from-the-new-topic"), null));
        pollThread.runPending(0);
        assertThat(values(f.collect())).containsExactly("from-the-new-topic");
    }

    @Test
    void anAnswerForATopicIdNotAskedForIsIgnored() {
        RecordingNetwork network = new RecordingNetwork(FetchApi.SPEC.highest());
        Fetcher<String, String> f = fetcher(network, OffsetResetPolicy.EARLIEST, (byte) 0);
        subscriptions.assignFromUser(List.of(TP));
        subscriptions.seek(TP, 0);
        f.sendFetches();
        RecordingNetwork.Sent req = network.last(FetchApi.SPEC);
        req.answer(response(req, SECOND_ID, (short) 0, batch(0, "stranger"), null));
        pollThread.runPending(0);
        assertThat(f.hasBuffered()).isFalse();
    }
}
