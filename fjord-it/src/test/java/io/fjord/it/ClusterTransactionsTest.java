package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fjord.protocol.api.WriteTxnMarkersApi;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes, {@code __transaction_state} with RF 3: a transaction whose markers cannot be written yet (every
 * leader refuses them) stays PREPARE_COMMIT; the coordinator's node crashes; the new leader of the transaction
 * log partition loads the PREPARE_COMMIT, resumes the markers to the partitions' current leaders, and completes
 * the commit. The brokers' WriteTxnMarkers handlers are wrapped by {@link MarkerRecordingHandler} (records, refuses).
 * kafka-clients' producer runs at transaction version 2: the partition leaders add the partitions at the coordinator
 * (AddPartitionsToTxn v5 from the leaders not on the coordinator's node, counted by a wrapper), once per partition
 * and transaction — later batches of the transaction find it open in the partition's producer state. Last, a
 * feature downgrade (UpdateFeatures) sent to one node reaches every node through the Raft quorum.
 */
class ClusterTransactionsTest {
    @TempDir
    Path dir;
    TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
    }

    @Test
    void aNewCoordinatorResumesTheMarkersOfAPreparedCommit() throws Exception {
        List<MarkerRecordingHandler.Marker> written = new CopyOnWriteArrayList<>();
        AtomicBoolean refuse = new AtomicBoolean(false);
        java.util.concurrent.atomic.AtomicInteger leaderAdds = new java.util.concurrent.atomic.AtomicInteger();
        cluster = new TestCluster(dir, 3, Map.of("transaction.state.log.num.partitions", "3",
                "offsets.topic.num.partitions", "3"))
                .withHandlerWrapper(WriteTxnMarkersApi.KEY, (b, real) -> new MarkerRecordingHandler(b, real, written, refuse::get))
                .withHandlerWrapper(io.fjord.protocol.api.AddPartitionsToTxnApi.KEY, (b, real) -> (ctx, req) -> {
                    if (ctx.version() >= 4) leaderAdds.incrementAndGet(); // broker to broker: a leader adding a partition
                    return real.handle(ctx, req);
                })
                .start();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic("c", 3, (short) 3))).all().get(60, TimeUnit.SECONDS);
        }
        cluster.awaitTopicEverywhere("c");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "ha");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        List<TopicPartition> parts = List.of(new TopicPartition("c", 0), new TopicPartition("c", 1), new TopicPartition("c", 2));
        int coordinator;
        long pid;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p); Admin admin = Clients.admin(cluster.bootstrap())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (TopicPartition tp : parts) producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), "k", "v")).get(30, TimeUnit.SECONDS);
            TransactionDescription started = admin.describeTransactions(List.of("ha")).description("ha").get(30, TimeUnit.SECONDS);
            assertThat(started.topicPartitions()).containsExactlyInAnyOrderElementsOf(parts); // added by the leaders
            long remote = parts.stream().filter(tp -> cluster.node(started.coordinatorId()).broker().controller().image()
                    .topic(tp.topic()).partition(tp.partition()).leader() != started.coordinatorId()).count();
            assertThat(leaderAdds.get()).isEqualTo((int) remote);
            for (int i = 0; i < 5; i++) {
                for (TopicPartition tp : parts) producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), "k", "v" + i)).get(30, TimeUnit.SECONDS);
            }
            assertThat(leaderAdds.get()).as("later batches of the transaction ask no coordinator").isEqualTo((int) remote);
            // The produce path's seam, asked on a broker that is not the coordinator (AddPartitionsToTxn v5 over the wire).
            TransactionDescription open = admin.describeTransactions(List.of("ha")).description("ha").get(30, TimeUnit.SECONDS);
            int other = cluster.running().stream().filter(id -> id != open.coordinatorId()).findFirst().orElseThrow();
            var gate = cluster.node(other).broker().transactionCoordinator().partitionGate();
            short epoch = (short) open.producerEpoch();
            assertThat(gate.admit("ha", open.producerId(), epoch, new io.fjord.broker.replica.TopicPartition("c", 1), false)
                    .get(30, TimeUnit.SECONDS)).isEqualTo(io.fjord.protocol.api.Errors.NONE);
            assertThat(gate.admit("ha", open.producerId(), epoch, new io.fjord.broker.replica.TopicPartition("c", 9), false)
                    .get(30, TimeUnit.SECONDS)).isEqualTo(io.fjord.protocol.api.Errors.INVALID_TXN_STATE);
            assertThat(gate.admit("ha", open.producerId(), (short) (epoch - 1), new io.fjord.broker.replica.TopicPartition("c", 1), false)
                    .get(30, TimeUnit.SECONDS)).isEqualTo(io.fjord.protocol.api.Errors.PRODUCER_FENCED);
            refuse.set(true);
            producer.commitTransaction(); // answered once PREPARE_COMMIT is replicated; the markers follow
            TransactionDescription d = admin.describeTransactions(List.of("ha")).description("ha").get(30, TimeUnit.SECONDS);
            assertThat(d.state()).isEqualTo(TransactionState.PREPARE_COMMIT);
            coordinator = d.coordinatorId();
            pid = d.producerId();
        }
        assertThat(written).isEmpty();
        cluster.crash(coordinator);
        refuse.set(false);
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            await("commit completed by the new coordinator").atMost(Duration.ofSeconds(90)).until(() -> {
                try {
                    return admin.describeTransactions(List.of("ha")).description("ha").get(10, TimeUnit.SECONDS).state()
                            == TransactionState.COMPLETE_COMMIT;
                } catch (Exception e) {
                    return false; // the coordinator is moving
                }
            });
            TransactionDescription d = admin.describeTransactions(List.of("ha")).description("ha").get(30, TimeUnit.SECONDS);
            assertThat(d.coordinatorId()).isNotEqualTo(coordinator);
        }
        Set<TopicPartition> committed = written.stream().filter(m -> m.producerId() == pid && m.commit())
                .map(m -> new TopicPartition(m.partition().topic(), m.partition().partition())).collect(Collectors.toSet());
        assertThat(committed).containsExactlyInAnyOrderElementsOf(parts);
        assertThat(written).allSatisfy(m -> assertThat(m.broker()).isNotEqualTo(coordinator));

        // UpdateFeatures through the Raft quorum: a downgrade sent to one node reaches every node's image.
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.updateFeatures(Map.of("transaction.version", new org.apache.kafka.clients.admin.FeatureUpdate((short) 1,
                    org.apache.kafka.clients.admin.FeatureUpdate.UpgradeType.SAFE_DOWNGRADE)),
                    new org.apache.kafka.clients.admin.UpdateFeaturesOptions()).all().get(30, TimeUnit.SECONDS);
            await("every node at transaction.version 1").atMost(Duration.ofSeconds(30)).until(() -> cluster.running().stream()
                    .allMatch(id -> cluster.node(id).broker().controller().image().features().level("transaction.version") == 1));
            assertThat(admin.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS).finalizedFeatures()
                    .get("transaction.version").maxVersionLevel()).isEqualTo((short) 1);
        }
    }
}
