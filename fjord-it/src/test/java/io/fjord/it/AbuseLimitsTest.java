package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 check 4 on one live broker: a flood of connections from one address is capped at
 * {@code max.connections.per.ip}, idle connections are closed after {@code connections.max.idle.ms}, and clients
 * dribbling a request one byte a second are cut off by the incomplete-frame timeout, while a kafka-clients
 * producer and consumer on another address keep working throughout. The hostile sockets come from 127.0.0.2 and
 * 127.0.0.3 (any 127/8 address is loopback on Linux); the good client from 127.0.0.1.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AbuseLimitsTest {
    private static final int PER_IP = 5;
    private final List<Socket> sockets = new ArrayList<>();
    private TestBroker broker;

    @AfterEach
    void tearDown() {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
        if (broker != null) broker.close();
    }

    private void start(Path dir, Map<String, String> settings) throws Exception {
        broker = new TestBroker(dir, settings).start();
    }

    private Socket connectFrom(String localAddress) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(localAddress, 0));
        s.connect(new InetSocketAddress("127.0.0.1", broker.port()), 10_000);
        return s;
    }

    /** True once the broker has closed the socket (end of stream or reset); false while it is still open. */
    private static boolean closedByBroker(Socket s) {
        try {
            s.setSoTimeout(50);
            InputStream in = s.getInputStream();
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static long openCount(List<Socket> list) {
        return list.stream().filter(s -> !closedByBroker(s)).count();
    }

    /** A synchronous produce and a read of it back: the good client is served. */
    private void goodClientWorks(KafkaProducer<String, String> producer, String value) throws Exception {
        long offset = producer.send(new ProducerRecord<>("good", value)).get(30, TimeUnit.SECONDS).offset();
        List<ConsumerRecord<String, String>> read = Clients.readFromStart(broker.bootstrap(),
                List.of(new TopicPartition("good", 0)), (int) offset + 1);
        assertThat(read).extracting(ConsumerRecord::value).contains(value);
    }

    @Test
    void aConnectionFloodFromOneAddressIsCappedAndIdleConnectionsAreClosed(@TempDir Path dir) throws Exception {
        start(dir, Map.of("max.connections.per.ip", String.valueOf(PER_IP), "connections.max.idle.ms", "3000",
                "max.connections.per.ip.overrides", "127.0.0.1:1000"));
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrap())) {
            goodClientWorks(producer, "before");
            List<Socket> flood = new ArrayList<>();
            for (int i = 0; i < 40; i++) flood.add(connectFrom("127.0.0.2"));
            // Every connection is accepted by the kernel; the broker keeps PER_IP and closes the rest.
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> openCount(flood) == PER_IP);
            assertThat(broker.broker().connectionLimits().connectionCount(java.net.InetAddress.getByName("127.0.0.2")))
                    .isEqualTo(PER_IP);
            goodClientWorks(producer, "during flood");
            // Nothing is sent on them: connections.max.idle.ms closes them, and the address may connect again.
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> openCount(flood) == 0);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> broker.broker().connectionLimits()
                    .connectionCount(java.net.InetAddress.getByName("127.0.0.2")) == 0);
            Socket again = connectFrom("127.0.0.2");
            OutputStream out = again.getOutputStream();
            out.write(RawClient.sizePrefixed(RawClient.encode(io.fjord.protocol.api.ApiVersionsApi.SPEC, (short) 3, 7,
                    io.fjord.protocol.api.ApiVersionsApi.SPEC.newRequest().set("ClientSoftwareName", "it").set("ClientSoftwareVersion", "1"))));
            out.flush();
            again.setSoTimeout(30_000);
            byte[] size = again.getInputStream().readNBytes(4);
            assertThat(size).hasSize(4); // answered
            goodClientWorks(producer, "after flood");
        }
    }

    @Test
    void clientsSendingOneByteASecondAreCutOffWhileOthersAreServed(@TempDir Path dir) throws Exception {
        start(dir, Map.of("fjord.socket.request.read.timeout.ms", "5000", "connections.max.idle.ms", "60000"));
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrap())) {
            goodClientWorks(producer, "before");
            List<Socket> slow = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Socket s = connectFrom("127.0.0.3");
                // A header promising a 1 MB request, then a trickle.
                s.getOutputStream().write(new byte[] {0, 0x10, 0, 0});
                s.getOutputStream().flush();
                slow.add(s);
            }
            Socket hugeHeader = connectFrom("127.0.0.3");
            hugeHeader.getOutputStream().write(new byte[] {0x05, (byte) 0xff, (byte) 0xff, (byte) 0xff}); // ~100 MB
            hugeHeader.getOutputStream().flush();
            slow.add(hugeHeader);
            int sent = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            // One byte a second on each, with the good client served in between, until the broker cuts them off.
            while (openCount(slow) > 0 && System.nanoTime() < deadline) {
                for (Socket s : slow.subList(0, 3)) {
                    try {
                        s.getOutputStream().write(0x01);
                        s.getOutputStream().flush();
                    } catch (IOException closed) {
                        // cut off already
                    }
                }
                sent++;
                goodClientWorks(producer, "trickle " + sent);
                Thread.sleep(1000); // the slow client's own pace, not a wait for the broker
            }
            assertThat(openCount(slow)).isZero();
            // Each one got more than the idle timeout would need never to fire: it was the frame timeout.
            assertThat(sent).isGreaterThanOrEqualTo(3);
            goodClientWorks(producer, "after");
        }
    }
}
