package io.fjord.client.network;

import io.fjord.client.common.ClientConfig;
import io.fjord.client.common.ExponentialBackoff;
import io.fjord.client.common.Node;
import io.fjord.client.common.Time;
import io.fjord.client.errors.DisconnectException;
import io.fjord.client.errors.FjordClientException;
import io.fjord.client.errors.TimeoutException;
import io.fjord.client.errors.UnsupportedVersionException;
import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.api.ApiVersionsApi;
import io.fjord.protocol.api.RequestHeader;
import io.fjord.protocol.api.ResponseHeader;
import io.fjord.protocol.types.ByteBufferWriter;
import io.fjord.protocol.types.SizeCounter;
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
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's connections, driven by one I/O thread around a {@link Selector}. Per node: at most one
 * {@link Connection} (its own state machine), an ApiVersions handshake before anything else (each later request
 * uses the highest version both sides support), requests not yet written and the in-flight ones in send order
 * (Kafka brokers answer in order, so a response must carry the correlation id of the oldest in-flight request).
 * <p>
 * Each request carries its own timeout ({@link #send(int, ApiSpec, short, Function, boolean, long)}; by default
 * {@code request.timeout.ms}), so one long-parked request (a JoinGroup waits up to the rebalance timeout) does not
 * stretch the timeout of every other: an expired queued request fails alone, an expired in-flight one closes its
 * connection (the answers behind it could not be matched any more), as Kafka's client does. A connection must be
 * established and handshaken within {@code socket.connection.setup.timeout.ms} (default: request.timeout.ms).
 * A failed connection is retried after the reconnect backoff ({@link ExponentialBackoff#reconnect}).
 * <p>
 * Threading: callers on any thread use {@link #send}; futures complete on the I/O thread, so their callbacks must
 * be short. Time and randomness (jitter, least-loaded tie-breaks) are passed in.
 */
public final class NetworkClient implements RequestSender, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetworkClient.class);
    private static final short UNSUPPORTED_VERSION = 35;

    /** A node's connection as seen from outside the I/O thread. */
    public enum State { DISCONNECTED, CONNECTING, HANDSHAKING, READY }

    private final String clientId;
    private final long requestTimeoutMs;
    private final long connectionSetupTimeoutMs;
    private final ExponentialBackoff reconnectBackoff;
    private final Time time;
    private final Random random;
    private final int maxInFlightPerConnection;
    private final int sendBuffer;
    private final int receiveBuffer;
    /** security.protocol and its TLS / SASL settings. */
    private final ClientSecurity security;
    private final Selector selector;
    private final Thread ioThread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Map<Integer, Node> nodes = new ConcurrentHashMap<>();
    /** Live connections by node; written by the I/O thread only, read by any. */
    private final Map<Integer, Connection> connections = new ConcurrentHashMap<>();
    private final Map<Integer, Long> backoffUntil = new ConcurrentHashMap<>();
    private final Map<Integer, Integer> failuresByNode = new HashMap<>(); // I/O thread only
    private final AtomicInteger correlation = new AtomicInteger();
    private final List<LongUnaryOperator> pollHooks = new ArrayList<>();
    private final List<IntConsumer> disconnectListeners = new ArrayList<>();
    private volatile boolean closed;
    private final java.util.concurrent.atomic.LongAdder connectionsCreated = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder connectionsClosed = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder requestsSent = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder responsesReceived = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder requestTimeouts = new java.util.concurrent.atomic.LongAdder();

    public NetworkClient(ClientConfig config, String threadName) {
        this(config, threadName, Time.SYSTEM, new Random());
    }

    public NetworkClient(ClientConfig config, String threadName, Time time, Random random) {
        this.clientId = config.getString("client.id", "fjord-client");
        this.requestTimeoutMs = config.getLong("request.timeout.ms", 30000);
        this.connectionSetupTimeoutMs = config.getLong("socket.connection.setup.timeout.ms", requestTimeoutMs);
        this.time = time;
        this.random = random;
        this.reconnectBackoff = ExponentialBackoff.reconnect(config, random);
        this.maxInFlightPerConnection = config.getInt("fjord.network.max.in.flight", 100);
        this.sendBuffer = config.getInt("send.buffer.bytes", 131072);
        this.receiveBuffer = config.getInt("receive.buffer.bytes", 65536);
        this.security = ClientSecurity.from(config);
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
     * Cumulative counters (Kafka's selector metric names where one exists): connections opened and closed (a
     * failed attempt counts as both), requests written, responses read, requests expired by their timeout.
     */
    public Map<String, Long> metrics() {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("connection-creation-total", connectionsCreated.sum());
        m.put("connection-close-total", connectionsClosed.sum());
        m.put("request-total", requestsSent.sum());
        m.put("response-total", responsesReceived.sum());
        m.put("request-timeout-total", requestTimeouts.sum());
        return m;
    }

    /** The default per-request timeout ({@code request.timeout.ms}). */
    public long requestTimeoutMs() {
        return requestTimeoutMs;
    }

    /**
     * Registers work to run on the I/O thread at every loop turn (the metadata updater): given the time, it
     * returns when it next needs to run.
     */
    public synchronized void addPollHook(LongUnaryOperator hook) {
        pollHooks.add(hook);
    }

    public synchronized void addDisconnectListener(IntConsumer l) {
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
        Connection c = connections.get(nodeId);
        if (c == null) return State.DISCONNECTED;
        return switch (c.state()) {
            case CONNECTING -> State.CONNECTING;
            case HANDSHAKING -> State.HANDSHAKING;
            case READY -> State.READY;
            case CLOSED -> State.DISCONNECTED;
        };
    }

    public boolean isBackingOff(int nodeId) {
        Long until = backoffUntil.get(nodeId);
        return until != null && time.milliseconds() < until;
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
            Connection c = connections.get(n.id());
            if (c != null && c.state() == Connection.State.READY && c.load() < bestLoad) {
                best = n.id();
                bestLoad = c.load();
            }
        }
        if (best != null) return best;
        List<Integer> candidates = new ArrayList<>();
        for (Node n : nodes.values()) if (!isBackingOff(n.id())) candidates.add(n.id());
        boolean anyReal = candidates.stream().anyMatch(id -> id >= 0);
        if (anyReal) candidates.removeIf(id -> id < 0);
        if (candidates.isEmpty()) return null;
        synchronized (random) {
            return candidates.get(random.nextInt(candidates.size()));
        }
    }

    /** Milliseconds until some node may be tried again (0 if one can be tried now). */
    public long timeToNextConnectAttempt() {
        long now = time.milliseconds();
        long min = Long.MAX_VALUE;
        for (Node n : nodes.values()) {
            Long until = backoffUntil.get(n.id());
            if (until == null || until <= now) return 0;
            min = Math.min(min, until - now);
        }
        return min == Long.MAX_VALUE ? 0 : min;
    }

    @Override
    public CompletableFuture<ClientResponse> send(int nodeId, ApiSpec spec, short maxVersion,
                                                  Function<Short, Struct> body, boolean expectResponse, long timeoutMs) {
        long timeout = timeoutMs < 0 ? requestTimeoutMs : timeoutMs;
        PendingRequest r = new PendingRequest(nodeId, spec, maxVersion, body, expectResponse, time.milliseconds(),
                timeout, false);
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
                List<LongUnaryOperator> hooks;
                synchronized (this) {
                    hooks = new ArrayList<>(pollHooks);
                }
                long now = time.milliseconds();
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
            shutDown();
        }
    }

    private void shutDown() {
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

    private void writeAll() {
        for (Connection c : new ArrayList<>(connections.values())) {
            try {
                if (c.state() == Connection.State.READY || c.state() == Connection.State.HANDSHAKING) write(c);
            } catch (IOException | RuntimeException e) {
                disconnect(c, e);
            }
        }
    }

    private void enqueue(PendingRequest r) {
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
        c.addLoad(1);
    }

    /** The connection to the node, connecting if needed; null while it is backing off or if connecting failed. */
    private Connection connection(int nodeId) {
        Connection existing = connections.get(nodeId);
        if (existing != null) return existing;
        if (isBackingOff(nodeId)) return null;
        Node n = nodes.get(nodeId);
        if (n == null) return null;
        SocketChannel ch;
        try {
            ch = SocketChannel.open();
        } catch (IOException e) {
            failConnectAttempt(nodeId, n, e);
            return null;
        }
        Connection c = new Connection(nodeId, n, ch, time.milliseconds() + connectionSetupTimeoutMs);
        connections.put(nodeId, c);
        connectionsCreated.increment();
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            if (sendBuffer > 0) ch.setOption(StandardSocketOptions.SO_SNDBUF, sendBuffer);
            if (receiveBuffer > 0) ch.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
            boolean done = ch.connect(new InetSocketAddress(n.host(), n.port()));
            c.key = ch.register(selector, done ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, c);
            if (done) startHandshake(c);
        } catch (IOException | RuntimeException e) {
            disconnect(c, e);
            return null;
        }
        return c;
    }

    private void failConnectAttempt(int nodeId, Node n, Exception e) {
        int failures = failuresByNode.merge(nodeId, 1, Integer::sum);
        backoffUntil.put(nodeId, time.milliseconds() + reconnectBackoff.backoffMs(failures));
        log.debug("cannot open a socket to node {} ({}): {}", nodeId, n, e.toString());
    }

    private void finishConnect(Connection c) throws IOException {
        if (c.channel.finishConnect()) {
            c.key.interestOps(SelectionKey.OP_READ);
            startHandshake(c);
        }
    }

    private void startHandshake(Connection c) {
        c.connected();
        if (security.usesTls()) {
            try {
                c.tls = new TlsChannel(c.channel, security.newEngine(c.node.host(), c.node.port()));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        sendApiVersions(c, ApiVersionsApi.SPEC.highest());
    }

    /** After ApiVersions on a SASL connection: SaslHandshake, then SaslAuthenticate rounds until done. */
    private void startSasl(Connection c, Map<Short, short[]> versions) {
        c.pendingVersions = versions;
        c.sasl = security.newSaslExchange(random);
        PendingRequest r = new PendingRequest(c.nodeId, io.fjord.protocol.api.SaslHandshakeApi.SPEC, (short) 1, v -> {
            Struct s = io.fjord.protocol.api.SaslHandshakeApi.SPEC.newRequest();
            s.set("Mechanism", security.mechanism());
            return s;
        }, true, time.milliseconds(), Math.max(0, c.establishDeadlineMs - time.milliseconds()), true);
        r.version = 1;
        c.handshakeQueue.add(r);
    }

    private void sendSaslToken(Connection c, byte[] token) {
        short[] range = c.pendingVersions.get(io.fjord.protocol.api.SaslAuthenticateApi.KEY);
        short version = (short) Math.min(range == null ? 0 : range[1], 2);
        PendingRequest r = new PendingRequest(c.nodeId, io.fjord.protocol.api.SaslAuthenticateApi.SPEC, version, v -> {
            Struct s = io.fjord.protocol.api.SaslAuthenticateApi.SPEC.newRequest();
            s.set("AuthBytes", token);
            return s;
        }, true, time.milliseconds(), Math.max(0, c.establishDeadlineMs - time.milliseconds()), true);
        r.version = version;
        c.handshakeQueue.add(r);
    }

    private void handleSaslResponse(Connection c, PendingRequest r, ByteBuffer buf) throws IOException {
        ProtocolReader in = new ProtocolReader(buf);
        ResponseHeader.read(in, r.spec.responseHeaderVersion(r.version));
        Struct body = r.spec.response().read(in, r.version, r.spec.isFlexible(r.version));
        short error = body.getShort("ErrorCode");
        byte[] serverToken = new byte[0];
        if (r.spec.key() == io.fjord.protocol.api.SaslHandshakeApi.KEY) {
            if (error != 0) throw new IOException("SASL mechanism " + security.mechanism() + " refused by node " + c.nodeId + " (error " + error + ")");
        } else {
            if (error != 0) throw new IOException("SASL authentication to node " + c.nodeId + " failed: " + body.getString("ErrorMessage"));
            serverToken = (byte[]) body.get("AuthBytes");
        }
        byte[] next;
        try {
            next = c.sasl.next(serverToken);
        } catch (SaslClientExchange.SaslFailure e) {
            throw new IOException(e.getMessage());
        }
        if (next != null) {
            sendSaslToken(c, next);
            return;
        }
        if (!c.sasl.isComplete()) throw new IOException("SASL exchange with node " + c.nodeId + " ended early");
        finishHandshake(c, c.pendingVersions);
    }

    private void finishHandshake(Connection c, Map<Short, short[]> versions) {
        c.handshaken(versions);
        c.sasl = null;
        c.pendingVersions = null;
        failuresByNode.remove(c.nodeId);
        backoffUntil.remove(c.nodeId);
        log.debug("connected to node {} ({})", c.nodeId, c.node);
    }

    private void sendApiVersions(Connection c, short version) {
        PendingRequest r = new PendingRequest(c.nodeId, ApiVersionsApi.SPEC, version, v -> {
            Struct s = ApiVersionsApi.SPEC.newRequest();
            s.set("ClientSoftwareName", "fjord-client").set("ClientSoftwareVersion", "0.1.0");
            return s;
        }, true, time.milliseconds(), Math.max(0, c.establishDeadlineMs - time.milliseconds()), true);
        r.version = version;
        c.handshakeQueue.add(r);
    }

    private void write(Connection c) throws IOException {
        while (true) {
            if (c.writing() == null) {
                PendingRequest next = nextToWrite(c);
                if (next == null) break;
                c.startWriting(next, encode(next));
                if (next.expectResponse) c.inFlight.add(next);
            }
            PendingRequest done = c.writeSome();
            if (done == null) break;
            if (!done.handshake) requestsSent.increment();
            if (!done.expectResponse) {
                c.addLoad(-1);
                done.future.complete(new ClientResponse(c.nodeId, done.version, null));
            }
        }
        // On TLS, ask for OP_WRITE only when bytes can move (not while waiting for the peer's handshake message).
        boolean wantWrite = c.tls == null ? c.writing() != null : c.tls.hasPendingOutput() || (c.writing() != null && c.tls.canWrite());
        int ops = SelectionKey.OP_READ | (wantWrite ? SelectionKey.OP_WRITE : 0);
        if (c.key.isValid() && c.key.interestOps() != ops) c.key.interestOps(ops);
    }

    private PendingRequest nextToWrite(Connection c) {
        if (!c.handshakeQueue.isEmpty()) return c.handshakeQueue.poll();
        if (c.state() != Connection.State.READY || c.queued.isEmpty() || c.inFlight.size() >= maxInFlightPerConnection) {
            return null;
        }
        while (!c.queued.isEmpty()) {
            PendingRequest r = c.queued.poll();
            short[] range = c.versionRange(r.spec.key());
            short ours = (short) Math.min(r.maxVersion, r.spec.highest());
            if (range == null || Math.min(ours, range[1]) < Math.max(r.spec.lowest(), range[0])) {
                c.addLoad(-1);
                r.future.completeExceptionally(new UnsupportedVersionException("node " + c.nodeId + " does not support "
                        + r.spec.name() + (range == null ? "" : " in versions we speak (broker: " + range[0] + "-" + range[1] + ")")));
                continue;
            }
            r.version = (short) Math.min(ours, range[1]);
            return r;
        }
        return null;
    }

    private ByteBuffer encode(PendingRequest r) {
        Struct body = r.body.apply(r.version);
        r.correlationId = correlation.incrementAndGet();
        boolean flex = r.spec.isFlexible(r.version);
        RequestHeader header = new RequestHeader(r.spec.key(), r.version, r.correlationId, clientId);
        // Sized first, so a Produce of many batches is written into one buffer without regrowing (and copying) it.
        SizeCounter size = new SizeCounter();
        header.write(size, flex);
        r.spec.request().write(size, body, r.version, flex);
        ByteBufferWriter w = new ByteBufferWriter(4 + size.size());
        w.writeInt(0);
        header.write(w, flex);
        r.spec.request().write(w, body, r.version, flex);
        ByteBuffer b = w.toByteBuffer();
        b.putInt(0, b.remaining() - 4);
        return b;
    }

    private void read(Connection c) throws IOException {
        ByteBuffer frame;
        while (c.state() != Connection.State.CLOSED && (frame = c.readFrame()) != null) handleResponse(c, frame);
    }

    private void handleResponse(Connection c, ByteBuffer buf) throws IOException {
        PendingRequest r = c.inFlight.poll();
        if (r == null) throw new IOException("response without a request from " + c.node);
        ProtocolReader in = new ProtocolReader(buf);
        int correlationId = buf.getInt(buf.position());
        if (correlationId != r.correlationId) {
            throw new IOException("correlation id " + correlationId + " does not match " + r.correlationId);
        }
        if (r.handshake) {
            if (r.spec.key() == ApiVersionsApi.KEY) handleApiVersions(c, r, buf);
            else handleSaslResponse(c, r, buf);
            return;
        }
        c.addLoad(-1);
        responsesReceived.increment();
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

    private void handleApiVersions(Connection c, PendingRequest r, ByteBuffer buf) throws IOException {
        ProtocolReader in = new ProtocolReader(buf.duplicate());
        ResponseHeader.read(in, (short) 0);
        Struct resp;
        short error;
        try {
            resp = ApiVersionsApi.SPEC.response().read(in, r.version, ApiVersionsApi.SPEC.isFlexible(r.version));
            error = resp.getShort("ErrorCode");
        } catch (RuntimeException e) {
            resp = null;
            error = UNSUPPORTED_VERSION;
        }
        if (error == UNSUPPORTED_VERSION) {
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
        Map<Short, short[]> versions = new HashMap<>();
        for (Struct k : resp.getStructs("ApiKeys")) {
            versions.put(k.getShort("ApiKey"), new short[] {k.getShort("MinVersion"), k.getShort("MaxVersion")});
        }
        if (security.usesSasl()) startSasl(c, versions);
        else finishHandshake(c, versions);
    }

    /** Fails expired requests (each by its own deadline) and returns the earliest remaining deadline. */
    private long expireAndNextDeadline(long now) {
        long next = now + 1000;
        for (Connection c : new ArrayList<>(connections.values())) {
            if (c.isEstablishing()) {
                if (now >= c.establishDeadlineMs) {
                    disconnect(c, new TimeoutException("connection to node " + c.nodeId + " (" + c.node
                            + ") not established within " + connectionSetupTimeoutMs + " ms"));
                    continue;
                }
                next = Math.min(next, c.establishDeadlineMs);
            }
            PendingRequest expired = null;
            for (PendingRequest r : c.inFlight) {
                if (r.handshake) continue;
                if (now >= r.deadlineMs) {
                    expired = r;
                    break;
                }
                next = Math.min(next, r.deadlineMs);
            }
            if (expired != null) {
                requestTimeouts.increment();
                disconnect(c, new TimeoutException(expired.spec.name() + " request to node " + c.nodeId
                        + " timed out after " + expired.timeoutMs + " ms"));
                continue;
            }
            Iterator<PendingRequest> it = c.queued.iterator();
            while (it.hasNext()) {
                PendingRequest r = it.next();
                if (now >= r.deadlineMs) {
                    requestTimeouts.increment();
                    it.remove();
                    c.addLoad(-1);
                    r.future.completeExceptionally(new TimeoutException(r.spec.name() + " request to node " + c.nodeId
                            + " not sent within " + r.timeoutMs + " ms"));
                } else {
                    next = Math.min(next, r.deadlineMs);
                }
            }
        }
        for (Long until : backoffUntil.values()) if (until > now) next = Math.min(next, until);
        return next;
    }

    private void disconnect(Connection c, Throwable cause) {
        if (connections.get(c.nodeId) != c) return;
        connections.remove(c.nodeId);
        boolean wasReady = c.state() == Connection.State.READY;
        c.close();
        connectionsClosed.increment();
        // A connection that worked and then broke is retried after the first backoff step; repeated failures to
        // (re)establish one back off exponentially.
        int failures = wasReady ? 1 : failuresByNode.getOrDefault(c.nodeId, 0) + 1;
        failuresByNode.put(c.nodeId, failures);
        if (!closed) backoffUntil.put(c.nodeId, time.milliseconds() + reconnectBackoff.backoffMs(failures));
        String why = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        if (!closed) log.debug("disconnected from node {} ({}): {}", c.nodeId, c.node, why);
        RuntimeException ex = cause instanceof TimeoutException t ? t
                : new DisconnectException("connection to node " + c.nodeId + " (" + c.node + ") failed: " + why, cause);
        List<PendingRequest> failed = new ArrayList<>();
        if (c.writing() != null && !c.inFlight.contains(c.writing())) failed.add(c.writing());
        failed.addAll(c.inFlight);
        failed.addAll(c.queued);
        c.inFlight.clear();
        c.queued.clear();
        for (PendingRequest r : failed) if (!r.handshake) r.future.completeExceptionally(ex);
        List<IntConsumer> ls;
        synchronized (this) {
            ls = new ArrayList<>(disconnectListeners);
        }
        if (!closed) for (var l : ls) l.accept(c.nodeId);
    }
}
