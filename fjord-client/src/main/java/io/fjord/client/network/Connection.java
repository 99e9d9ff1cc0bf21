package io.fjord.client.network;

import io.fjord.client.common.Node;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * One attempt at a connection to a broker: its socket, the framing buffers, the requests waiting for it and those
 * in flight (in send order: brokers answer in order). A connection is used once; after {@link State#CLOSED} the
 * network client makes a new one (after the reconnect backoff).
 * <pre>
 *   state        legal next states   by
 *   CONNECTING   HANDSHAKING         {@link #connected()}   the TCP connect finished; ApiVersions goes first
 *                                                           (on TLS after the TLS handshake; on SASL the SASL
 *                                                           exchange follows it, still HANDSHAKING)
 *                CLOSED              {@link #close()}       connect failed or timed out
 *   HANDSHAKING  READY               {@link #handshaken}    ApiVersions answered: versions known
 *                CLOSED              {@link #close()}       handshake failed or timed out
 *   READY        CLOSED              {@link #close()}       I/O error, request timeout, closing client
 *   CLOSED       (none: terminal)
 * </pre>
 * An illegal move throws {@link IllegalStateException}. Not thread-safe: owned by the network client's I/O thread,
 * except {@link #state()} and {@link #load()}, which other threads may read.
 */
final class Connection {
    enum State { CONNECTING, HANDSHAKING, READY, CLOSED }

    final int nodeId;
    final Node node;
    final SocketChannel channel;
    SelectionKey key;
    /** The TCP connect and the handshake must finish by then. */
    final long establishDeadlineMs;
    final ArrayDeque<PendingRequest> handshakeQueue = new ArrayDeque<>();
    final ArrayDeque<PendingRequest> queued = new ArrayDeque<>();
    final ArrayDeque<PendingRequest> inFlight = new ArrayDeque<>();
    private final Map<Short, short[]> versions = new HashMap<>();
    private volatile State state = State.CONNECTING;
    private volatile int load;
    private PendingRequest writing;
    private ByteBuffer writeBuf;
    private final ByteBuffer sizeBuf = ByteBuffer.allocate(4);
    private ByteBuffer readBody;
    /** Set on TLS connections (security.protocol SSL or SASL_SSL): all bytes go through it. */
    TlsChannel tls;
    /** Set on SASL connections while the exchange runs (after ApiVersions, before READY). */
    SaslClientExchange sasl;
    /** The broker's versions, kept from ApiVersions until the SASL exchange completes. */
    Map<Short, short[]> pendingVersions;

    Connection(int nodeId, Node node, SocketChannel channel, long establishDeadlineMs) {
        this.nodeId = nodeId;
        this.node = node;
        this.channel = channel;
        this.establishDeadlineMs = establishDeadlineMs;
    }

    State state() {
        return state;
    }

    boolean isEstablishing() {
        return state == State.CONNECTING || state == State.HANDSHAKING;
    }

    /** CONNECTING → HANDSHAKING. */
    void connected() {
        move(State.CONNECTING, State.HANDSHAKING);
    }

    /** HANDSHAKING → READY, with the versions the broker speaks per API key ({min, max}). */
    void handshaken(Map<Short, short[]> brokerVersions) {
        move(State.HANDSHAKING, State.READY);
        versions.putAll(brokerVersions);
    }

    /** Any live state → CLOSED; closes the socket. */
    void close() {
        if (state == State.CLOSED) throw new IllegalStateException("connection to node " + nodeId + " is already closed");
        state = State.CLOSED;
        if (key != null) key.cancel();
        try {
            channel.close();
        } catch (IOException ignored) {
            // the connection is failing anyway
        }
    }

    private void move(State from, State to) {
        if (state != from) {
            throw new IllegalStateException("connection to node " + nodeId + ": illegal transition " + state + " -> " + to);
        }
        state = to;
    }

    /** The broker's {min, max} for an API, or null if it does not speak it (or the handshake is not done). */
    short[] versionRange(short apiKey) {
        return versions.get(apiKey);
    }

    /** Requests queued or in flight here (for choosing the least loaded node). */
    int load() {
        return load;
    }

    void addLoad(int delta) {
        load += delta;
    }

    /** The request whose bytes are partly written, if any. */
    PendingRequest writing() {
        return writing;
    }

    void startWriting(PendingRequest r, ByteBuffer frame) {
        if (writing != null) throw new IllegalStateException("a request is already being written");
        writing = r;
        writeBuf = frame;
    }

    /** Writes what the socket takes; returns the request if its last byte went out, else null. */
    PendingRequest writeSome() throws IOException {
        if (tls != null) tls.write(writeBuf);
        else channel.write(writeBuf);
        if (writeBuf.hasRemaining()) return null;
        PendingRequest done = writing;
        writing = null;
        writeBuf = null;
        return done;
    }

    /** Reads what the socket has; returns one whole response frame (without its size prefix), or null. */
    ByteBuffer readFrame() throws IOException {
        if (readBody == null) {
            int n = tls != null ? tls.read(sizeBuf) : channel.read(sizeBuf);
            if (n < 0) throw new IOException("connection closed by " + node);
            if (sizeBuf.hasRemaining()) return null;
            int size = sizeBuf.getInt(0);
            if (size < 4) throw new IOException("bad response size " + size);
            readBody = ByteBuffer.allocate(size);
        }
        int n = tls != null ? tls.read(readBody) : channel.read(readBody);
        if (n < 0) throw new IOException("connection closed by " + node);
        if (readBody.hasRemaining()) return null;
        ByteBuffer body = readBody.flip();
        readBody = null;
        sizeBuf.clear();
        return body;
    }
}
