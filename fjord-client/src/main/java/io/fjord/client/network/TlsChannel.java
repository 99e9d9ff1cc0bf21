package io.fjord.client.network;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * TLS over a non-blocking socket with the JDK's {@link SSLEngine}: {@link #read} and {@link #write} move
 * application bytes and drive the handshake when it is not finished (both return 0 until it is). Buffers:
 * {@code netIn} (encrypted bytes read, write mode), {@code appIn} (decrypted bytes not yet taken, write mode),
 * {@code netOut} (encrypted bytes not yet sent, read mode). Not thread-safe: owned by the network client's I/O thread.
 */
final class TlsChannel {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private final SocketChannel channel;
    private final SSLEngine engine;
    private ByteBuffer netIn;
    private ByteBuffer appIn;
    private ByteBuffer netOut;
    private boolean handshakeDone;
    private boolean closedByPeer;

    TlsChannel(SocketChannel channel, SSLEngine engine) throws SSLException {
        this.channel = channel;
        this.engine = engine;
        int packet = engine.getSession().getPacketBufferSize();
        netIn = ByteBuffer.allocate(packet);
        netOut = ByteBuffer.allocate(packet).limit(0);
        appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        engine.beginHandshake();
    }

    /** Encrypted bytes are waiting to be sent: the caller should ask for OP_WRITE. */
    boolean hasPendingOutput() {
        return netOut.hasRemaining();
    }

    /** Application bytes can be written now (the handshake is done, or it is this side's turn to send). */
    boolean canWrite() {
        return handshakeDone || engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP;
    }

    private boolean flush() throws IOException {
        if (netOut.hasRemaining()) channel.write(netOut);
        return !netOut.hasRemaining();
    }

    /** Moves the handshake on as far as the socket allows; true once it is finished. */
    private boolean handshake() throws IOException {
        for (int steps = 0; steps < 10_000; steps++) {
            if (!flush()) return false;
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> {
                    netOut.clear();
                    SSLEngineResult r = engine.wrap(EMPTY, netOut);
                    netOut.flip();
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED && !netOut.hasRemaining()) throw new EOFException("TLS closed during handshake");
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    int n = channel.read(netIn);
                    if (n < 0) throw new EOFException("connection closed during the TLS handshake");
                    netIn.flip();
                    SSLEngineResult r = engine.unwrap(netIn, appIn);
                    netIn.compact();
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                        if (netIn.position() == netIn.capacity()) netIn = grow(netIn, engine.getSession().getPacketBufferSize());
                        if (n == 0) return false;
                    } else if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                        appIn = grow(appIn, engine.getSession().getApplicationBufferSize());
                    } else if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new EOFException("TLS closed during handshake");
                    }
                }
                case NEED_TASK -> {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) task.run();
                }
                case FINISHED, NOT_HANDSHAKING -> {
                    handshakeDone = true;
                    return flush();
                }
            }
        }
        throw new SSLException("TLS handshake did not converge");
    }

    private static ByteBuffer grow(ByteBuffer b, int atLeast) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, atLeast));
        b.flip();
        bigger.put(b);
        return bigger;
    }

    private int drain(ByteBuffer dst) {
        appIn.flip();
        int n = Math.min(appIn.remaining(), dst.remaining());
        ByteBuffer slice = appIn.slice(appIn.position(), n);
        dst.put(slice);
        appIn.position(appIn.position() + n);
        appIn.compact();
        return n;
    }

    /** Decrypted bytes into {@code dst}; -1 once the peer closed and nothing is left. */
    int read(ByteBuffer dst) throws IOException {
        if (!handshakeDone && !handshake()) return 0;
        int total = drain(dst);
        if (!dst.hasRemaining()) return total;
        int n = channel.read(netIn);
        for (int steps = 0; dst.hasRemaining() && steps < 10_000; steps++) {
            netIn.flip();
            SSLEngineResult r = engine.unwrap(netIn, appIn);
            netIn.compact();
            total += drain(dst);
            if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                Runnable task;
                while ((task = engine.getDelegatedTask()) != null) task.run();
            }
            if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                handshakeDone = false; // a key update or renegotiation: answer it before more data
                handshake();
            }
            SSLEngineResult.Status s = r.getStatus();
            if (s == SSLEngineResult.Status.CLOSED) {
                closedByPeer = true;
                break;
            }
            if (s == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                if (netIn.position() == netIn.capacity()) netIn = grow(netIn, engine.getSession().getPacketBufferSize());
                break;
            }
            if (s == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                if (appIn.position() == 0) appIn = grow(appIn, engine.getSession().getApplicationBufferSize());
                continue;
            }
            if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) break;
        }
        if (total == 0 && (n < 0 || closedByPeer)) return -1;
        return total;
    }

    /** Encrypts and sends what the socket takes from {@code src}; returns the application bytes consumed. */
    int write(ByteBuffer src) throws IOException {
        if (!handshakeDone && !handshake()) return 0;
        if (!flush()) return 0;
        int written = 0;
        while (src.hasRemaining()) {
            netOut.clear();
            SSLEngineResult r = engine.wrap(src, netOut);
            netOut.flip();
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                netOut = ByteBuffer.allocate(Math.max(netOut.capacity() * 2, engine.getSession().getPacketBufferSize())).limit(0);
                continue;
            }
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) throw new EOFException("TLS connection closed");
            written += r.bytesConsumed();
            if (!flush()) break;
        }
        return written;
    }
}
