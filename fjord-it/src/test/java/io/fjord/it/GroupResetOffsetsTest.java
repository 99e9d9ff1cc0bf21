package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, check 3: {@code fjord group reset-offsets} plans the same offsets as Kafka's own
 * {@code kafka-consumer-groups.sh --reset-offsets} on the same group state, for each kind of reset, including the
 * clamping into [log start, log end]; {@code --execute} commits them; {@code fjord group delete} removes the group.
 */
class GroupResetOffsetsTest {
    private static final String TOPIC = "reset";
    private static final String GROUP = "g";
    private static final long T0 = Instant.parse("2026-06-01T12:00:00Z").toEpochMilli();

    @Test
    void plansEqualKafkaConsumerGroupsAndExecuteCommitsThem(@TempDir Path dir) throws Exception {
        try (TestBroker broker = new TestBroker(dir.resolve("data")).start(); Admin admin = Clients.admin(broker.bootstrap())) {
            String bs = broker.bootstrap();
            Clients.createTopic(bs, TOPIC, 3);
            try (KafkaProducer<String, String> p = Clients.producer(bs)) {
                for (int part = 0; part < 3; part++) {
                    // 30 records a second apart from T0, so a datetime falls between records.
                    for (int i = 0; i < 30; i++) p.send(new ProducerRecord<>(TOPIC, part, T0 + i * 1000L, "k" + i, "v" + i));
                }
                p.flush();
            }
            TopicPartition p0 = new TopicPartition(TOPIC, 0), p1 = new TopicPartition(TOPIC, 1), p2 = new TopicPartition(TOPIC, 2);
            admin.deleteRecords(Map.of(p1, RecordsToDelete.beforeOffset(8))).all().get(30, TimeUnit.SECONDS); // log start 8
            admin.alterConsumerGroupOffsets(GROUP, Map.of(p0, new OffsetAndMetadata(10), p1, new OffsetAndMetadata(20),
                    p2, new OffsetAndMetadata(5))).all().get(30, TimeUnit.SECONDS);

            String datetime = LocalDateTime.ofInstant(Instant.ofEpochMilli(T0 + 14_500), ZoneId.systemDefault())
                    .format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS"));
            List<List<String>> variants = List.of(List.of("--to-earliest"), List.of("--to-latest"),
                    List.of("--to-datetime", datetime), List.of("--shift-by", "-7"), List.of("--shift-by", "25"),
                    List.of("--to-offset", "12"));
            for (List<String> v : variants) {
                Map<String, Long> kafka = kafkaPlan(dir, bs, TOPIC, v);
                Map<String, Long> fjord = fjordPlan(bs, TOPIC, v, "--dry-run");
                assertThat(kafka).as("kafka-consumer-groups %s", v).hasSize(3);
                assertThat(fjord).as("fjord group reset-offsets %s (kafka-consumer-groups planned %s)", v, kafka).isEqualTo(kafka);
            }
            // Some partitions only, then --execute: the committed offsets are the plan.
            Map<String, Long> kafka = kafkaPlan(dir, bs, TOPIC + ":0,2", List.of("--shift-by", "-3"));
            assertThat(kafka).containsOnlyKeys(TOPIC + "-0", TOPIC + "-2");
            assertThat(fjordPlan(bs, TOPIC + ":0,2", List.of("--shift-by", "-3"), "--execute")).isEqualTo(kafka);
            Map<TopicPartition, OffsetAndMetadata> now = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            assertThat(now.get(p0).offset()).isEqualTo(kafka.get(TOPIC + "-0"));
            assertThat(now.get(p2).offset()).isEqualTo(kafka.get(TOPIC + "-2"));
            assertThat(now.get(p1).offset()).as("not named, not changed").isEqualTo(20);

            // An active group is refused, as Kafka refuses it.
            try (var member = Clients.consumer(bs, Map.of("group.id", GROUP))) {
                member.subscribe(List.of(TOPIC));
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                    member.poll(Duration.ofMillis(100));
                    return !member.assignment().isEmpty();
                });
                FjordCliTest.Result refused = FjordCliTest.run(null, "group", "reset-offsets", GROUP, "--topic", TOPIC,
                        "--to-earliest", "--execute", "--bootstrap-server", bs);
                assertThat(refused.code()).isEqualTo(1);
                assertThat(refused.err()).contains("Assignments can only be reset if the group 'g' is inactive, but the current state is Stable.");
                FjordCliTest.Result busy = FjordCliTest.run(null, "group", "delete", GROUP, "--bootstrap-server", bs);
                assertThat(busy.code()).isEqualTo(1);
                assertThat(busy.err()).contains("NON_EMPTY_GROUP");
            }
            FjordCliTest.Result deleted = FjordCliTest.run(null, "group", "delete", GROUP, "--bootstrap-server", bs);
            assertThat(deleted.code()).as(deleted.err()).isZero();
            assertThat(admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)).isEmpty();
            FjordCliTest.Result again = FjordCliTest.run(null, "group", "delete", GROUP, "--bootstrap-server", bs);
            assertThat(again.code()).isEqualTo(1);
            assertThat(again.err()).contains("GROUP_ID_NOT_FOUND");
        }
    }

    private static Map<String, Long> kafkaPlan(Path dir, String bs, String topic, List<String> variant) throws Exception {
        List<String> args = new ArrayList<>(List.of("--bootstrap-server", bs, "--group", GROUP, "--reset-offsets", "--topic", topic));
        args.addAll(variant);
        args.add("--dry-run");
        KafkaTool.Result r = KafkaTool.run(dir.resolve("tool"), "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
                Duration.ofSeconds(90), args);
        assertThat(r.exitCode()).as(r.output()).isZero();
        return table(r.output());
    }

    private static Map<String, Long> fjordPlan(String bs, String topic, List<String> variant, String mode) {
        List<String> args = new ArrayList<>(List.of("group", "reset-offsets", GROUP, "--topic", topic));
        args.addAll(variant);
        args.addAll(List.of(mode, "--bootstrap-server", bs));
        FjordCliTest.Result r = FjordCliTest.run(null, args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        return table(r.out());
    }

    /** The GROUP TOPIC PARTITION NEW-OFFSET rows, as topic-partition → offset. */
    private static Map<String, Long> table(String output) {
        Map<String, Long> out = new TreeMap<>();
        for (String line : output.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 4 && f[0].equals(GROUP) && f[1].equals(TOPIC)) out.put(f[1] + "-" + f[2], Long.parseLong(f[3]));
        }
        return out;
    }
}
