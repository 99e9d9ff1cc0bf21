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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code fjord.log.fsync.on.ack=true}, a node killed with SIGKILL right after the last acks arrive has every
 * acknowledged record, at its offset, after the restart. (SIGKILL leaves the page cache intact, so this checks the
 * ack path and recovery, not the fsync itself; a power-loss test would need a VM or dm-log-writes/dm-flakey to drop
 * unflushed writes.)
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FsyncOnAckTest {
    @Test
    void ackedRecordsSurviveKillMinus9(@TempDir Path tmp) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Map<Long, String> acked = new ConcurrentSkipListMap<>();
        List<String> settings = List.of("log.dirs=" + data, "log.segment.bytes=65536", "num.io.threads=2",
                "num.network.threads=1", "fjord.log.fsync.on.ack=true");
        int port1 = Clients.freePort();
        try (FjordProcess node = FjordProcess.startJava(tmp, tmp.resolve("run1.out"), port1,
                concat(settings, "listeners=PLAINTEXT://127.0.0.1:" + port1))) {
            node.awaitReady(Duration.ofSeconds(90));
            String bootstrap = "127.0.0.1:" + port1;
            Clients.createTopic(bootstrap, "durable", 1);
            AtomicReference<Exception> error = new AtomicReference<>();
            try (KafkaProducer<String, String> p = Clients.producer(bootstrap)) {
                for (int i = 0; i < 3000; i++) {
                    String v = "v" + i + "-" + "y".repeat(200);
                    p.send(new ProducerRecord<>("durable", 0, "k" + i, v), (md, e) -> {
                        if (e != null) error.compareAndSet(null, e);
                        else acked.put(md.offset(), v);
                    });
                }
                p.flush();
            }
            assertThat(error.get()).isNull();
            assertThat(acked).hasSize(3000);
            assertThat(node.kill9()).isEqualTo(137);
        }
        int port2 = Clients.freePort();
        try (FjordProcess node = FjordProcess.startJava(tmp, tmp.resolve("run2.out"), port2,
                concat(settings, "listeners=PLAINTEXT://127.0.0.1:" + port2))) {
            node.awaitReady(Duration.ofSeconds(90));
            List<ConsumerRecord<String, String>> read = Clients.readFromStart("127.0.0.1:" + port2,
                    List.of(new TopicPartition("durable", 0)), acked.size());
            for (ConsumerRecord<String, String> r : read) {
                if (acked.containsKey(r.offset())) assertThat(r.value()).isEqualTo(acked.get(r.offset()));
            }
            assertThat(read.stream().map(ConsumerRecord::offset).toList()).containsAll(acked.keySet());
        }
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.add(b);
        return out;
    }
}
