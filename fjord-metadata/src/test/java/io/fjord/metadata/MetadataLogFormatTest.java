package io.fjord.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metadata log's text lines: new fields round-trip, and lines written before they existed read as before. */
class MetadataLogFormatTest {
    private static final UUID ID = UUID.fromString("3f2c1a5e-0000-4000-8000-000000000001");

    @TempDir
    Path dir;

    private static MetadataRecord roundTrip(MetadataRecord r) {
        return MetadataLog.parseRecord(MetadataLog.formatRecord(r));
    }

    @Test
    void partitionStatesWithAReassignmentRoundTrip() {
        PartitionState moving = new PartitionState(0, List.of(4, 5, 1), List.of(1, 4), 1, 3, 9, List.of(4, 5), List.of(1));
        PartitionState plain = new PartitionState(1, List.of(2, 3), List.of(2), 2, 1, 4);
        PartitionState fresh = new PartitionState(2, List.of(3, 1), List.of(3, 1), 3, 0, 0);
        var created = new MetadataRecord.TopicCreated("t", ID, List.of(moving, plain, fresh), Map.of("retention.ms", "5"));
        assertThat(roundTrip(created)).isEqualTo(created);
        var added = new MetadataRecord.PartitionsAdded("t", ID, List.of(moving));
        assertThat(roundTrip(added)).isEqualTo(added);
    }

    @Test
    void brokerRegistrationsWithListenerEndpointsRoundTripAndOldLinesReadWithout() {
        var withEndpoints = new MetadataRecord.BrokerRegistered(3, "inc 3", "10.0.0.3", 9092, "r1",
                List.of(new BrokerNode.Endpoint("PLAINTEXT", "10.0.0.3", 9092), new BrokerNode.Endpoint("SASL_SSL", "::1", 9094)));
        assertThat(roundTrip(withEndpoints)).isEqualTo(withEndpoints);
        assertThat(MetadataLog.formatRecord(withEndpoints)).endsWith(" PLAINTEXT@10.0.0.3@9092;SASL_SSL@%3A%3A1@9094");
        var old = (MetadataRecord.BrokerRegistered) MetadataLog.parseRecord("broker 2 inc-2 localhost 9093 -");
        assertThat(old.endpoints()).isEmpty();
        assertThat(MetadataLog.formatRecord(old)).isEqualTo("broker 2 inc-2 localhost 9093 -");
        BrokerNode node = new BrokerNode(3, "10.0.0.3", 9092, null, withEndpoints.endpoints());
        assertThat(node.endpoint("SASL_SSL").port()).isEqualTo(9094);
        assertThat(node.endpoint("SSL")).isNull();
        assertThat(new BrokerNode(2, "localhost", 9093, null).endpoint("SSL").port()).isEqualTo(9093);
    }

    @Test
    void unregistrationsRoundTrip() {
        MetadataRecord r = new MetadataRecord.BrokerUnregistered(7);
        assertThat(MetadataLog.formatRecord(r)).isEqualTo("unregister 7");
        assertThat(roundTrip(r)).isEqualTo(r);
    }

    @Test
    void partitionChangesWithAndWithoutAssignmentRoundTrip() {
        var isrOnly = new MetadataRecord.PartitionChanged("t", ID, 3, 2, List.of(2, 3), 4, 11);
        assertThat(roundTrip(isrOnly)).isEqualTo(isrOnly);
        assertThat(MetadataLog.formatRecord(isrOnly)).isEqualTo("partition-change t " + ID + " 3 2 4 11 2,3");
        var moved = new MetadataRecord.PartitionChanged("t", ID, 3, 2, List.of(2, 3), 5, 12, List.of(2, 3, 1), List.of(), List.of(1));
        assertThat(roundTrip(moved)).isEqualTo(moved);
        var done = new MetadataRecord.PartitionChanged("t", ID, 3, 2, List.of(2, 3), 5, 13, List.of(2, 3), List.of(), List.of());
        assertThat(roundTrip(done)).isEqualTo(done);
        var leaderless = new MetadataRecord.PartitionChanged("t", ID, 0, -1, List.of(1), 6, 14);
        assertThat(roundTrip(leaderless)).isEqualTo(leaderless);
        assertThat(roundTrip(new MetadataRecord.BrokerShuttingDown(7))).isEqualTo(new MetadataRecord.BrokerShuttingDown(7));
    }

    @Test
    void linesWrittenBeforeReassignmentExistedStillReplay() throws Exception {
        // Lines in the shapes the previous version wrote (no adding/removing anywhere).
        Path file = dir.resolve("metadata.log");
        Files.writeString(file, String.join("\n",
                "topic old " + ID + " 0:1:0:1,2,3;1:2:0:2,3,1:2,3:4 retention.ms=100",
                "broker 2 inc-2 localhost 9093 -",
                "partition-change old " + ID + " 1 3 1 5 3",
                "fence 2") + "\n");
        List<MetadataRecord> replayed = new ArrayList<>();
        try (MetadataLog log = MetadataLog.open(file, replayed)) {
            assertThat(replayed).hasSize(4);
        }
        ClusterImage img = new ClusterImage("c", 1, Map.of(), List.of());
        for (MetadataRecord r : replayed) img = ImageApplier.apply(img, r);
        assertThat(img.topic("old").partition(0)).isEqualTo(new PartitionState(0, List.of(1, 2, 3), List.of(1, 2, 3), 1, 0, 0));
        assertThat(img.topic("old").partition(1)).isEqualTo(new PartitionState(1, List.of(2, 3, 1), List.of(3), 3, 1, 5));
        assertThat(img.isFenced(2)).isTrue();
    }

    @Test
    void aSnapshotOfTheImageRebuildsItIncludingShuttingDownBrokersAndReassignments() {
        ClusterImage img = Images.brokers(1, 2, 3)
                .topic("t", new PartitionState(0, List.of(3, 1, 2), List.of(1, 2), 1, 2, 5, List.of(3), List.of(2)))
                .apply(new MetadataRecord.BrokerShuttingDown(2))
                .fenced(3)
                .image();
        ClusterImage rebuilt = new ClusterImage(img.clusterId(), img.controllerId(), Map.of(), List.of());
        for (MetadataRecord r : ImageApplier.asRecords(img)) rebuilt = ImageApplier.apply(rebuilt, roundTrip(r));
        assertThat(rebuilt.topic("t").partitions()).isEqualTo(img.topic("t").partitions());
        assertThat(rebuilt.isShuttingDown(2)).isTrue();
        assertThat(rebuilt.isFenced(2)).isTrue();
        assertThat(rebuilt.isFenced(3)).isTrue();
        assertThat(rebuilt.isShuttingDown(3)).isFalse();
        // Registering again (a restart) ends the shutdown.
        rebuilt = ImageApplier.apply(rebuilt, new MetadataRecord.BrokerRegistered(2, "new", "h", 1, null));
        assertThat(rebuilt.isShuttingDown(2)).isFalse();
        assertThat(rebuilt.isEligible(2)).isTrue();
    }
}
