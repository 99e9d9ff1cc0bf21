package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The features of ApiVersions v3+ as kafka-clients' {@code Admin.describeFeatures} and Kafka's
 * {@code kafka-features.sh describe} (FeatureCommand) read them: metadata.version finalized at 4.4-IV2 (33),
 * group.version at 1, transaction.version supported 0-2 and finalized at 2 (so kafka-clients use transaction
 * version 2: Produce v12, EndTxn v5, no AddPartitionsToTxn), as a new Kafka 4.4 cluster.
 */
class FeaturesTest {
    @TempDir
    Path dir;
    private TestBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = new TestBroker(dir.resolve("broker")).start();
    }

    @AfterEach
    void stop() {
        if (broker != null) broker.close();
    }

    @Test
    void adminAndFeatureCommandDescribeTheFeatures() throws Exception {
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            FeatureMetadata m = admin.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS);
            assertThat(m.finalizedFeatures().get("metadata.version").maxVersionLevel()).isEqualTo((short) 33);
            assertThat(m.finalizedFeatures().get("group.version").maxVersionLevel()).isEqualTo((short) 1);
            assertThat(m.finalizedFeatures().get("transaction.version").maxVersionLevel()).isEqualTo((short) 2);
            assertThat(m.supportedFeatures().get("metadata.version").minVersion()).isEqualTo((short) 7);
            assertThat(m.supportedFeatures().get("transaction.version").maxVersion()).isEqualTo((short) 2);
            assertThat(m.finalizedFeaturesEpoch()).hasValue(0L);
        }
        KafkaTool.Result describe = KafkaTool.run(dir.resolve("tool"), "org.apache.kafka.tools.FeatureCommand",
                Duration.ofSeconds(60), List.of("--bootstrap-server", broker.bootstrap(), "describe"));
        assertThat(describe.exitCode()).as(describe.output()).isZero();
        assertThat(describe.output()).contains("Feature: metadata.version").contains("FinalizedVersionLevel: 4.4-IV2")
                .contains("Feature: group.version").contains("Feature: transaction.version");
    }
}
