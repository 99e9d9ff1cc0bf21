package io.fjord.it;

import io.fjord.protocol.api.Frames;
import io.fjord.protocol.api.InitProducerIdApi;
import io.fjord.protocol.types.Struct;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy between Kafka clients and one broker that loses Produce responses, so that a client retries batches
 * the broker has already appended. Frames are forwarded unchanged; the proxy only reads the request header (API key
 * and correlation id) to know which responses answer a Produce request. Two ways to lose responses:
 * <ul>
 *   <li>{@link #dropEveryNthProduceResponse}: swallow the response, then close both sides of that connection;</li>
 *   <li>{@link #swallowResponses}: read every response from the broker and discard it (the broker is about to be
 *       killed or restarted).</li>
 * </ul>
 * It can also swap two Produce requests on their way to the broker ({@link #reorderNextTwoProduceRequests}), and it
 * records InitProducerId answers and, when asked to ({@link #recordFetchRequests}), every Fetch request decoded
 * (session id, epoch, the partitions it names and forgets), to check what incremental fetches carry.
 * Point the broker's {@code advertised.listeners} at {@link #port()} so clients come back through the proxy.
 * Threading: two threads per connection; counters and switches are thread-safe. Always {@link #close()} it.
 */
final class ResponseDroppingProxy implements AutoCloseable {
    private static final short PRODUCE = 0;
    private static final short INIT_PRODUCER_ID = 22;
    private static final short FETCH = 1;

    /** One Fetch request as seen on the wire: partitions as "topic-partition" (topic by name, or id at v13+). */
    record FetchSeen(short version, String clientId, int sessionId, int epoch, java.util.List<String> partitions,
                     java.util.List<String> forgotten) {
        boolean incremental() {
            return sessionId != 0 && epoch > 0;
        }
    }

    private final ServerSocket server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "it-proxy");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile int targetPort;
    private volatile int dropEvery;
    private volatile int maxDrops;
    private volatile boolean swallow;
    final AtomicInteger produceResponses = new AtomicInteger();
    final AtomicInteger dropped = new AtomicInteger();
    final AtomicInteger swallowedProduceResponses = new AtomicInteger();
    private volatile boolean reorderNext;
    final AtomicInteger reordered = new AtomicInteger();
    /** The most Produce requests seen outstanding at once on one connection. */
    final AtomicInteger maxProduceInFlight = new AtomicInteger();
    /** Every InitProducerId answer seen, as "producerId/epoch" (error answers as "error N"). */
    final java.util.List<String> initProducerIdAnswers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean recordFetches;
    /** Fetch requests seen since recording was switched on (in arrival order). */
    final java.util.List<FetchSeen> fetchRequests = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Per connection: API key and version of each request in flight, and a pending swap of two produce responses. */
    private static final class Conn {
        final Map<Integer, Integer> requests = new ConcurrentHashMap<>();
        volatile int swapFirst = Integer.MIN_VALUE;
        volatile int swapSecond = Integer.MIN_VALUE;
        final AtomicInteger produceInFlight = new AtomicInteger();
    }

    ResponseDroppingProxy() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        pool.submit(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    String bootstrap() {
        return "127.0.0.1:" + port();
    }

    ResponseDroppingProxy target(int brokerPort) {
        this.targetPort = brokerPort;
        return this;
    }

    /** Loses the response of every {@code n}-th Produce request (at most {@code max} times) and cuts that connection. */
    void dropEveryNthProduceResponse(int n, int max) {
        this.maxDrops = max;
        this.dropEvery = n;
    }

    void swallowResponses(boolean on) {
        this.swallow = on;
    }

    /**
     * The next two Produce requests on a connection reach the broker in swapped order (so the broker sees a
     * sequence gap for the later one and appends the earlier one after it), and their responses are swapped back,
     * so the client gets answers in the order it expects.
     */
    void reorderNextTwoProduceRequests() {
        this.reorderNext = true;
    }

    /** Starts (or stops) decoding and keeping every Fetch request that passes. */
    void recordFetchRequests(boolean on) {
        this.recordFetches = on;
    }

    private void recordFetch(byte[] frame) {
        io.fjord.protocol.types.ProtocolReader r = new io.fjord.protocol.types.ProtocolReader(ByteBuffer.wrap(frame));
        io.fjord.protocol.api.RequestHeader h = io.fjord.protocol.api.RequestHeader.read(r);
        var spec = io.fjord.protocol.api.FetchApi.SPEC;
        Struct body = spec.request().read(r, h.apiVersion(), spec.isFlexible(h.apiVersion()));
        boolean byId = h.apiVersion() >= 13;
        java.util.List<String> partitions = new java.util.ArrayList<>();
        for (Struct t : body.getStructs("Topics")) {
            String topic = byId ? String.valueOf(t.getUuid("TopicId")) : t.getString("Topic");
            for (Struct p : t.getStructs("Partitions")) partitions.add(topic + "-" + p.getInt("Partition"));
        }
        java.util.List<String> forgotten = new java.util.ArrayList<>();
        for (Struct t : body.getStructs("ForgottenTopicsData")) {
            String topic = byId ? String.valueOf(t.getUuid("TopicId")) : t.getString("Topic");
            for (Object p : t.getList("Partitions")) forgotten.add(topic + "-" + p);
        }
        fetchRequests.add(new FetchSeen(h.apiVersion(), h.clientId(), body.getInt("SessionId"), body.getInt("SessionEpoch"),
                partitions, forgotten));
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                pool.submit(() -> connect(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void connect(Socket client) {
        Socket broker = new Socket();
        sockets.add(broker);
        try {
            broker.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
            client.setTcpNoDelay(true);
            broker.setTcpNoDelay(true);
        } catch (IOException e) {
            closeBoth(client, broker);
            return;
        }
        Conn conn = new Conn();
        pool.submit(() -> pump(client, broker, conn, true));
        pump(broker, client, conn, false);
    }

    private void pump(Socket from, Socket to, Conn conn, boolean requests) {
        byte[] held = null;
        try {
            DataInputStream in = new DataInputStream(from.getInputStream());
            DataOutputStream out = new DataOutputStream(to.getOutputStream());
            while (true) {
                int size = in.readInt();
                byte[] frame = new byte[size];
                in.readFully(frame);
                ByteBuffer b = ByteBuffer.wrap(frame);
                if (requests) {
                    short key = b.getShort(0);
                    int correlationId = b.getInt(4);
                    conn.requests.put(correlationId, (key << 16) | (b.getShort(2) & 0xffff));
                    if (key == FETCH && recordFetches) recordFetch(frame);
                    if (key == PRODUCE) maxProduceInFlight.accumulateAndGet(conn.produceInFlight.incrementAndGet(), Math::max);
                    if (key == PRODUCE && (held != null || reorderNext)) {
                        if (held == null) {
                            reorderNext = false;
                            held = frame;
                            conn.swapFirst = ByteBuffer.wrap(frame).getInt(4);
                            continue;
                        }
                        conn.swapSecond = correlationId;
                        write(out, frame);
                        write(out, held);
                        held = null;
                        reordered.incrementAndGet();
                        continue;
                    }
                } else {
                    int correlationId = b.getInt(0);
                    Integer keyAndVersion = conn.requests.remove(correlationId);
                    Short key = keyAndVersion == null ? null : (short) (keyAndVersion >>> 16);
                    if (key != null && key == PRODUCE) conn.produceInFlight.decrementAndGet();
                    if (key != null && key == INIT_PRODUCER_ID) {
                        Struct r = Frames.decodeResponse(InitProducerIdApi.SPEC, (short) (keyAndVersion & 0xffff),
                                ByteBuffer.wrap(frame), true);
                        initProducerIdAnswers.add(r.getShort("ErrorCode") != 0 ? "error " + r.getShort("ErrorCode")
                                : r.getLong("ProducerId") + "/" + r.getShort("ProducerEpoch"));
                    }
                    if (correlationId == conn.swapSecond) { // answered first by the broker: hold it
                        held = frame;
                        continue;
                    }
                    if (correlationId == conn.swapFirst && held != null) {
                        write(out, frame);
                        write(out, held);
                        held = null;
                        conn.swapFirst = conn.swapSecond = Integer.MIN_VALUE;
                        continue;
                    }
                    if (key != null && key == PRODUCE) {
                        int n = produceResponses.incrementAndGet();
                        if (swallow) {
                            swallowedProduceResponses.incrementAndGet();
                            continue;
                        }
                        int every = dropEvery;
                        if (every > 0 && n % every == 0 && dropped.get() < maxDrops) {
                            dropped.incrementAndGet();
                            closeBoth(from, to);
                            return;
                        }
                    } else if (swallow) {
                        continue;
                    }
                }
                write(out, frame);
            }
        } catch (IOException | RuntimeException e) {
            closeBoth(from, to);
        }
    }

    private static void write(DataOutputStream out, byte[] frame) throws IOException {
        synchronized (out) {
            out.writeInt(frame.length);
            out.write(frame);
            out.flush();
        }
    }

    private void closeBoth(Socket a, Socket b) {
        for (Socket s : new Socket[] {a, b}) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            sockets.remove(s);
        }
    }

    /** Cuts every open connection (clients reconnect through the proxy). */
    void closeConnections() {
        for (Socket s : Set.copyOf(sockets)) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            sockets.remove(s);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        closeConnections();
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
    }
}
