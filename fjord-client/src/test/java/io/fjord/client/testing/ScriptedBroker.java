package io.fjord.client.testing;

import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.api.ApiVersionsApi;
import io.fjord.protocol.api.Apis;
import io.fjord.protocol.api.MetadataApi;
import io.fjord.protocol.api.RequestHeader;
import io.fjord.protocol.api.ResponseHeader;
import io.fjord.protocol.types.ByteBufferWriter;
import io.fjord.protocol.types.ProtocolReader;
import io.fjord.protocol.types.Struct;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real TCP server on 127.0.0.1 (ephemeral port) that plays a broker just far enough to test the client against
 * a broker that stops answering. {@link Mode#SILENT}: accepts connections and never answers anything.
 * {@link Mode#METADATA_ONLY}: answers ApiVersions (every API Fjord describes, all versions) and Metadata (itself as
 * node 0, leader of partition 0 of each topic asked for), and never answers anything else. Counts connections and
 * requests per API key. One thread per connection; {@link #close()} closes every socket and joins the threads.
 */
public final class ScriptedBroker implements AutoCloseable {
    public enum Mode { SILENT, METADATA_ONLY }

    private final Mode mode;
    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final Map<Short, AtomicInteger> requests = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public ScriptedBroker(Mode mode) throws IOException {
        this.mode = mode;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "scripted-broker-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public String bootstrap() {
        return "127.0.0.1:" + port();
    }

    public int connectionsAccepted() {
        return connections.get();
    }

    public int requestsReceived(short apiKey) {
        AtomicInteger n = requests.get(apiKey);
        return n == null ? 0 : n.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                connections.incrementAndGet();
                Thread t = new Thread(() -> serve(s), "scripted-broker-conn");
                t.setDaemon(true);
                threads.add(t);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (!closed) {
                int size = in.readInt();
                byte[] frame = new byte[size];
                in.readFully(frame);
                ByteBuffer buf = ByteBuffer.wrap(frame);
                ProtocolReader reader = new ProtocolReader(buf);
                RequestHeader header = RequestHeader.read(reader);
                requests.computeIfAbsent(header.apiKey(), k -> new AtomicInteger()).incrementAndGet();
                if (mode == Mode.SILENT) continue;
                ApiSpec spec = Apis.byKey(header.apiKey());
                Struct response;
                if (header.apiKey() == ApiVersionsApi.KEY) {
                    response = apiVersions();
                } else if (header.apiKey() == MetadataApi.KEY) {
                    Struct req = spec.request().read(reader, header.apiVersion(), spec.isFlexible(header.apiVersion()));
                    response = metadata(req);
                } else {
                    continue; // stalled: never answered
                }
                out.write(frame(spec, header, response));
                out.flush();
            }
        } catch (IOException e) {
            // the client closed its side, or we are closing
        }
    }

    private static Struct apiVersions() {
        Struct r = ApiVersionsApi.SPEC.newResponse().set("ErrorCode", (short) 0).set("ThrottleTimeMs", 0);
        List<Struct> keys = new ArrayList<>();
        for (ApiSpec a : Apis.all()) {
            keys.add(r.child("ApiKeys").set("ApiKey", a.key()).set("MinVersion", a.lowest()).set("MaxVersion", a.highest()));
        }
        return r.set("ApiKeys", keys);
    }

    private Struct metadata(Struct req) {
        Struct r = MetadataApi.SPEC.newResponse().set("ThrottleTimeMs", 0).set("ClusterId", "scripted").set("ControllerId", 0);
        r.set("Brokers", List.of(r.child("Brokers").set("NodeId", 0).set("Host", "127.0.0.1").set("Port", port())));
        List<Struct> topics = new ArrayList<>();
        List<Struct> asked = req.getStructs("Topics");
        if (asked != null) {
            for (Struct t : asked) {
                Struct ts = r.child("Topics").set("ErrorCode", (short) 0).set("Name", t.getString("Name"))
                        .set("TopicId", new java.util.UUID(1, t.getString("Name").hashCode())).set("IsInternal", false);
                ts.set("Partitions", List.of(ts.child("Partitions").set("ErrorCode", (short) 0).set("PartitionIndex", 0)
                        .set("LeaderId", 0).set("LeaderEpoch", 0).set("ReplicaNodes", List.of(0))
                        .set("IsrNodes", List.of(0)).set("OfflineReplicas", List.of())));
                topics.add(ts);
            }
        }
        return r.set("Topics", topics);
    }

    private static byte[] frame(ApiSpec spec, RequestHeader header, Struct body) {
        short v = header.apiVersion();
        ByteBufferWriter w = new ByteBufferWriter(256);
        w.writeInt(0);
        new ResponseHeader(header.correlationId()).write(w, spec.responseHeaderVersion(v));
        spec.response().write(w, body, v, spec.isFlexible(v));
        ByteBuffer b = w.toByteBuffer();
        b.putInt(0, b.remaining() - 4);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : sockets) s.close();
        try {
            acceptor.join(10_000);
            for (Thread t : threads) t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
