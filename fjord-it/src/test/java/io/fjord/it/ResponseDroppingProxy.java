package io.fjord.it;

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
 * Point the broker's {@code advertised.listeners} at {@link #port()} so clients come back through the proxy.
 * Threading: two threads per connection; counters and switches are thread-safe. Always {@link #close()} it.
 */
final class ResponseDroppingProxy implements AutoCloseable {
    private static final short PRODUCE = 0;

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
        Map<Integer, Short> apiKeys = new ConcurrentHashMap<>();
        pool.submit(() -> pump(client, broker, apiKeys, true));
        pump(broker, client, apiKeys, false);
    }

    private void pump(Socket from, Socket to, Map<Integer, Short> apiKeys, boolean requests) {
        try {
            DataInputStream in = new DataInputStream(from.getInputStream());
            DataOutputStream out = new DataOutputStream(to.getOutputStream());
            while (true) {
                int size = in.readInt();
                byte[] frame = new byte[size];
                in.readFully(frame);
                ByteBuffer b = ByteBuffer.wrap(frame);
                if (requests) {
                    apiKeys.put(b.getInt(4), b.getShort(0));
                } else {
                    Short key = apiKeys.remove(b.getInt(0));
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
                synchronized (out) {
                    out.writeInt(size);
                    out.write(frame);
                    out.flush();
                }
            }
        } catch (IOException | RuntimeException e) {
            closeBoth(from, to);
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
