package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.api.Frames;
import io.fjord.protocol.types.Struct;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/**
 * A plain blocking socket to a broker that speaks our own codec: size-prefixed frames encoded with {@link Frames},
 * plus raw bytes for malformed input. Every read is bounded by SO_TIMEOUT.
 */
final class RawClient implements AutoCloseable {
    static final int TIMEOUT_MS = 30_000;

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private int nextCorrelationId = 1;

    RawClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MS);
        socket.setSoTimeout(TIMEOUT_MS);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
    }

    Socket socket() {
        return socket;
    }

    /** Header + body of a request, without the size prefix. */
    static byte[] encode(ApiSpec spec, short version, int correlationId, Struct body) {
        ByteBuffer b = Frames.encodeRequest(spec, version, correlationId, "fjord-it-raw", body);
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }

    static byte[] sizePrefixed(byte[] payload) {
        return ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
    }

    void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends one well-formed request and returns the decoded response body (its correlation id checked). */
    Struct request(ApiSpec spec, short version, Struct body) throws IOException {
        int correlationId = nextCorrelationId++;
        writeRaw(sizePrefixed(encode(spec, version, correlationId, body)));
        return readResponse(spec, version, correlationId);
    }

    Struct readResponse(ApiSpec spec, short version, int correlationId) throws IOException {
        int size = in.readInt();
        assertThat(size).as("response size").isBetween(4, 64 * 1024 * 1024);
        byte[] frame = new byte[size];
        in.readFully(frame);
        ByteBuffer buf = ByteBuffer.wrap(frame);
        assertThat(buf.getInt(0)).as("correlation id").isEqualTo(correlationId);
        Struct body = Frames.decodeResponse(spec, version, buf, true);
        assertThat(buf.remaining()).as("bytes left after the response").isZero();
        return body;
    }

    /**
     * Asserts that the broker closes the connection within the socket timeout without sending a single byte:
     * a read returns EOF or fails (reset). A read timing out means the broker kept the connection open.
     */
    void assertClosedByBroker() throws IOException {
        assertClosedByBroker(false);
    }

    /** As {@link #assertClosedByBroker()}; with {@code allowData} any bytes before the close are skipped. */
    void assertClosedByBroker(boolean allowData) throws IOException {
        socket.setSoTimeout(TIMEOUT_MS);
        InputStream raw = socket.getInputStream();
        byte[] buf = new byte[8192];
        long deadline = System.nanoTime() + 2L * TIMEOUT_MS * 1_000_000L;
        while (System.nanoTime() < deadline) {
            int n;
            try {
                n = raw.read(buf);
            } catch (SocketTimeoutException e) {
                fail("the broker kept the connection open for " + TIMEOUT_MS + " ms");
                return;
            } catch (EOFException e) {
                return;
            } catch (IOException e) {
                return; // connection reset by the broker: closed as well
            }
            if (n < 0) return;
            if (!allowData) fail("expected the broker to close the connection, but it sent " + n + " bytes");
        }
        fail("the broker kept sending data instead of closing the connection");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
