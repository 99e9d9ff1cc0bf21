package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's features as kafka-clients' {@code Admin.describeFeatures} and Kafka's {@code kafka-features.sh}
 * (FeatureCommand) see and change them: a new cluster finalizes metadata.version 4.4-IV2 (33), group.version 1 and
 * transaction.version 2, as Kafka 4.4; {@code downgrade}/{@code upgrade} (and their {@code --dry-run}) write
 * FeatureLevel records to the metadata log, which survive a restart and raise the finalized epoch; levels outside
 * the supported range are refused (INVALID_UPDATE_VERSION). A cluster at transaction.version 1 makes kafka-clients'
 * transactional producer use transaction version 1 (the epoch stays across a commit), at 2 version 2 (bumped).
 */
class FeaturesTest {
    @TempDir
    Path dir;
    private TestBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = new TestBroker(dir.resolve("broker"), Map.of("transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1", "transaction.state.log.num.partitions", "1")).start();
    }

    @AfterEach
    void stop() {
        if (broker != null) broker.close();
    }

    private FeatureMetadata features() throws Exception {
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            return admin.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS);
        }
    }

    private KafkaTool.Result features(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", broker.bootstrap()));
        all.addAll(List.of(args));
        return KafkaTool.run(dir.resolve("tool"), "org.apache.kafka.tools.FeatureCommand", Duration.ofSeconds(60), all);
    }

    /** The producer epoch before and after one committed transaction of a fresh kafka-clients producer. */
    private short[] epochsAroundACommit(String transactionalId) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> p = new KafkaProducer<>(props);
             Admin admin = Clients.admin(broker.bootstrap())) {
            p.initTransactions();
            short before = (short) describe(admin, transactionalId).producerEpoch();
            p.beginTransaction();
            p.send(new ProducerRecord<>("tv", "k", "v")).get(30, TimeUnit.SECONDS);
            p.commitTransaction();
            return new short[] {before, (short) describe(admin, transactionalId).producerEpoch()};
        }
    }

    private static TransactionDescription describe(Admin admin, String id) throws Exception {
        return admin.describeTransactions(List.of(id)).description(id).get(30, TimeUnit.SECONDS);
    }

    @Test
    void featureCommandDescribesUpgradesAndDowngradesAndClientsFollowTheTransactionVersion() throws Exception {
        FeatureMetadata m = features();
        assertThat(m.finalizedFeatures().get("metadata.version").maxVersionLevel()).isEqualTo((short) 33);
        assertThat(m.finalizedFeatures().get("group.version").maxVersionLevel()).isEqualTo((short) 1);
        assertThat(m.finalizedFeatures().get("transaction.version").maxVersionLevel()).isEqualTo((short) 2);
        assertThat(m.supportedFeatures().get("metadata.version").minVersion()).isEqualTo((short) 7);
        assertThat(m.supportedFeatures().get("transaction.version").maxVersion()).isEqualTo((short) 2);
        assertThat(m.finalizedFeaturesEpoch()).hasValue(0L);
        KafkaTool.Result describe = features("describe");
        assertThat(describe.exitCode()).as(describe.output()).isZero();
        assertThat(describe.output()).contains("Feature: metadata.version").contains("FinalizedVersionLevel: 4.4-IV2")
                .contains("Feature: group.version").contains("Feature: transaction.version");
        Clients.createTopic(broker.bootstrap(), "tv", 1);
        short[] tv2 = epochsAroundACommit("tv2-producer");
        assertThat(tv2[1]).as("transaction version 2 bumps the epoch on commit").isEqualTo((short) (tv2[0] + 1));

        // Refused: above the supported range, and an upgrade that would lower the level. Nothing changes.
        KafkaTool.Result tooHigh = features("upgrade", "--feature", "transaction.version=3");
        assertThat(tooHigh.exitCode()).as(tooHigh.output()).isNotZero();
        assertThat(tooHigh.output()).contains("transaction.version").contains("Invalid update version 3");
        KafkaTool.Result down = features("upgrade", "--feature", "transaction.version=1");
        assertThat(down.exitCode()).as(down.output()).isNotZero();
        assertThat(features().finalizedFeaturesEpoch()).hasValue(0L);

        // A dry run checks without writing.
        KafkaTool.Result dry = features("downgrade", "--feature", "transaction.version=1", "--dry-run");
        assertThat(dry.exitCode()).as(dry.output()).isZero();
        assertThat(features().finalizedFeatures().get("transaction.version").maxVersionLevel()).isEqualTo((short) 2);

        KafkaTool.Result downgrade = features("downgrade", "--feature", "transaction.version=1");
        assertThat(downgrade.exitCode()).as(downgrade.output()).isZero();
        m = features();
        assertThat(m.finalizedFeatures().get("transaction.version").maxVersionLevel()).isEqualTo((short) 1);
        assertThat(m.finalizedFeaturesEpoch()).hasValue(1L);
        short[] tv1 = epochsAroundACommit("tv1-producer");
        assertThat(tv1[1]).as("transaction version 1 keeps the epoch across a commit").isEqualTo(tv1[0]);

        // The level is in the metadata log: a restart keeps it.
        broker.restart();
        assertThat(features().finalizedFeatures().get("transaction.version").maxVersionLevel()).isEqualTo((short) 1);

        KafkaTool.Result upgrade = features("upgrade", "--feature", "transaction.version=2");
        assertThat(upgrade.exitCode()).as(upgrade.output()).isZero();
        m = features();
        assertThat(m.finalizedFeatures().get("transaction.version").maxVersionLevel()).isEqualTo((short) 2);
        assertThat(m.finalizedFeaturesEpoch()).hasValue(2L);
        short[] again = epochsAroundACommit("tv2-again");
        assertThat(again[1]).isEqualTo((short) (again[0] + 1));
    }
}
