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
    private final RecordingNetwork network = new RecordingNetwork(FetchApi.SPEC.highest());
    private Cluster cluster = cluster(FIRST_ID);

    private static Cluster cluster(UUID topicId) {
        return new Cluster("c", 0, List.of(new Node(0, "localhost", 9092)),
                List.of(new PartitionInfo("t", 0, 0, 0, List.of(0), List.of(0), List.of())),
                topicId == null ? Map.of() : Map.of("t", topicId));
    }

    private Fetcher<String, String> fetcher(OffsetResetPolicy reset, byte isolation) {
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

    /** A fetcher of t-0 alone, its position set to {@code position}. */
    private Fetcher<String, String> fetcherAt(OffsetResetPolicy reset, byte isolation, long position) {
        Fetcher<String, String> f = fetcher(reset, isolation);
        subscriptions.assignFromUser(List.of(TP));
        subscriptions.seek(TP, position);
        return f;
    }

    /** Sends the fetches that are due; returns the last Fetch request sent. */
    private RecordingNetwork.Sent fetch(Fetcher<String, String> f) {
        f.sendFetches();
        return network.last(FetchApi.SPEC);
    }

    /** Answers {@code req} and runs what the answer left for the polling thread. */
    private void answer(RecordingNetwork.Sent req, Struct response) {
        req.answer(response);
        pollThread.runPending(0);
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
        Fetcher<String, String> f = fetcherAt(OffsetResetPolicy.EARLIEST, (byte) 0, 5);
        assertThat(f.sendFetches()).isEqualTo(1);
        assertThat(f.sendFetches()).as("one fetch in flight per node").isZero();
        RecordingNetwork.Sent req = network.last(FetchApi.SPEC);
        assertThat(req.version()).isEqualTo(FetchApi.SPEC.highest());
        Struct topic = req.body().getStructs("Topics").get(0);
        assertThat(topic.getUuid("TopicId")).isEqualTo(FIRST_ID);
        assertThat(topic.getStructs("Partitions").get(0).getLong("FetchOffset")).isEqualTo(5);
        assertThat(req.timeoutMs()).as("a fetch uses request.timeout.ms").isEqualTo(-1);

        answer(req, response(req, FIRST_ID, (short) 0, batch(3, "a", "b", "c", "d", "e", "f", "g"), null));
        // The batch holds offsets 3..9 ("a".."g"): records before the position are skipped, three per poll.
        assertThat(values(f.collect())).containsExactly("c", "d", "e");
        assertThat(subscriptions.position(TP)).isEqualTo(8);
        assertThat(values(f.collect())).containsExactly("f", "g");
        assertThat(subscriptions.position(TP)).isEqualTo(10);
        assertThat(subscriptions.highWatermark(TP)).isEqualTo(100);
    }

    @Test
    void maxPollRecordsSplitsABatchOverPolls() {
        Fetcher<String, String> f = fetcherAt(OffsetResetPolicy.EARLIEST, (byte) 0, 0);
        RecordingNetwork.Sent req = fetch(f);
        answer(req, response(req, FIRST_ID, (short) 0, batch(0, "a", "b", "c", "d", "e"), null));
        assertThat(values(f.collect())).containsExactly("a", "b", "c");
        assertThat(subscriptions.position(TP)).isEqualTo(3);
        assertThat(values(f.collect())).containsExactly("d", "e");
        assertThat(subscriptions.position(TP)).isEqualTo(5);
    }

    @Test
    void aFailedFetchBacksOffByTheManualClockBeforeTheNodeIsAskedAgain() {
        Fetcher<String, String> f = fetcherAt(OffsetResetPolicy.EARLIEST, (byte) 0, 0);
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
        answer(ok, response(ok, FIRST_ID, (short) 0, batch(0, "a"), null));
        assertThat(values(f.collect())).containsExactly("a");
        assertThat(f.sendFetches()).as("a success clears the backoff").isEqualTo(1);
    }

    @Test
    void answersForAnOlderPositionAreDroppedAndPausedPartitionsAreNotFetched() {
        Fetcher<String, String> f = fetcherAt(OffsetResetPolicy.EARLIEST, (byte) 0, 0);
        f.sendFetches();
        subscriptions.seek(TP, 2); // the user seeks while the fetch travels
        RecordingNetwork.Sent req = network.last(FetchApi.SPEC);
        answer(req, response(req, FIRST_ID, (short) 0, batch(0, "a", "b", "c"), null));
        assertThat(f.hasBuffered()).isFalse();
        subscriptions.pause(TP);
        assertThat(f.sendFetches()).as("paused partitions are not fetched").isZero();
        subscriptions.resume(TP);
        assertThat(f.sendFetches()).isEqualTo(1);
    }

    @Test
    void pausedPartitionsKeepTheirBufferedRecordsUntilResumed() {
        Fetcher<String, String> f = fetcherAt(OffsetResetPolicy.EARLIEST, (byte) 0, 0);
        RecordingNetwork.Sent req = fetch(f);
        answer(req, response(req, FIRST_ID, (short) 0, batch(0, "a", "b"), null));
        subscriptions.pause(TP);
        assertThat(f.collect().isEmpty()).isTrue();
        assertThat(f.hasBuffered()).isTrue();
        subscriptions.resume(TP);
        assertThat(values(f.collect())).containsExactly("a", "b");
    }

    @Test
    void readCommittedDropsAbortedTransactionsAndControlBatches() {
        Fetcher<String, String> f = fetcherAt(OffsetResetPolicy.EARLIEST, (byte) 1, 0);
        f.sendFetches();
        ByteBuffer committed = new RecordBatchBuilder(0, CompressionType.NONE).producer(7, (short) 0, 0).transactional(true)
                .append(0, null, "kept".getBytes(StandardCharsets.UTF_8)).build();
        ByteBuffer aborted = new RecordBatchBuilder(1, CompressionType.NONE).producer(9, (short) 0, 0).transactional(true)
                .append(0, null, "aborted".getBytes(StandardCharsets.UTF_8)).build();
        ByteBuffer plain = batch(2, "plain");
        RecordingNetwork.Sent req = network.last(FetchApi.SPEC);
        answer(req, response(req, FIRST_ID, (short) 0, concat(committed, aborted, plain), List.of(new long[] {9, 1})));
        assertThat(values(f.collect())).containsExactly("kept", "plain");
        assertThat(subscriptions.position(TP)).isEqualTo(3);
    }

    @Test
    void outOfRangeResetsByPolicyOrThrowsWithNone() {
        Fetcher<String, String> earliest = fetcherAt(OffsetResetPolicy.EARLIEST, (byte) 0, 50);
        RecordingNetwork.Sent req = fetch(earliest);
        answer(req, response(req, FIRST_ID, (short) 1, null, null));
        assertThat(subscriptions.position(TP)).isNull();
        assertThat(subscriptions.pendingReset(TP)).isEqualTo(SubscriptionState.EARLIEST);

        Fetcher<String, String> none = fetcher(OffsetResetPolicy.NONE, (byte) 0);
        subscriptions.seek(TP, 50);
        RecordingNetwork.Sent req2 = fetch(none);
        answer(req2, response(req2, FIRST_ID, (short) 1, null, null));
        assertThatThrownBy(none::throwPendingError).isInstanceOf(OffsetOutOfRangeException.class);
    }

    @Test
    void withoutTopicIdsTheFetchNamesTopicsAtV12() {
        cluster = cluster(null);
        Fetcher<String, String> f = fetcherAt(OffsetResetPolicy.EARLIEST, (byte) 0, 0);
        RecordingNetwork.Sent req = fetch(f);
        assertThat(req.version()).isEqualTo((short) 12);
        assertThat(req.body().getStructs("Topics").get(0).getString("Topic")).isEqualTo("t");
        answer(req, response(req, null, (short) 0, batch(0, "a"), null));
        assertThat(values(f.collect())).containsExactly("a");
    }

    @Test
    void dataOfADeletedTopicIsNotMistakenForItsRecreationWithTheSameName() {
        Fetcher<String, String> f = fetcherAt(OffsetResetPolicy.EARLIEST, (byte) 0, 0);
        RecordingNetwork.Sent old = fetch(f);
        // While the fetch travels, "t" is deleted and created again: metadata now has a new id for the name.
        cluster = cluster(SECOND_ID);
        answer(old, response(old, FIRST_ID, (short) 0, batch(0, "from-the-deleted-topic"), null));
        assertThat(f.hasBuffered()).isFalse();
        assertThat(metadataRequests.get()).isEqualTo(1);

        // The position 0 was the deleted topic's: it is reset by auto.offset.reset, not fetched from the new topic.
        assertThat(f.sendFetches()).isZero();
        assertThat(subscriptions.position(TP)).isNull();
        assertThat(subscriptions.pendingReset(TP)).isEqualTo(SubscriptionState.EARLIEST);
        subscriptions.maybeSetResolvedPosition(TP, 0); // what the offset lookup answers for the new topic
        assertThat(f.sendFetches()).isEqualTo(1);
        RecordingNetwork.Sent fresh = network.last(FetchApi.SPEC);
        assertThat(fresh.body().getStructs("Topics").get(0).getUuid("TopicId")).isEqualTo(SECOND_ID);
        answer(fresh, response(fresh, SECOND_ID, (short) 0, batch(0, "from-the-new-topic"), null));
        assertThat(values(f.collect())).containsExactly("from-the-new-topic");
    }

    @Test
    void aPositionReadUnderTheOldTopicIdIsResetOnceTheNameHasANewIdOrReportedWithResetNone() {
        Fetcher<String, String> f = fetcherAt(OffsetResetPolicy.LATEST, (byte) 0, 0);
        RecordingNetwork.Sent first = fetch(f);
        answer(first, response(first, FIRST_ID, (short) 0, batch(0, "a", "b"), null));
        assertThat(values(f.collect())).containsExactly("a", "b");
        RecordingNetwork.Sent second = fetch(f);
        // The topic is gone: the broker answers UNKNOWN_TOPIC_ID, the consumer asks for metadata.
        answer(second, response(second, FIRST_ID, (short) 100, null, null));
        assertThat(metadataRequests.get()).isEqualTo(1);
        assertThat(subscriptions.position(TP)).isEqualTo(2);
        // Recreated: offset 2 of the new topic is not "offset 2 of t"; the policy (latest) decides where to start.
        cluster = cluster(SECOND_ID);
        int sentBefore = network.of(FetchApi.SPEC).size();
        assertThat(f.sendFetches()).isZero();
        assertThat(network.of(FetchApi.SPEC)).hasSize(sentBefore);
        assertThat(subscriptions.pendingReset(TP)).isEqualTo(SubscriptionState.LATEST);

        // With auto.offset.reset=none the application is told, and nothing is fetched until it seeks.
        cluster = cluster(FIRST_ID);
        Fetcher<String, String> none = fetcher(OffsetResetPolicy.NONE, (byte) 0);
        subscriptions.seek(TP, 7);
        none.sendFetches();
        cluster = cluster(SECOND_ID);
        network.last(FetchApi.SPEC).answer(response(network.last(FetchApi.SPEC), FIRST_ID, (short) 100, null, null));
        pollThread.runPending(0);
        assertThat(none.sendFetches()).isZero();
        assertThatThrownBy(none::throwPendingError).isInstanceOf(OffsetOutOfRangeException.class);
        subscriptions.seek(TP, 0);
        assertThat(none.sendFetches()).isEqualTo(1);
        assertThat(network.last(FetchApi.SPEC).body().getStructs("Topics").get(0).getUuid("TopicId")).isEqualTo(SECOND_ID);
    }

    @Test
    void anAnswerForATopicIdNotAskedForIsIgnored() {
        Fetcher<String, String> f = fetcherAt(OffsetResetPolicy.EARLIEST, (byte) 0, 0);
        RecordingNetwork.Sent req = fetch(f);
        answer(req, response(req, SECOND_ID, (short) 0, batch(0, "stranger"), null));
        assertThat(f.hasBuffered()).isFalse();
    }

    private static final TopicPartition TP1 = new TopicPartition("t", 1);
    private static final TopicPartition TP2 = new TopicPartition("t", 2);

    private static Cluster threePartitions() {
        List<PartitionInfo> parts = new ArrayList<>();
        for (int p = 0; p < 3; p++) parts.add(new PartitionInfo("t", p, 0, 0, List.of(0), List.of(0), List.of()));
        return new Cluster("c", 0, List.of(new Node(0, "localhost", 9092)), parts, Map.of("t", FIRST_ID));
    }

    /** Partitions named in a request's Topics, as "partition@offset". */
    private static List<String> sentPartitions(RecordingNetwork.Sent req) {
        List<String> out = new ArrayList<>();
        for (Struct t : req.body().getStructs("Topics")) {
            for (Struct p : t.getStructs("Partitions")) out.add(p.getInt("Partition") + "@" + p.getLong("FetchOffset"));
        }
        return out;
    }

    private static List<Object> forgotten(RecordingNetwork.Sent req) {
        List<Object> out = new ArrayList<>();
        for (Struct f : req.body().getStructs("ForgottenTopicsData")) out.addAll(f.getList("Partitions"));
        return out;
    }

    /** An answer carrying a session id and data for partition 0 only (the others have no news). */
    private static Struct sessionResponse(int sessionId, short error, ByteBuffer p0Records) {
        Struct r = FetchApi.SPEC.newResponse().set("ErrorCode", error).set("SessionId", sessionId);
        Struct t = r.child("Responses").set("TopicId", FIRST_ID);
        if (p0Records != null) {
            t.add("Partitions", t.child("Partitions").set("PartitionIndex", 0).set("ErrorCode", (short) 0)
                    .set("HighWatermark", 100L).set("Records", MemoryRecords.wrap(p0Records)));
        }
        t.set("Partitions", t.getStructs("Partitions") == null ? new ArrayList<>() : t.getStructs("Partitions"));
        return r.add("Responses", t);
    }

    @Test
    void aBrokerThatKeepsNoSessionGetsFullFetchesEveryTime() {
        cluster = threePartitions();
        Fetcher<String, String> f = fetcher(OffsetResetPolicy.EARLIEST, (byte) 0);
        subscriptions.assignFromUser(List.of(TP, TP1, TP2));
        for (TopicPartition tp : List.of(TP, TP1, TP2)) subscriptions.seek(tp, 0);
        for (int round = 0; round < 3; round++) {
            RecordingNetwork.Sent req = fetch(f);
            assertThat(req.body().getInt("SessionId")).isZero();
            assertThat(req.body().getInt("SessionEpoch")).isZero(); // asks for a session each time
            assertThat(sentPartitions(req)).hasSize(3);
            answer(req, sessionResponse(0, (short) 0, null)); // session id 0: the broker keeps none
        }
    }

    @Test
    void withASessionIncrementalFetchesCarryOnlyChangedPartitionsAndForgetDroppedOnes() {
        cluster = threePartitions();
        Fetcher<String, String> f = fetcher(OffsetResetPolicy.EARLIEST, (byte) 0);
        subscriptions.assignFromUser(List.of(TP, TP1, TP2));
        for (TopicPartition tp : List.of(TP, TP1, TP2)) subscriptions.seek(tp, 0);

        RecordingNetwork.Sent full = fetch(f);
        assertThat(sentPartitions(full)).containsExactly("0@0", "1@0", "2@0");
        answer(full, sessionResponse(77, (short) 0, null));

        f.sendFetches(); // nothing changed: an empty incremental fetch
        RecordingNetwork.Sent idle = network.last(FetchApi.SPEC);
        assertThat(idle.body().getInt("SessionId")).isEqualTo(77);
        assertThat(idle.body().getInt("SessionEpoch")).isEqualTo(1);
        assertThat(sentPartitions(idle)).isEmpty();
        assertThat(forgotten(idle)).isEmpty();
        answer(idle, sessionResponse(77, (short) 0, batch(0, "a", "b")));
        assertThat(values(f.collect())).containsExactly("a", "b"); // partition 0 moved to offset 2

        subscriptions.pause(TP2); // dropped from the fetch: forgotten by the session
        RecordingNetwork.Sent changed = fetch(f);
        assertThat(changed.body().getInt("SessionEpoch")).isEqualTo(2);
        assertThat(sentPartitions(changed)).containsExactly("0@2");
        assertThat(forgotten(changed)).containsExactly(2);
        assertThat(changed.body().getStructs("ForgottenTopicsData").get(0).getUuid("TopicId")).isEqualTo(FIRST_ID);
        answer(changed, sessionResponse(77, FetchSession.INVALID_FETCH_SESSION_EPOCH, null));

        f.sendFetches(); // the session is gone: full again
        RecordingNetwork.Sent again = network.last(FetchApi.SPEC);
        assertThat(again.body().getInt("SessionId")).isZero();
        assertThat(again.body().getInt("SessionEpoch")).isZero();
        assertThat(sentPartitions(again)).containsExactly("0@2", "1@0");
        again.fail(new DisconnectException("lost"));
        pollThread.runPending(0);
        time.advance(100);
        f.sendFetches();
        assertThat(network.last(FetchApi.SPEC).body().getInt("SessionId")).as("a failed request drops the session").isZero();
    }
}
