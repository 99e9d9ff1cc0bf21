package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.protocol.api.ApiVersionsApi;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.api.ListOffsetsApi;
import io.fjord.protocol.api.ProduceApi;
import io.fjord.protocol.api.RequestHeader;
import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.protocol.record.RecordBatchBuilder;
import io.fjord.protocol.types.ByteBufferWriter;
import io.fjord.protocol.types.MemoryRecords;
import io.fjord.protocol.types.Struct;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed and hostile input on raw sockets against one live broker, while a well-behaved kafka-clients producer
 * keeps producing in the background. After every case the broker must still serve the good client (a synchronous
 * produce plus a consumer read), and at the end every acknowledged record must be readable at its offset.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BadInputTest {
    private static final int MAX_REQUEST = 1024 * 1024;
    private static final String GOOD = "good";
    private static final String TARGET = "target";

    private TestBroker broker;
    private KafkaProducer<String, String> producer;
    private KafkaConsumer<String, String> consumer;
    private Thread traffic;
    private final AtomicBoolean stopTraffic = new AtomicBoolean();
    private final AtomicReference<Throwable> trafficError = new AtomicReference<>();
    private final ConcurrentLinkedQueue<RecordMetadata> backgroundAcks = new ConcurrentLinkedQueue<>();
    private final List<long[]> syncAcks = new ArrayList<>(); // {offset} of the health-check records
    private int healthChecks;

    @BeforeAll
    void startBroker(@TempDir Path dataDir) throws Exception {
        broker = new TestBroker(dataDir, Map.of("socket.request.max.bytes", Integer.toString(MAX_REQUEST))).start();
        Clients.createTopic(broker.bootstrap(), GOOD, 1);
        Clients.createTopic(broker.bootstrap(), TARGET, 2);
        producer = Clients.producer(broker.bootstrap());
        consumer = Clients.consumer(broker.bootstrap());
        consumer.assign(List.of(new TopicPartition(GOOD, 0)));
        traffic = new Thread(this::produceInBackground, "good-producer");
        traffic.setDaemon(true);
        traffic.start();
        // The background producer is up before the first bad input.
        Awaitility.await("first background ack").atMost(Duration.ofSeconds(60)).until(() -> !backgroundAcks.isEmpty());
    }

    private void produceInBackground() {
        try {
            for (int i = 0; !stopTraffic.get(); i++) {
                backgroundAcks.add(producer.send(new ProducerRecord<>(GOOD, 0, "bg", "bg-" + i)).get(60, TimeUnit.SECONDS));
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // pacing only, to spare the CPU
            }
        } catch (Throwable t) {
            trafficError.set(t);
        }
    }

    @AfterAll
    void stopBroker() throws Exception {
        stopTraffic.set(true);
        if (traffic != null) traffic.join(TimeUnit.SECONDS.toMillis(90));
        if (consumer != null) consumer.close(Duration.ofSeconds(10));
        if (producer != null) producer.close(Duration.ofSeconds(10));
        if (broker != null) broker.close();
    }

    /** After each bad input: the background producer is fine, and a synchronous produce is acked and read back. */
    @AfterEach
    void goodClientStillServed() throws Exception {
        assertThat(trafficError.get()).as("background producer error").isNull();
        String value = "health-" + (++healthChecks);
        RecordMetadata md = producer.send(new ProducerRecord<>(GOOD, 0, "hc", value)).get(60, TimeUnit.SECONDS);
        syncAcks.add(new long[] {md.offset()});
        consumer.seek(new TopicPartition(GOOD, 0), md.offset());
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        Awaitility.await("reading back " + value).atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10)).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(got::add);
                    return !got.isEmpty();
                });
        assertThat(got.get(0).offset()).isEqualTo(md.offset());
        assertThat(got.get(0).value()).isEqualTo(value);
    }

    // ---------------------------------------------------------------- (a) random bytes

    @Test
    @Order(1)
    void randomBytesCloseTheConnection() throws Exception {
        Random random = new Random(20240611L);
        for (int size : new int[] {1, 3, 4, 5, 17, 100, 1000, 4096, 65_536}) {
            byte[] junk = new byte[size];
            random.nextBytes(junk);
            try (RawClient c = new RawClient(broker.port())) {
                writeTolerantly(c, junk);
                int declared = size >= 4 ? ByteBuffer.wrap(junk).getInt() : 0;
                boolean badSize = size >= 4 && (declared < 0 || declared > MAX_REQUEST);
                // A bad size prefix is refused at once; otherwise the broker waits for the rest of the frame (or
                // refuses the garbage frame), so the client ends its side and the broker must close too.
                if (!badSize) c.socket().shutdownOutput();
                c.assertClosedByBroker(!badSize);
            }
        }
    }

    @Test
    @Order(2)
    void randomBodiesBehindValidHeadersAreAnsweredOrRefused() throws Exception {
        Random random = new Random(77L);
        for (io.fjord.protocol.api.ApiSpec spec : io.fjord.protocol.api.Apis.all()) {
            if (spec.key() == 19 || spec.key() == 20) continue; // random CreateTopics/DeleteTopics could really act
            for (short version : new short[] {spec.lowest(), spec.highest()}) {
                for (int size : new int[] {0, 7, 64, 300}) {
                    ByteBufferWriter w = new ByteBufferWriter(64 + size);
                    new RequestHeader(spec.key(), version, 5, "fuzz").write(w, spec.isFlexible(version));
                    byte[] junk = new byte[size];
                    random.nextBytes(junk);
                    w.writeBytes(junk);
                    try (RawClient c = new RawClient(broker.port())) {
                        writeTolerantly(c, RawClient.sizePrefixed(bytes(w.toByteBuffer())));
                        // Whether the garbage parses or not, the broker answers or closes; it must not hang.
                        c.socket().shutdownOutput();
                        c.assertClosedByBroker(true);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- (b) lying size field

    @Test
    @Order(3)
    void sizeFieldSayingMoreThanSentWaitsThenClientCloses() throws Exception {
        byte[] payload = RawClient.encode(ApiVersionsApi.SPEC, (short) 3, 1, apiVersionsRequest());
        try (RawClient c = new RawClient(broker.port())) {
            ByteBuffer frame = ByteBuffer.allocate(4 + payload.length).putInt(payload.length + 100).put(payload);
            c.writeRaw(frame.array());
            // The frame is incomplete: no response may come. Wait briefly (bounded) to see none does.
            c.socket().setSoTimeout(1000);
            assertThat(readOrTimeout(c)).as("bytes read from an incomplete frame").isEqualTo(-2);
        } // the client gives up and closes mid-frame
    }

    @Test
    @Order(4)
    void sizeFieldSayingLessThanSentClosesTheConnection() throws Exception {
        byte[] payload = RawClient.encode(ApiVersionsApi.SPEC, (short) 3, 1, apiVersionsRequest());
        int shortBy = 6;
        try (RawClient c = new RawClient(broker.port())) {
            ByteBuffer frame = ByteBuffer.allocate(4 + payload.length).putInt(payload.length - shortBy).put(payload);
            c.writeRaw(frame.array());
            // The short frame does not parse and the tail bytes are garbage: the broker closes.
            c.assertClosedByBroker();
        }
        // Shorter still, cutting into the request header.
        try (RawClient c = new RawClient(broker.port())) {
            ByteBuffer frame = ByteBuffer.allocate(4 + payload.length).putInt(5).put(payload);
            c.writeRaw(frame.array());
            c.assertClosedByBroker();
        }
    }

    // ---------------------------------------------------------------- (c) frame over socket.request.max.bytes

    @Test
    @Order(5)
    void frameOverRequestMaxBytesClosesTheConnection() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            byte[] start = new byte[4 + 64 * 1024];
            ByteBuffer.wrap(start).putInt(2 * MAX_REQUEST);
            writeTolerantly(c, start);
            c.assertClosedByBroker();
        }
    }

    // ---------------------------------------------------------------- (d) unknown API key

    @Test
    @Order(6)
    void unknownApiKeyClosesTheConnection() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            ByteBufferWriter w = new ByteBufferWriter(64);
            new RequestHeader((short) 999, (short) 0, 7, "raw").write(w, false);
            w.writeInt(0); // a little body
            c.writeRaw(RawClient.sizePrefixed(bytes(w.toByteBuffer())));
            c.assertClosedByBroker();
        }
    }

    // ---------------------------------------------------------------- (e) unsupported versions

    @Test
    @Order(7)
    void unsupportedMetadataVersionClosesTheConnection() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            ByteBufferWriter w = new ByteBufferWriter(64);
            new RequestHeader((short) 3, (short) 99, 8, "raw").write(w, true);
            w.writeUnsignedVarint(1); // Topics: null (compact)
            w.writeByte(1); // AllowAutoTopicCreation
            w.writeByte(0);
            w.writeUnsignedVarint(0); // tagged fields
            c.writeRaw(RawClient.sizePrefixed(bytes(w.toByteBuffer())));
            c.assertClosedByBroker();
        }
    }

    @Test
    @Order(8)
    void unsupportedApiVersionsVersionGetsV0ErrorResponse() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            ByteBufferWriter w = new ByteBufferWriter(64);
            // A newer-than-known ApiVersions request: flexible header v2, body in a shape we do not know.
            new RequestHeader(ApiVersionsApi.KEY, (short) 99, 42, "raw").write(w, true);
            w.writeBytes(new byte[] {5, 'a', 'b', 'c', 'd', 2, '9', 0, 0});
            c.writeRaw(RawClient.sizePrefixed(bytes(w.toByteBuffer())));
            Struct r = c.readResponse(ApiVersionsApi.SPEC, (short) 0, 42);
            assertThat(r.getShort("ErrorCode")).isEqualTo(Errors.UNSUPPORTED_VERSION.code()).isEqualTo((short) 35);
            List<Struct> keys = r.getStructs("ApiKeys");
            assertThat(keys).hasSize(1);
            assertThat(keys.get(0).getShort("ApiKey")).isEqualTo(ApiVersionsApi.KEY);
            assertThat(keys.get(0).getShort("MinVersion")).isEqualTo((short) 0);
            assertThat(keys.get(0).getShort("MaxVersion")).isEqualTo(ApiVersionsApi.SPEC.highest());

            // The connection stays usable: the client retries with a version we speak.
            Struct ok = c.request(ApiVersionsApi.SPEC, (short) 3, apiVersionsRequest());
            assertThat(ok.getShort("ErrorCode")).isZero();
            assertThat(ok.getStructs("ApiKeys")).extracting(k -> k.getShort("ApiKey"))
                    .contains((short) 0, (short) 1, (short) 3, ApiVersionsApi.KEY);
        }
    }

    // ---------------------------------------------------------------- (f) broken CRC

    @Test
    @Order(9)
    void produceWithBrokenCrcIsRefusedAndNothingAppended() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            long before = latestOffset(c, TARGET, 0);
            for (int flipAt : new int[] {RecordBatch.ATTRIBUTES_OFFSET + 2, -1}) {
                ByteBuffer batch = batch("crc-victim");
                int at = flipAt >= 0 ? flipAt : batch.limit() - 1; // in the header after the CRC, or a record byte
                batch.put(at, (byte) (batch.get(at) ^ 0x5A));
                Struct pr = produce(c, TARGET, 0, batch);
                assertThat(pr.getShort("ErrorCode")).as("error for a byte flipped at %d", at)
                        .isEqualTo(Errors.CORRUPT_MESSAGE.code()).isEqualTo((short) 2);
                assertThat(pr.getLong("BaseOffset")).isEqualTo(-1L);
                assertThat(latestOffset(c, TARGET, 0)).as("log end offset").isEqualTo(before);
            }
            // The same batch, intact, is taken at the unchanged end of the log.
            Struct pr = produce(c, TARGET, 0, batch("intact"));
            assertThat(pr.getShort("ErrorCode")).isZero();
            assertThat(pr.getLong("BaseOffset")).isEqualTo(before);
            assertThat(latestOffset(c, TARGET, 0)).isEqualTo(before + 1);
        }
    }

    // ---------------------------------------------------------------- (g) unknown topic / partition

    @Test
    @Order(10)
    void produceToUnknownPartitionOrTopicFails() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            Struct pr = produce(c, TARGET, 7, batch("nowhere"));
            assertThat(pr.getShort("ErrorCode")).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).isEqualTo((short) 3);
            pr = produce(c, "no-such-topic", 0, batch("nowhere"));
            assertThat(pr.getShort("ErrorCode")).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
            // The connection is still fine for a good request.
            assertThat(produce(c, TARGET, 1, batch("somewhere")).getShort("ErrorCode")).isZero();
        }
    }

    // ---------------------------------------------------------------- (h) decompression bomb

    /**
     * 100 MB of zeros gzip-ed (~100 KB, inside one default-sized request) as a batch's records section, CRC intact.
     * A compacted topic must open the batch (keys are required): the reader stops at its bound and the partition
     * answers INVALID_RECORD; nothing is appended, the same connection serves the next request. Elsewhere batches are
     * stored as sent, unopened (as Fjord always does); a timestamp look-up that has to open it answers at batch
     * precision instead of inflating it.
     */
    @Test
    @Order(11)
    void decompressionBombIsRefusedAndTheConnectionStaysUsable() throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = Clients.admin(broker.bootstrap())) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("compacted", 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get(60, TimeUnit.SECONDS);
        }
        ByteBuffer bomb = gzipBomb(100_000_000L);
        assertThat(bomb.remaining()).isLessThan(MAX_REQUEST / 2);
        try (RawClient c = new RawClient(broker.port())) {
            long before = latestOffset(c, "compacted", 0);
            Struct pr = produce(c, "compacted", 0, bomb.duplicate());
            assertThat(pr.getShort("ErrorCode")).isEqualTo(Errors.INVALID_RECORD.code()).isEqualTo((short) 87);
            assertThat(pr.getString("ErrorMessage")).contains("more than " + CompressionType.MAX_DECOMPRESSED_BYTES);
            assertThat(latestOffset(c, "compacted", 0)).isEqualTo(before);
            assertThat(produce(c, "compacted", 0, batch("after-the-bomb")).getShort("ErrorCode")).isZero();

            long at = latestOffset(c, TARGET, 1);
            assertThat(produce(c, TARGET, 1, bomb.duplicate()).getShort("ErrorCode")).isZero();
            Struct req = ListOffsetsApi.SPEC.newRequest().set("ReplicaId", -1).set("IsolationLevel", (byte) 0);
            Struct t = req.child("Topics").set("Name", TARGET);
            t.add("Partitions", t.child("Partitions").set("PartitionIndex", 1).set("Timestamp", RecordBatch.maxTimestamp(bomb, 0)));
            req.add("Topics", t);
            Struct p = c.request(ListOffsetsApi.SPEC, (short) 7, req).getStructs("Topics").get(0).getStructs("Partitions").get(0);
            assertThat(p.getShort("ErrorCode")).isZero();
            assertThat(p.getLong("Offset")).as("the bomb's own offset, found without opening it").isEqualTo(at);
        }
    }

    /** A one-record gzip batch whose records section is {@code zeros} zero bytes gzip-ed (streamed, never held). */
    private static ByteBuffer gzipBomb(long zeros) throws IOException {
        java.io.ByteArrayOutputStream section = new java.io.ByteArrayOutputStream();
        byte[] chunk = new byte[64 * 1024];
        try (java.io.OutputStream out = new java.util.zip.GZIPOutputStream(section, 64 * 1024)) {
            for (long left = zeros; left > 0; left -= chunk.length) out.write(chunk, 0, (int) Math.min(chunk.length, left));
        }
        ByteBuffer header = new RecordBatchBuilder(0, CompressionType.GZIP)
                .append(System.currentTimeMillis(), "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8)).build();
        ByteBuffer out = ByteBuffer.allocate(RecordBatch.HEADER_SIZE + section.size());
        out.put(header.duplicate().limit(RecordBatch.HEADER_SIZE)).put(section.toByteArray()).flip();
        out.putInt(RecordBatch.LENGTH_OFFSET, out.limit() - RecordBatch.LOG_OVERHEAD);
        out.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(out, 0));
        return out;
    }

    // ---------------------------------------------------------------- at the end

    @Test
    @Order(100)
    void everyAcknowledgedRecordIsReadableAndNewClientsAreServed() throws Exception {
        stopTraffic.set(true);
        traffic.join(TimeUnit.SECONDS.toMillis(90));
        assertThat(traffic.isAlive()).isFalse();
        assertThat(trafficError.get()).isNull();
        assertThat(backgroundAcks).hasSizeGreaterThan(1);

        // A brand-new client (new connections, new metadata) reads the whole partition back.
        long end = Math.max(backgroundAcks.stream().mapToLong(RecordMetadata::offset).max().orElse(-1),
                syncAcks.stream().mapToLong(a -> a[0]).max().orElse(-1)) + 1;
        List<ConsumerRecord<String, String>> all =
                Clients.readFromStart(broker.bootstrap(), List.of(new TopicPartition(GOOD, 0)), (int) end);
        Map<Long, String> byOffset = new java.util.HashMap<>();
        for (ConsumerRecord<String, String> r : all) byOffset.put(r.offset(), r.value());
        assertThat(all).extracting(ConsumerRecord::offset).isSorted().doesNotHaveDuplicates();
        int i = 0;
        for (RecordMetadata md : backgroundAcks) {
            assertThat(byOffset.get(md.offset())).as("record at offset %d", md.offset()).isEqualTo("bg-" + i++);
        }
        for (long[] a : syncAcks) assertThat(byOffset.get(a[0])).startsWith("health-");
    }

    // ---------------------------------------------------------------- helpers

    private static Struct apiVersionsRequest() {
        return ApiVersionsApi.SPEC.newRequest().set("ClientSoftwareName", "fjord-it").set("ClientSoftwareVersion", "1");
    }

    private static ByteBuffer batch(String value) {
        return new RecordBatchBuilder(0, CompressionType.NONE)
                .append(System.currentTimeMillis(), "k".getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8))
                .build();
    }

    /** Produce v9 of one batch to one partition with acks=-1; returns the partition response. */
    private static Struct produce(RawClient c, String topic, int partition, ByteBuffer batch) throws IOException {
        short v = 9;
        Struct req = ProduceApi.SPEC.newRequest().set("Acks", (short) -1).set("TimeoutMs", 30_000);
        Struct td = req.child("TopicData").set("Name", topic);
        td.add("PartitionData", td.child("PartitionData").set("Index", partition).set("Records", MemoryRecords.wrap(batch)));
        req.add("TopicData", td);
        Struct resp = c.request(ProduceApi.SPEC, v, req);
        List<Struct> topics = resp.getStructs("Responses");
        assertThat(topics).hasSize(1);
        assertThat(topics.get(0).getString("Name")).isEqualTo(topic);
        List<Struct> parts = topics.get(0).getStructs("PartitionResponses");
        assertThat(parts).hasSize(1);
        assertThat(parts.get(0).getInt("Index")).isEqualTo(partition);
        return parts.get(0);
    }

    /** ListOffsets v7 with timestamp -1 (latest): the log end offset. */
    private static long latestOffset(RawClient c, String topic, int partition) throws IOException {
        Struct req = ListOffsetsApi.SPEC.newRequest().set("ReplicaId", -1).set("IsolationLevel", (byte) 0);
        Struct t = req.child("Topics").set("Name", topic);
        t.add("Partitions", t.child("Partitions").set("PartitionIndex", partition).set("Timestamp", -1L));
        req.add("Topics", t);
        Struct resp = c.request(ListOffsetsApi.SPEC, (short) 7, req);
        Struct p = resp.getStructs("Topics").get(0).getStructs("Partitions").get(0);
        assertThat(p.getShort("ErrorCode")).isZero();
        return p.getLong("Offset");
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** Writes, accepting that the broker may already have closed the connection (reset / broken pipe). */
    private static void writeTolerantly(RawClient c, byte[] bytes) {
        try {
            c.writeRaw(bytes);
        } catch (IOException e) {
            // closed by the broker mid-write: what the caller checks next anyway
        }
    }

    /** -1 on EOF, -2 on timeout, else the first byte. */
    private static int readOrTimeout(RawClient c) throws IOException {
        try {
            return c.socket().getInputStream().read();
        } catch (java.net.SocketTimeoutException e) {
            return -2;
        }
    }
}
