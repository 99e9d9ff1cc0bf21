package io.fjord.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ACL bindings in the metadata log: lines round-trip (odd names too), the image applies them, snapshots keep them. */
class AclRecordsTest {
    private static final MetadataRecord.AclCreated ALLOW = new MetadataRecord.AclCreated(2, "orders v2/ü", 3, "User:CN=a b,O=x",
            "*", 4, 3);
    private static final MetadataRecord.AclCreated DENY = new MetadataRecord.AclCreated(3, "grp-", 4, "User:bob", "10.0.0.1", 3, 2);

    @Test
    void linesRoundTrip() {
        assertThat(MetadataLog.parseRecord(MetadataLog.formatRecord(ALLOW))).isEqualTo(ALLOW);
        assertThat(MetadataLog.formatRecord(DENY)).isEqualTo("acl 3 grp- 4 User%3Abob 10.0.0.1 3 2");
        var deleted = new MetadataRecord.AclDeleted(ALLOW);
        assertThat(MetadataLog.parseRecord(MetadataLog.formatRecord(deleted))).isEqualTo(deleted);
    }

    @Test
    void imageAppliesCreationsAndDeletionsAndSnapshotsKeepThem() {
        ClusterImage image = new ClusterImage("c", 1, Map.of(), List.of());
        image = ImageApplier.apply(image, ALLOW);
        image = ImageApplier.apply(image, DENY);
        image = ImageApplier.apply(image, ALLOW); // the same binding twice is one binding
        assertThat(image.acls()).containsExactlyInAnyOrder(ALLOW, DENY);
        ClusterImage rebuilt = new ClusterImage("c", 1, Map.of(), List.of());
        for (MetadataRecord r : ImageApplier.asRecords(image)) rebuilt = ImageApplier.apply(rebuilt, r);
        assertThat(rebuilt.acls()).containsExactlyInAnyOrder(ALLOW, DENY);
        image = ImageApplier.apply(image, new MetadataRecord.AclDeleted(ALLOW));
        assertThat(image.acls()).containsExactly(DENY);
        // Other changes keep the bindings.
        assertThat(image.withController(2).acls()).containsExactly(DENY);
    }
}
