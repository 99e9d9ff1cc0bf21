package io.fjord.client.network;

import io.fjord.client.common.ClientConfig;
import io.fjord.client.common.Node;
import io.fjord.client.errors.DisconnectException;
import io.fjord.client.errors.FjordClientException;
import io.fjord.client.errors.TimeoutException;
import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.api.ApiVersionsApi;
import io.fjord.protocol.api.RequestHeader;
import io.fjord.protocol.api.ResponseHeader;
import io.fjord.protocol.types.ByteBufferWriter;
import io.fjord.protocol.types.ProtocolReader;
import io.fjord.protocol.types.Struct;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's connections, driven by one I/O thread around a {@link Selector}. Per node: one connection, an
 * ApiVersions handshake before anything else (each later request uses the highest version both sides support),
 * a queue of requests not yet written and the in-flight ones in send order (Kafka brokers answer in order, so a
 * response must carry the correlation id of the oldest in-flight request). Requests expire after
 * {@code request.timeout.ms}: an expired in-flight request closes its connection, as Kafka's client does. A failed
 * connection is retried after {@code reconnect.backoff.ms}, doubling up to {@code reconnect.backoff.max.ms} (with
 * 20% jitter). Callers on any thread use {@link #send}; futures complete on the I/O thread, so their callbacks must
 * be short.
 */
public final class NetworkClient implements RequestSender, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetworkClient.class);

    public enum State { DISCONNECTED, CONNECTING, HANDSHAKING, READY }

    private final String clientId;
    private final long requestTimeoutMs;
    private final long reconnectBackoffMs;
    private final long reconnectBackoffMaxMs;
    private final int maxInFlightPerConnection;
    private final int sendBuffer;
    private final int receiveBuffer;
    private final Selector selector;
    private final Thread ioThread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Map<Integer, Node> nodes = new ConcurrentHashMap<>();
    private final Map<Integer, State> states = new ConcurrentHashMap<>();
    private final Map<Integer, Long> backoffUntil = new ConcurrentHashMap<>();
    private final Map<Integer, Connection> connections = new HashMap<>(); // I/O thread only
    private final AtomicInteger correlation = new AtomicInteger();
    private final List<java.util.function.LongUnaryOperator> pollHooks = new ArrayList<>();
    private final List<java.util.function.IntConsumer> disconnectListeners = new ArrayList<>();
    private volatile boolean closed;

    public NetworkClient(ClientConfig config, String threadName) {
        this.clientId = config.getString("client.id", "fjord-client");
        this.requestTimeoutMs = config.getLong("request.timeout.ms", 30000);
        this.reconnectBackoffMs = config.getLong("reconnect.backoff.ms", 50);
        this.reconnectBackoffMaxMs = config.getLong("reconnect.backoff.max.ms", 1000);
        this.maxInFlightPerConnection = config.getInt("fjord.network.max.in.flight", 100);
        this.sendBuffer = config.getInt("send.buffer.bytes", 131072);
        this.receiveBuffer = config.getInt("receive.buffer.bytes", 65536);
        for (Node n : config.bootstrapNodes()) nodes.put(n.id(), n);
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new FjordClientException("cannot open a selector", e);
        }
        ioThread = new Thread(this::run, threadName);
        ioThread.setDaemon(true);
        ioThread.start();
    }

    /**
     * Registers work to run on the I/O thread at every loop turn (the metadata updater): given the time, it
     * returns when it next needs to run.
     */
    public synchronized void addPollHook(java.util.function.LongUnaryOperator hook) {
        pollHooks.add(hook);
    }

    public synchronized void addDisconnectListener(java.util.function.IntConsumer l) {
        disconnectListeners.add(l);
    }

    /** Learns the brokers of the cluster (from metadata); bootstrap entries are kept for later refreshes. */
    public void updateNodes(Collection<Node> cluster) {
        for (Node n : cluster) nodes.put(n.id(), n);
    }

    public Collection<Node> knownNodes() {
        return nodes.values();
    }

    public State state(int nodeId) {
        return states.getOrDefault(nodeId, State.DISCONNECTED);
    }

    public boolean isBackingOff(int nodeId) {
        Long until = backoffUntil.get(nodeId);
        return until != null && System.currentTimeMillis() < until;
    }

    @Override
    public boolean ready(int nodeId) {
        State s = state(nodeId);
        if (s == State.READY) return true;
        if (s == State.DISCONNECTED && !isBackingOff(nodeId) && nodes.containsKey(nodeId)) {
            tasks.add(() -> connection(nodeId));
            selector.wakeup();
        }
        return false;
    }

    /**
     * A node to send a request that any broker can answer: a ready one with the fewest requests in flight, else
     * one that is not backing off (real brokers before bootstrap addresses), else null.
     */
    public Integer leastLoadedNode() {
        Integer best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (Node n : nodes.values()) {
            if (state(n.id()) == State.READY) {
                Connection c = connectionsSnapshot.get(n.id());
                int load = c == null ? 0 : c.load;
                if (load < bestLoad) {
                    best = n.id();
                    bestLoad = load;
                }
            }
        }
        if (best != null) return best;
        List<Integer> candidates = new ArrayList<>();
        for (Node n : nodes.values()) if (!isBackingOff(n.id())) candidates.add(n.id());
        boolean anyReal = candidates.stream().anyMatch(id -> id >= 0);
        if (anyReal) candidates.removeIf(id -> id < 0);
        if (candidates.isEmpty()) return null;
        return candidates.get(ThreadLocalRandom.current().nextInt(candidates.size()));
    }

    /** Milliseconds until some node may be tried again (0 if one can be tried now). */
    public long timeToNextConnectAttempt() {
        long now = System.currentTimeMillis();
        long min = Long.MAX_VALUE;
        for (Node n : nodes.values()) {
            Long until = backoffUntil.get(n.id());
            if (until == null || until <= now) return 0;
            min = Math.min(min, until - now);
        }
        return min == Long.MAX_VALUE ? 0 : min;
    }

    private final Map<Integer, Connection> connectionsSnapshot = new ConcurrentHashMap<>();

    @Override
    public CompletableFuture<ClientResponse> send(int nodeId, ApiSpec spec, short maxVersion,
                                                  Function<Short, Struct> body, boolean expectResponse) {
        Request r = new Request(nodeId, spec, maxVersion, body, expectResponse,
                System.currentTimeMillis() + requestTimeoutMs);
        if (closed) {
            r.future.completeExceptionally(new DisconnectException("client closed"));
            return r.future;
        }
        tasks.add(() -> enqueue(r));
        selector.wakeup();
        return r.future;
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        selector.wakeup();
        try {
            ioThread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ioThread.isAlive()) ioThread.interrupt();
    }

    // ---- I/O thread ----

    private void run() {
        try {
            while (!closed) {
                Runnable t;
                while ((t = tasks.poll()) != null) t.run();
                List<java.util.function.LongUnaryOperator> hooks;
                synchronized (this) {
                    hooks = new ArrayList<>(pollHooks);
                }
                long now = System.currentTimeMillis();
                long hookDue = Long.MAX_VALUE;
                for (var h : hooks) {
                    try {
                        hookDue = Math.min(hookDue, h.applyAsLong(now));
                    } catch (RuntimeException e) {
                        log.warn("poll hook failed", e);
                    }
                }
                long timeout = Math.max(1, Math.min(1000, Math.min(hookDue, expireAndNextDeadline(now)) - now));
                writeAll(); // requests queued by the tasks above go out before we block
                selector.select(timeout);
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    Connection c = (Connection) key.attachment();
                    try {
                        if (!key.isValid()) continue;
                        if (key.isConnectable()) finishConnect(c);
                        if (key.isValid() && key.isReadable()) read(c);
                        if (key.isValid() && key.isWritable()) write(c);
                    } catch (IOException | RuntimeException e) {
                        disconnect(c, e);
                    }
                }
                writeAll();
            }
        } catch (IOException | ClosedSelectorException e) {
            log.error("network I/O thread failed", e);
        } finally {
            for (Connection c : new ArrayList<>(connections.values())) disconnect(c, new DisconnectException("client closed"));
            Runnable t;
            while ((t = tasks.poll()) != null) {
                try {
                    t.run();
                } catch (RuntimeException ignored) {
                    // closing
                }
            }
            for (Connection c : new ArrayList<>(connections.values())) disconnect(c, new DisconnectException("client closed"));
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private void writeAll() {
        for (Connection c : new ArrayList<>(connections.values())) {
            try {
                if (c.state == State.READY || c.state == State.HANDSHAKING) write(c);
            } catch (IOException | RuntimeException e) {
                disconnect(c, e);
            }
        }
    }

    private void enqueue(Request r) {
        if (closed) {
            r.future.completeExceptionally(new DisconnectException("client closed"));
            return;
        }
        if (!nodes.containsKey(r.nodeId)) {
            r.future.completeExceptionally(new DisconnectException("unknown node " + r.nodeId));
            return;
        }
        Connection c = connection(r.nodeId);
        if (c == null) {
            r.future.completeExceptionally(new DisconnectException("node " + r.nodeId + " is backing off after a failed connection"));
            return;
        }
        c.queued.add(r);
        c.load++;
    }

    /** The connection to the node, connecting if needed; null while it is backing off. */
    private Connection connection(int nodeId) {
        Connection c = connections.get(nodeId);
        if (c != null) return c;
        if (isBackingOff(nodeId)) return null;
        Node n = nodes.get(nodeId);
        if (n == null) return null;
        c = new Connection(nodeId, n);
        connections.put(nodeId, c);
        connectionsSnapshot.put(nodeId, c);
        setState(c, State.CONNECTING);
        try {
            SocketChannel ch = SocketChannel.open();
            c.channel = ch;
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            if (sendBuffer > 0) ch.setOption(StandardSocketOptions.SO_SNDBUF, sendBuffer);
            if (receiveBuffer > 0) ch.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
            c.connectDeadline = System.currentTimeMillis() + requestTimeoutMs;
            boolean done = ch.connect(new InetSocketAddress(n.host(), n.port()));
            c.key = ch.register(selector, done ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, c);
            if (done) startHandshake(c);
        } catch (IOException | RuntimeException e) {
            disconnect(c, e);
            return connections.get(nodeId);
        }
        return c;
    }

    private void setState(Connection c, State s) {
        c.state = s;
        states.put(c.nodeId, s);
    }

    private void finishConnect(Connection c) throws IOException {
        if (c.channel.finishConnect()) {
            c.key.interestOps(SelectionKey.OP_READ);
            startHandshake(c);
        }
    }

    private void startHandshake(Connection c) {
        setState(c, State.HANDSHAKING);
        sendApiVersions(c, ApiVersionsApi.SPEC.highest());
    }

    private void sendApiVersions(Connection c, short version) {
        Request r = new Request(c.nodeId, ApiVersionsApi.SPEC, version, v -> {
            Struct s = ApiVersionsApi.SPEC.newRequest();
            s.set("ClientSoftwareName", "fjord-client").set("ClientSoftwareVersion", "0.1.0");
            return s;
        }, true, System.currentTimeMillis() + requestTimeoutMs);
        r.version = version;
        r.handshake = true;
        c.handshakeQueue.add(r);
    }

    private void write(Connection c) throws IOException {
        while (true) {
            if (c.writing == null) {
                Request next = nextToWrite(c);
                if (next == null) break;
                c.writing = next;
                c.writeBuf = encode(next);
                if (next.expectResponse) c.inFlight.add(next);
            }
            c.channel.write(c.writeBuf);
            if (c.writeBuf.hasRemaining()) break;
            Request done = c.writing;
            c.writing = null;
            c.writeBuf = null;
            if (!done.expectResponse) {
                c.load--;
                done.future.complete(new ClientResponse(c.nodeId, done.version, null));
            }
        }
        int ops = SelectionKey.OP_READ | (c.writing != null ? SelectionKey.OP_WRITE : 0);
        if (c.key.isValid() && c.key.interestOps() != ops) c.key.interestOps(ops);
    }

    private Request nextToWrite(Connection c) {
        if (!c.handshakeQueue.isEmpty()) return c.handshakeQueue.poll();
        if (c.state != State.READY || c.queued.isEmpty() || c.inFlight.size() >= maxInFlightPerConnection) return null;
        while (!c.queued.isEmpty()) {
            Request r = c.queued.poll();
            short[] range = c.versions.get(r.spec.key());
            short ours = (short) Math.min(r.maxVersion, r.spec.highest());
            if (range == null || Math.min(ours, range[1]) < Math.max(r.spec.lowest(), range[0])) {
                c.load--;
                r.future.completeExceptionally(new io.fjord.client.errors.UnsupportedVersionException("node " + c.nodeId + " does not support "
                        + r.spec.name() + (range == null ? "" : " in versions we speak (broker: " + range[0] + "-" + range[1] + ")")));
                continue;
            }
            r.version = (short) Math.min(ours, range[1]);
            return r;
        }
        return null;
    }

    private ByteBuffer encode(Request r) {
        Struct body = r.body.apply(r.version);
        r.correlationId = correlation.incrementAndGet();
        boolean flex = r.spec.isFlexible(r.version);
        ByteBufferWriter w = new ByteBufferWriter(256);
        w.writeInt(0);
        new RequestHeader(r.spec.key(), r.version, r.correlationId, clientId).write(w, flex);
        r.spec.request().write(w, body, r.version, flex);
        ByteBuffer b = w.toByteBuffer();
        b.putInt(0, b.remaining() - 4);
        return b;
    }

    private void read(Connection c) throws IOException {
        while (true) {
            if (c.readBody == null) {
                int n = c.channel.read(c.sizeBuf);
                if (n < 0) throw new IOException("connection closed by " + c.node);
                if (c.sizeBuf.hasRemaining()) return;
                int size = c.sizeBuf.getInt(0);
                if (size < 4) throw new IOException("bad response size " + size);
                c.readBody = ByteBuffer.allocate(size);
            }
            int n = c.channel.read(c.readBody);
            if (n < 0) throw new IOException("connection closed by " + c.node);
            if (c.readBody.hasRemaining()) return;
            ByteBuffer body = c.readBody.flip();
            c.readBody = null;
            c.sizeBuf.clear();
            handleResponse(c, body);
        }
    }

    private void handleResponse(Connection c, ByteBuffer buf) throws IOException {
        Request r = c.inFlight.poll();
        if (r == null) throw new IOException("response without a request from " + c.node);
        ProtocolReader in = new ProtocolReader(buf);
        int correlationId = buf.getInt(buf.position());
        if (correlationId != r.correlationId) {
            throw new IOException("correlation id " + correlationId + " does not match " + r.correlationId);
        }
        if (r.handshake) {
            handleApiVersions(c, r, buf);
            return;
        }
        c.load--;
        Struct body;
        try {
            ResponseHeader.read(in, r.spec.responseHeaderVersion(r.version));
            body = r.spec.response().read(in, r.version, r.spec.isFlexible(r.version));
        } catch (RuntimeException e) {
            r.future.completeExceptionally(new FjordClientException("cannot parse " + r.spec.name() + " v" + r.version
                    + " response from node " + c.nodeId, e));
            throw new IOException("unparsable response", e);
        }
        r.future.complete(new ClientResponse(c.nodeId, r.version, body));
    }

    private void handleApiVersions(Connection c, Request r, ByteBuffer buf) throws IOException {
        ProtocolReader in = new ProtocolReader(buf.duplicate());
        ResponseHeader.read(in, (short) 0);
        Struct resp;
        short error;
        try {
            resp = ApiVersionsApi.SPEC.response().read(in, r.version, ApiVersionsApi.SPEC.isFlexible(r.version));
            error = resp.getShort("ErrorCode");
        } catch (RuntimeException e) {
            resp = null;
            error = 35;
        }
        if (error == 35) {
            // The broker answered in v0 with the versions it speaks: retry with its highest ApiVersions.
            ProtocolReader v0 = new ProtocolReader(buf.duplicate());
            ResponseHeader.read(v0, (short) 0);
            Struct old = ApiVersionsApi.SPEC.response().read(v0, (short) 0, false);
            short max = 0;
            for (Struct k : old.getStructs("ApiKeys")) if (k.getShort("ApiKey") == ApiVersionsApi.KEY) max = k.getShort("MaxVersion");
            if (r.version == 0 || max >= r.version) throw new IOException("ApiVersions handshake failed");
            sendApiVersions(c, (short) Math.min(max, ApiVersionsApi.SPEC.highest()));
            return;
        }
        if (error != 0) throw new IOException("ApiVersions failed with error " + error);
        for (Struct k : resp.getStructs("ApiKeys")) {
            c.versions.put(k.getShort("ApiKey"), new short[] {k.getShort("MinVersion"), k.getShort("MaxVersion")});
        }
        setState(c, State.READY);
        c.failures = 0;
        failuresByNode.remove(c.nodeId);
        backoffUntil.remove(c.nodeId);
        log.debug("connected to node {} ({})", c.nodeId, c.node);
    }

    /** Fails expired requests and returns the earliest remaining deadline. */
    private long expireAndNextDeadline(long now) {
        long next = now + 1000;
        for (Connection c : new ArrayList<>(connections.values())) {
            if (c.state == State.CONNECTING || c.state == State.HANDSHAKING) {
                if (now >= c.connectDeadline) {
                    disconnect(c, new TimeoutException("connection to node " + c.nodeId + " (" + c.node
                            + ") not established within " + requestTimeoutMs + " ms"));
                    continue;
                }
                next = Math.min(next, c.connectDeadline);
            }
            Request head = c.inFlight.peek();
            if (head != null && !head.handshake && now >= head.deadline) {
                disconnect(c, new TimeoutException(head.spec.name() + " request to node " + c.nodeId
                        + " timed out after " + requestTimeoutMs + " ms"));
                continue;
            }
            if (head != null) next = Math.min(next, head.deadline);
            Iterator<Request> it = c.queued.iterator();
            while (it.hasNext()) {
                Request r = it.next();
                if (now >= r.deadline) {
                    it.remove();
                    c.load--;
                    r.future.completeExceptionally(new TimeoutException(r.spec.name() + " request to node " + c.nodeId
                            + " not sent within " + requestTimeoutMs + " ms"));
                } else {
                    next = Math.min(next, r.deadline);
                }
            }
        }
        for (Long until : backoffUntil.values()) if (until > now) next = Math.min(next, until);
        return next;
    }

    private void disconnect(Connection c, Throwable cause) {
        if (connections.get(c.nodeId) != c) return;
        connections.remove(c.nodeId);
        connectionsSnapshot.remove(c.nodeId);
        boolean wasReady = c.state == State.READY;
        setState(c, State.DISCONNECTED);
        if (c.key != null) c.key.cancel();
        try {
            if (c.channel != null) c.channel.close();
        } catch (IOException ignored) {
            // already failing
        }
        int failures = wasReady ? 1 : c.failures + 1;
        long backoff = Math.min(reconnectBackoffMaxMs, reconnectBackoffMs * (1L << Math.min(20, Math.max(0, failures - 1))));
        backoff = (long) (backoff * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
        if (!closed) backoffUntil.put(c.nodeId, System.currentTimeMillis() + backoff);
        failuresByNode.put(c.nodeId, failures);
        String why = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        if (!closed) log.debug("disconnected from node {} ({}): {}", c.nodeId, c.node, why);
        RuntimeException ex = cause instanceof TimeoutException t ? t
                : new DisconnectException("connection to node " + c.nodeId + " (" + c.node + ") failed: " + why, cause);
        List<Request> failed = new ArrayList<>();
        if (c.writing != null && !c.inFlight.contains(c.writing)) failed.add(c.writing);
        failed.addAll(c.inFlight);
        failed.addAll(c.queued);
        c.inFlight.clear();
        c.queued.clear();
        for (Request r : failed) if (!r.handshake) r.future.completeExceptionally(ex);
        List<java.util.function.IntConsumer> ls;
        synchronized (this) {
            ls = new ArrayList<>(disconnectListeners);
        }
        if (!closed) for (var l : ls) l.accept(c.nodeId);
    }

    private final Map<Integer, Integer> failuresByNode = new HashMap<>();

    private final class Connection {
        final int nodeId;
        final Node node;
        SocketChannel channel;
        SelectionKey key;
        volatile State state = State.DISCONNECTED;
        long connectDeadline;
        final ArrayDeque<Request> handshakeQueue = new ArrayDeque<>();
        final ArrayDeque<Request> queued = new ArrayDeque<>();
        final ArrayDeque<Request> inFlight = new ArrayDeque<>();
        final Map<Short, short[]> versions = new HashMap<>();
        Request writing;
        ByteBuffer writeBuf;
        final ByteBuffer sizeBuf = ByteBuffer.allocate(4);
        ByteBuffer readBody;
        volatile int load;
        int failures;

        Connection(int nodeId, Node node) {
            this.nodeId = nodeId;
            this.node = node;
            this.failures = failuresByNode.getOrDefault(nodeId, 0);
        }
    }

    private static final class Request {
        final int nodeId;
        final ApiSpec spec;
        final short maxVersion;
        final Function<Short, Struct> body;
        final boolean expectResponse;
        final long deadline;
        final CompletableFuture<ClientResponse> future = new CompletableFuture<>();
        short version;
        int correlationId;
        boolean handshake;

        Request(int nodeId, ApiSpec spec, short maxVersion, Function<Short, Struct> body, boolean expectResponse,
                long deadline) {
            this.nodeId = nodeId;
            this.spec = spec;
            this.maxVersion = maxVersion;
            this.body = body;
            this.expectResponse = expectResponse;
            this.deadline = deadline;
        }
    }
}
