package io.fjord.it;

import static io.fjord.it.ExactlyOnce.assertExactlyOnceInOrder;
import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.client.producer.FjordProducer;
import io.fjord.client.serialization.StringSerializer;
import io.fjord.it.ExactlyOnce.Sending;
import io.fjord.it.ExactlyOnce.Sink;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fjord's own producer with its default settings (idempotence on, acks=all, 5 requests in flight) against Fjord:
 * exactly-once appends while a proxy loses produce responses, across kill -9 and a clean restart, and the KIP-360
 * epoch bump after a sequence gap the broker cannot close.
 */
class FjordIdempotentProducerTest {

    /** Defaults only: nothing about idempotence, acks, retries or in-flight requests is set. */
    static FjordProducer<String, String> defaultProducer(String bootstrap) {
        return new FjordProducer<>(Map.of("bootstrap.servers", bootstrap), new StringSerializer(), new StringSerializer());
    }

    @Test
    void lostProduceResponsesAreRetriedWithoutDuplicates(@TempDir Path tmp) throws Exception {
        int count = 100_000;
        try (ResponseDroppingProxy proxy = new ResponseDroppingProxy();
             TestBroker b = new TestBroker(tmp.resolve("data"),
                     Map.of("advertised.listeners", "PLAINTEXT://127.0.0.1:" + proxy.port())).start()) {
            proxy.target(b.port());
            Clients.createTopic(proxy.bootstrap(), "dups", 3);
            proxy.dropEveryNthProduceResponse(7, 25);
            try (FjordProducer<String, String> p = defaultProducer(proxy.bootstrap())) {
                Sending s = Sending.start(Sink.of(p), "dups", count);
                s.awaitAcked(count);
            }
            assertThat(proxy.dropped.get()).as("responses lost").isGreaterThanOrEqualTo(3);
            assertThat(proxy.initProducerIdAnswers).as("no epoch bump needed").hasSize(1);
            assertThat(proxy.maxProduceInFlight.get()).as("produce requests in flight at once").isBetween(2, 5);
            assertExactlyOnceInOrder(proxy.bootstrap(), "dups", 3, count);
        }
    }

    /** As the kafka-clients variant: responses lost right before SIGKILL, then before a clean restart. */
    @Test
    void retriesAfterKillMinus9AndAfterACleanRestartAreStillDuplicates(@TempDir Path tmp) throws Exception {
        ExactlyOnce.survivesLostResponsesAcrossKillAndCleanRestart(tmp, 30_000, bootstrap -> {
            var producer = defaultProducer(bootstrap);
            return ExactlyOnce.OwnedSink.of(ExactlyOnce.Sink.of(producer), producer);
        });
    }

    /**
     * The proxy delivers two produce requests of the one partition in swapped order: the broker refuses the later
     * batch with OUT_OF_ORDER_SEQUENCE_NUMBER and appends the earlier. To the client the oldest unacknowledged batch
     * was refused for a gap, which retrying cannot close: it bumps its epoch (InitProducerId v3+ with its id and
     * epoch, KIP-360), resends from sequence 0 and carries on; nothing is lost or doubled.
     */
    @Test
    void aSequenceGapTheBrokerCannotCloseBumpsTheEpochAndProducingContinues(@TempDir Path tmp) throws Exception {
        int count = 20_000;
        try (ResponseDroppingProxy proxy = new ResponseDroppingProxy();
             TestBroker b = new TestBroker(tmp.resolve("data"),
                     Map.of("advertised.listeners", "PLAINTEXT://127.0.0.1:" + proxy.port())).start()) {
            proxy.target(b.port());
            Clients.createTopic(proxy.bootstrap(), "gap", 1);
            try (FjordProducer<String, String> p = defaultProducer(proxy.bootstrap())) {
                Sending s = Sending.startPaused(Sink.of(p), "gap", count, count / 4);
                s.awaitAcked(count / 4);
                proxy.reorderNextTwoProduceRequests();
                s.allowUpTo(count);
                s.awaitAcked(count);
            }
            assertThat(proxy.reordered.get()).as("requests swapped").isEqualTo(1);
            List<String> answers = proxy.initProducerIdAnswers;
            assertThat(answers).hasSize(2);
            long pid = Long.parseLong(answers.get(0).split("/")[0]);
            assertThat(answers).containsExactly(pid + "/0", pid + "/1");
            assertExactlyOnceInOrder(proxy.bootstrap(), "gap", 1, count);
        }
    }
}
