package io.fjord.client.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fjord.client.common.ClientConfig;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.FjordConsumer;
import io.fjord.client.errors.TimeoutException;
import io.fjord.client.serialization.ByteArrayDeserializer;
import io.fjord.client.testing.ScriptedBroker;
import io.fjord.protocol.api.FetchApi;
import io.fjord.protocol.types.Struct;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Check 2 of issue 16: a broker that accepts and never answers makes a Fetch fail within request.timeout.ms (not
 * the five minutes the consumer used to allow every request). Real sockets on 127.0.0.1; bounds are generous.
 */
class StalledBrokerTest {
    private static final Duration BOUND = Duration.ofSeconds(30);

    private static NetworkClient client(ScriptedBroker broker, long requestTimeoutMs) {
        return new NetworkClient(new ClientConfig(Map.of("bootstrap.servers", broker.bootstrap(),
                "request.timeout.ms", requestTimeoutMs, "reconnect.backoff.ms", 10)), "test-network");
    }

    private static CompletableFuture<ClientResponse> fetch(NetworkClient network, long timeoutMs) {
        return network.send(-1, FetchApi.SPEC, (short) 12, v -> {
            Struct req = FetchApi.SPEC.newRequest().set("ReplicaId", -1).set("MaxWaitMs", 500).set("MinBytes", 1)
                    .set("MaxBytes", 1024).set("IsolationLevel", (byte) 0).set("SessionId", 0).set("SessionEpoch", -1);
            Struct t = req.child("Topics").set("Topic", "t");
            t.add("Partitions", t.child("Partitions").set("Partition", 0).set("FetchOffset", 0L).set("PartitionMaxBytes", 1024));
            return req.add("Topics", t);
        }, true, timeoutMs);
    }

    private static Throwable failureOf(CompletableFuture<ClientResponse> f) {
        await().atMost(BOUND).until(f::isDone);
        assertThat(f).isCompletedExceptionally();
        try {
            f.join();
            throw new AssertionError("expected a failure");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    @Test
    void brokerThatNeverAnswersFailsTheFetchWithATimeout() throws Exception {
        try (ScriptedBroker broker = new ScriptedBroker(ScriptedBroker.Mode.SILENT);
             NetworkClient network = client(broker, 1000)) {
            Throwable e = failureOf(fetch(network, RequestSender.DEFAULT_TIMEOUT));
            // Whichever expires first, the request's own deadline or the connection setup's, both are 1000 ms.
            assertThat(e).isInstanceOf(TimeoutException.class).hasMessageContaining("1000 ms");
            assertThat(broker.requestsReceived(FetchApi.KEY)).as("never got past the handshake").isZero();
            assertThat(broker.connectionsAccepted()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void fetchInFlightToAStalledBrokerTimesOutAfterRequestTimeout() throws Exception {
        try (ScriptedBroker broker = new ScriptedBroker(ScriptedBroker.Mode.METADATA_ONLY);
             NetworkClient network = client(broker, 1000)) {
            Throwable e = failureOf(fetch(network, RequestSender.DEFAULT_TIMEOUT));
            assertThat(e).isInstanceOf(TimeoutException.class).hasMessageContaining("Fetch").hasMessageContaining("1000 ms");
            assertThat(broker.requestsReceived(FetchApi.KEY)).isEqualTo(1);
            assertThat(network.metrics()).containsEntry("request-timeout-total", 1L).containsEntry("request-total", 1L)
                    .containsEntry("response-total", 0L);
        }
    }

    @Test
    void aRequestsOwnTimeoutOverridesTheClientDefault() throws Exception {
        try (ScriptedBroker broker = new ScriptedBroker(ScriptedBroker.Mode.METADATA_ONLY);
             NetworkClient network = client(broker, 600_000)) {
            Throwable e = failureOf(fetch(network, 1000));
            assertThat(e).isInstanceOf(TimeoutException.class).hasMessageContaining("1000 ms");
        }
    }

    @Test
    void consumerWithAGroupNoticesAStalledFetchAndFetchesAgainOnANewConnection() throws Exception {
        // With group.id the consumer used to raise request.timeout.ms to max.poll.interval.ms + 5 s (305 s): the
        // second Fetch below came five minutes late. Now only JoinGroup gets the long timeout.
        try (ScriptedBroker broker = new ScriptedBroker(ScriptedBroker.Mode.METADATA_ONLY);
             FjordConsumer<byte[], byte[]> consumer = new FjordConsumer<>(Map.of("bootstrap.servers", broker.bootstrap(),
                     "group.id", "g", "enable.auto.commit", false, "request.timeout.ms", 1500,
                     "reconnect.backoff.ms", 10), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition("t", 0);
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
            await().atMost(BOUND).until(() -> {
                assertThat(consumer.poll(Duration.ofMillis(100)).isEmpty()).isTrue();
                return broker.requestsReceived(FetchApi.KEY) >= 2;
            });
            assertThat(broker.connectionsAccepted()).isGreaterThanOrEqualTo(2);
        }
    }
}
