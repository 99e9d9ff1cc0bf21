package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code fjord.log.fsync.on.ack=true}, a node killed with SIGKILL right after the last acks arrive has every
 * acknowledged record, at its offset, after the restart: for an acks=1 producer and an acks=all producer, one topic
 * each. The acks=1 phase must have caused .log forces (the broker's LogFlushRateAndTimeMs count moves: the default
 * flush settings never flush, and that topic's segments are too large to roll). (SIGKILL leaves the page cache intact, so this checks the ack path and recovery,
 * not the fsync itself; a power-loss test would need a VM or dm-log-writes/dm-flakey to drop unforced writes;
 * {@code GroupCommitTest} in fjord-storage reopens a log from only its forced .log files.)
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FsyncOnAckTest {
    private static final String FLUSHES = "kafka_log_logflushstats_logflushrateandtimems_count";

    @Test
    void ackedRecordsSurviveKillMinus9(@TempDir Path tmp) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Map<String, Map<Long, String>> acked = Map.of("acks1", new ConcurrentSkipListMap<>(),
                "acksall", new ConcurrentSkipListMap<>());
        List<String> settings = List.of("log.dirs=" + data, "log.segment.bytes=65536", "num.io.threads=2",
                "num.network.threads=1", "fjord.log.fsync.on.ack=true");
        int port1 = Clients.freePort();
        int console = Clients.freePort();
        try (FjordProcess node = FjordProcess.startJava(tmp, tmp.resolve("run1.out"), port1,
                concat(settings, "listeners=PLAINTEXT://127.0.0.1:" + port1, "fjord.console.listener=http://127.0.0.1:" + console))) {
            node.awaitReady(Duration.ofSeconds(90));
            String bootstrap = "127.0.0.1:" + port1;
            try (Admin admin = Clients.admin(bootstrap)) { // acks1 never rolls: its only flushes are the forces
                admin.createTopics(List.of(new NewTopic("acks1", 1, (short) 1).configs(Map.of("segment.bytes", "16777216")),
                        new NewTopic("acksall", 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            }
            double flushesBefore = PrometheusScrape.of(console).value(FLUSHES, null);
            produce(bootstrap, "acks1", "1", acked.get("acks1"));
            double flushesAfterAcks1 = PrometheusScrape.of(console).value(FLUSHES, null);
            assertThat(flushesAfterAcks1).as("forces during the acks=1 phase").isGreaterThan(flushesBefore);
            produce(bootstrap, "acksall", "all", acked.get("acksall"));
            assertThat(node.kill9()).isEqualTo(137);
        }
        int port2 = Clients.freePort();
        try (FjordProcess node = FjordProcess.startJava(tmp, tmp.resolve("run2.out"), port2,
                concat(settings, "listeners=PLAINTEXT://127.0.0.1:" + port2))) {
            node.awaitReady(Duration.ofSeconds(90));
            for (Map.Entry<String, Map<Long, String>> topic : acked.entrySet()) {
                Map<Long, String> mine = topic.getValue();
                List<ConsumerRecord<String, String>> read = Clients.readFromStart("127.0.0.1:" + port2,
                        List.of(new TopicPartition(topic.getKey(), 0)), mine.size());
                for (ConsumerRecord<String, String> r : read) {
                    if (mine.containsKey(r.offset())) assertThat(r.value()).isEqualTo(mine.get(r.offset()));
                }
                assertThat(read.stream().map(ConsumerRecord::offset).toList()).as(topic.getKey()).containsAll(mine.keySet());
            }
        }
    }

    /** 3,000 records to partition 0 of {@code topic} with {@code acks}; every acknowledged one into {@code acked}. */
    private static void produce(String bootstrap, String topic, String acks, Map<Long, String> acked) {
        AtomicReference<Exception> error = new AtomicReference<>();
        try (KafkaProducer<String, String> p = Clients.producer(bootstrap, Map.of(ProducerConfig.ACKS_CONFIG, acks))) {
            for (int i = 0; i < 3000; i++) {
                String v = topic + "-v" + i + "-" + "y".repeat(200);
                p.send(new ProducerRecord<>(topic, 0, "k" + i, v), (md, e) -> {
                    if (e != null) error.compareAndSet(null, e);
                    else acked.put(md.offset(), v);
                });
            }
            p.flush();
        }
        assertThat(error.get()).isNull();
        assertThat(acked).hasSize(3000);
    }

    private static List<String> concat(List<String> a, String... more) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(List.of(more));
        return out;
    }
}
