package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.client.consumer.OffsetAndMetadata;
import io.fjord.client.errors.ProducerFencedException;
import io.fjord.client.producer.FjordProducer;
import io.fjord.client.producer.ProducerRecord;
import io.fjord.client.serialization.StringSerializer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Fjord's transactional producer (issue 12, the producer's part), read back by kafka-clients' consumer as the
 * oracle: committed transactions across two partitions are visible exactly once to read_committed, aborted ones
 * never (read_uncommitted sees both); offsets sent to a transaction are committed with it; a second producer with
 * the same transactional.id fences the first, whose commit then fails with ProducerFencedException. Runs against
 * a broker with transactions (Apache Kafka 4.4 in the kafka-compat profile; Fjord's broker once its transaction
 * coordinator is merged).
 */
final class TransactionalProducerChecks {
    private TransactionalProducerChecks() {
    }

    private static FjordProducer<String, String> producer(String bootstrap, String transactionalId) {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", bootstrap);
        c.put("transactional.id", transactionalId);
        c.put("transaction.timeout.ms", "30000");
        c.put("max.block.ms", "60000");
        return new FjordProducer<>(c, new StringSerializer(), new StringSerializer());
    }

    static void commitsAbortsOffsetsAndFencing(String bootstrap, String topic, String group) throws Exception {
        try (Admin admin = Clients.admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1), new NewTopic(topic + "-in", 1, (short) 1)))
                    .all().get(60, TimeUnit.SECONDS);
        }
        String txnId = "fjord-txn-" + topic;
        List<String> committed = new ArrayList<>();
        try (FjordProducer<String, String> p = producer(bootstrap, txnId)) {
            p.initTransactions();
            for (int t = 0; t < 4; t++) {
                p.beginTransaction();
                for (int i = 0; i < 25; i++) {
                    String v = "t" + t + "-" + i;
                    p.send(new ProducerRecord<>(topic, i % 2, "k" + i, v));
                    if (t % 2 == 0) committed.add(v);
                }
                if (t == 2) {
                    p.sendOffsetsToTransaction(Map.of(new io.fjord.client.common.TopicPartition(topic + "-in", 0),
                            new OffsetAndMetadata(42)), group);
                }
                if (t % 2 == 0) p.commitTransaction();
                else p.abortTransaction();
            }

            // A newer producer with the same id fences this one: its open transaction is aborted, its commit refused.
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, 0, "zombie", "zombie"));
            p.flush();
            try (FjordProducer<String, String> newer = producer(bootstrap, txnId)) {
                newer.initTransactions();
                newer.beginTransaction();
                newer.send(new ProducerRecord<>(topic, 1, "k", "newer"));
                newer.commitTransaction();
                committed.add("newer");
            }
            assertThatThrownBy(p::commitTransaction).isInstanceOf(ProducerFencedException.class);
            Throwable after = org.assertj.core.api.Assertions.catchThrowable(() ->
                    p.send(new ProducerRecord<>(topic, 0, "k", "after")).get(30, TimeUnit.SECONDS));
            assertThat(after).as("a fenced producer sends nothing more").isNotNull();
            assertThat(after instanceof ProducerFencedException || after.getCause() instanceof ProducerFencedException)
                    .as(String.valueOf(after)).isTrue();
        }

        List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
        List<String> readCommitted = new ArrayList<>();
        for (ConsumerRecord<String, String> r : Clients.readFromStart(bootstrap, tps, committed.size(),
                Map.of("isolation.level", "read_committed"))) {
            readCommitted.add(r.value());
        }
        assertThat(readCommitted).as("committed once, aborted and fenced never").containsExactlyInAnyOrderElementsOf(committed);
        List<String> all = new ArrayList<>();
        for (ConsumerRecord<String, String> r : Clients.readFromStart(bootstrap, tps, 102)) all.add(r.value());
        assertThat(all).as("read_uncommitted sees aborted ones too").contains("t1-0", "t3-24", "zombie");
        try (Admin admin = Clients.admin(bootstrap)) {
            var offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            assertThat(offsets.get(new TopicPartition(topic + "-in", 0)).offset()).as("offsets committed with the transaction")
                    .isEqualTo(42);
        }
    }
}
