package io.fjord.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Finalized features in the image: the bootstrap levels, FeatureLevel records applied (and their epoch), the
 * record's log line, a snapshot rebuilding the same levels and epoch, and the rules UpdateFeatures checks.
 */
class FeaturesImageTest {
    private static final FeaturesImage.UpgradeType UP = FeaturesImage.UpgradeType.UPGRADE;
    private static final FeaturesImage.UpgradeType DOWN = FeaturesImage.UpgradeType.SAFE_DOWNGRADE;

    @Test
    void aNewClusterStartsAsKafka44AndRecordsMoveTheLevelsAndTheEpoch() {
        ClusterImage image = new ClusterImage("c", 1, Map.of(), List.of());
        assertThat(image.features().finalized()).containsExactly(Map.entry("metadata.version", (short) 33),
                Map.entry("group.version", (short) 1), Map.entry("transaction.version", (short) 2));
        assertThat(image.features().epoch()).isZero();

        image = ImageApplier.apply(image, new MetadataRecord.FeatureLevel("transaction.version", (short) 1, 1));
        assertThat(image.features().level("transaction.version")).isEqualTo((short) 1);
        assertThat(image.features().epoch()).isEqualTo(1);
        image = ImageApplier.apply(image, new MetadataRecord.FeatureLevel("group.version", (short) 0, 2));
        assertThat(image.features().finalized()).containsOnlyKeys("metadata.version", "transaction.version");
        // Other changes keep the features.
        image = image.withNextProducerIdBlock(1000);
        assertThat(image.features().epoch()).isEqualTo(2);

        // A snapshot rebuilds the same levels and epoch from an empty image.
        ClusterImage rebuilt = new ClusterImage("c", 1, Map.of(), List.of());
        for (MetadataRecord r : ImageApplier.asRecords(image)) rebuilt = ImageApplier.apply(rebuilt, r);
        assertThat(rebuilt.features().finalized()).isEqualTo(image.features().finalized());
        assertThat(rebuilt.features().epoch()).isEqualTo(2);
    }

    @Test
    void theRecordHasItsOwnLogLine() {
        var r = new MetadataRecord.FeatureLevel("transaction.version", (short) 2, 7);
        assertThat(MetadataLog.formatRecord(r)).isEqualTo("feature transaction.version 2 7");
        assertThat(MetadataLog.parseRecord(MetadataLog.formatRecord(r))).isEqualTo(r);
    }

    @Test
    void updatesOutsideTheRulesAreRefused() {
        FeaturesImage f = FeaturesImage.DEFAULT;
        assertThat(f.refusal("transaction.version", 1, DOWN)).isNull();
        assertThat(f.refusal("transaction.version", 0, DOWN)).isNull(); // off
        assertThat(f.refusal("transaction.version", 2, UP)).isNull(); // already there: nothing to do
        assertThat(f.refusal("transaction.version", 3, UP)).contains("Invalid update version 3").contains("0-2");
        assertThat(f.refusal("transaction.version", 1, UP)).contains("without setting the upgrade type");
        assertThat(f.refusal("group.version", 1, DOWN)).isNull();
        assertThat(f.refusal("no.such.version", 1, UP)).contains("does not support");
        assertThat(f.refusal("metadata.version", 32, DOWN)).contains("not supported");
        assertThat(f.refusal("metadata.version", 0, FeaturesImage.UpgradeType.UNSAFE_DOWNGRADE)).contains("cannot be removed");
        assertThat(f.refusal("metadata.version", 34, UP)).contains("Invalid update version 34");
        FeaturesImage tv1 = f.with(new MetadataRecord.FeatureLevel("transaction.version", (short) 1, 1));
        assertThat(tv1.refusal("transaction.version", 2, UP)).isNull();
        assertThat(tv1.refusal("transaction.version", 2, DOWN)).contains("with a downgrade");
        assertThat(FeaturesImage.UpgradeType.forCode(9)).isNull();
        assertThat(f.refusal("transaction.version", 1, null)).contains("Unknown upgrade type");
    }
}
