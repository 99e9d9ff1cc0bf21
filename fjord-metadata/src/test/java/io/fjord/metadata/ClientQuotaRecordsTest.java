package io.fjord.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Client quotas in the metadata log: lines round-trip (defaults, odd names, removals), the image applies them, snapshots keep them. */
class ClientQuotaRecordsTest {
    private static final QuotaEntity ALICE_APP = new QuotaEntity("alice smith/ü", "app 1");
    private static final QuotaEntity DEFAULT_USER = new QuotaEntity(QuotaEntity.DEFAULT, null);

    @Test
    void linesRoundTrip() {
        var set = new MetadataRecord.ClientQuotaChanged(ALICE_APP, "producer_byte_rate", 1_048_576.0);
        assertThat(MetadataLog.parseRecord(MetadataLog.formatRecord(set))).isEqualTo(set);
        var removed = new MetadataRecord.ClientQuotaChanged(DEFAULT_USER, "request_percentage", null);
        assertThat(MetadataLog.formatRecord(removed)).isEqualTo("client-quota %3Cdefault%3E ! request_percentage remove");
        assertThat(MetadataLog.parseRecord(MetadataLog.formatRecord(removed))).isEqualTo(removed);
        var clientOnly = new MetadataRecord.ClientQuotaChanged(new QuotaEntity("!", "-"), "consumer_byte_rate", 0.5);
        assertThat(MetadataLog.parseRecord(MetadataLog.formatRecord(clientOnly))).isEqualTo(clientOnly); // names that look like markers
    }

    @Test
    void imageAppliesChangesAndRemovalsAndSnapshotsKeepThem() {
        ClusterImage image = new ClusterImage("c", 1, Map.of(), List.of());
        image = ImageApplier.apply(image, new MetadataRecord.ClientQuotaChanged(ALICE_APP, "producer_byte_rate", 100.0));
        image = ImageApplier.apply(image, new MetadataRecord.ClientQuotaChanged(ALICE_APP, "consumer_byte_rate", 200.0));
        image = ImageApplier.apply(image, new MetadataRecord.ClientQuotaChanged(DEFAULT_USER, "producer_byte_rate", 50.0));
        image = ImageApplier.apply(image, new MetadataRecord.ClientQuotaChanged(ALICE_APP, "producer_byte_rate", 150.0));
        assertThat(image.clientQuotas()).isEqualTo(Map.of(ALICE_APP, Map.of("producer_byte_rate", 150.0, "consumer_byte_rate", 200.0),
                DEFAULT_USER, Map.of("producer_byte_rate", 50.0)));
        ClusterImage rebuilt = new ClusterImage("c", 1, Map.of(), List.of());
        for (MetadataRecord r : ImageApplier.asRecords(image)) rebuilt = ImageApplier.apply(rebuilt, r);
        assertThat(rebuilt.clientQuotas()).isEqualTo(image.clientQuotas());
        image = ImageApplier.apply(image, new MetadataRecord.ClientQuotaChanged(DEFAULT_USER, "producer_byte_rate", null));
        assertThat(image.clientQuotas()).containsOnlyKeys(ALICE_APP);
        // Other changes keep the quotas, as the same map instance (the brokers' managers re-read only on a change).
        assertThat(image.withController(2).clientQuotas()).isSameAs(image.clientQuotas());
    }
}
