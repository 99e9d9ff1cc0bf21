package io.fjord.broker.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.broker.config.BrokerConfig;
import io.fjord.broker.config.ConfigException;
import io.fjord.protocol.api.Frames;
import io.fjord.protocol.api.MetadataApi;
import io.fjord.protocol.api.ProduceApi;
import io.fjord.protocol.types.Struct;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@code fjord.network.inline.apis}: the APIs it names are handled on the connection's event loop, every other API on
 * the request pool; only Produce and Fetch may be named.
 */
class InlineApisTest {

    @Test
    void onlyProduceAndFetchMayRunInline() {
        assertThat(config("Produce,Fetch").inlineApis()).containsExactlyInAnyOrder(ProduceApi.KEY, (short) 1);
        assertThat(config("").inlineApis()).isEmpty();
        assertThat(BrokerConfig.of(Map.of()).inlineApis()).containsExactlyInAnyOrder(ProduceApi.KEY, (short) 1);
        assertThatThrownBy(() -> config("Produce,Metadata"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("fjord.network.inline.apis")
                .hasMessageContaining("Metadata");
    }

    @Test
    void inlineApisRunOnTheEventLoopAndTheRestOnThePool() throws Exception {
        assertThat(handlerThreads("Produce")).containsExactly("event loop", "pool");
        assertThat(handlerThreads("Produce,Fetch")).containsExactly("event loop", "pool");
        assertThat(handlerThreads("")).containsExactly("pool", "pool");
    }

    /** Where a Produce and then a Metadata request were handled, with {@code inline} as the setting. */
    private static List<String> handlerThreads(String inline) throws Exception {
        BrokerConfig config = config(inline);
        AtomicReference<String> produceThread = new AtomicReference<>();
        AtomicReference<String> metadataThread = new AtomicReference<>();
        RequestDispatcher dispatcher = new RequestDispatcher().runInline(config.inlineApis())
                .register(ProduceApi.KEY, recording(produceThread))
                .register(MetadataApi.KEY, recording(metadataThread));
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> new Thread(r, "test-request-pool"));
        try (SocketServer server = new SocketServer(config, dispatcher, pool)) {
            server.start();
            server.startServing();
            int port = server.boundPorts().get(0);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                s.setSoTimeout(30_000);
                roundTrip(s, ProduceApi.SPEC, (short) 9, ProduceApi.SPEC.newRequest().set("Acks", (short) 1)
                        .set("TimeoutMs", 1000).set("TopicData", List.of()));
                roundTrip(s, MetadataApi.SPEC, (short) 12, MetadataApi.SPEC.newRequest().set("Topics", List.of()));
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
        return List.of(where(produceThread.get()), where(metadataThread.get()));
    }

    private static String where(String thread) {
        return thread.startsWith("test-request-pool") ? "pool" : "event loop";
    }

    private static ApiHandler recording(AtomicReference<String> thread) {
        return (ctx, request) -> {
            thread.set(Thread.currentThread().getName());
            return CompletableFuture.completedFuture(ctx.spec().newResponse());
        };
    }

    private static void roundTrip(Socket s, io.fjord.protocol.api.ApiSpec spec, short version, Struct body) throws Exception {
        ByteBuffer req = Frames.encodeRequest(spec, version, 7, "inline-test", body);
        byte[] frame = ByteBuffer.allocate(4 + req.remaining()).putInt(req.remaining()).put(req).array();
        OutputStream out = s.getOutputStream();
        out.write(frame);
        out.flush();
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] response = new byte[in.readInt()];
        in.readFully(response);
        assertThat(ByteBuffer.wrap(response).getInt()).isEqualTo(7); // the correlation id: answered
    }

    private static BrokerConfig config(String inline) {
        return BrokerConfig.of(Map.of("listeners", "PLAINTEXT://127.0.0.1:0", "fjord.network.inline.apis", inline,
                "fjord.console.listener", "none"));
    }
}
