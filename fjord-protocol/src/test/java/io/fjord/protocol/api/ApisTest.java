package io.fjord.protocol.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

/** The registry advertises exactly the intended version ranges, which are those of a Kafka 4.4 broker. */
class ApisTest {
    /** key -> {advertised lowest, served lowest, highest, first flexible}. */
    private static final Map<Integer, int[]> EXPECTED = new LinkedHashMap<>();

    static {
        EXPECTED.put(18, new int[] {0, 0, 5, 3});   // ApiVersions
        EXPECTED.put(3, new int[] {0, 0, 13, 9});   // Metadata
        EXPECTED.put(0, new int[] {0, 3, 13, 9});   // Produce
        EXPECTED.put(1, new int[] {4, 4, 18, 12});  // Fetch
        EXPECTED.put(2, new int[] {1, 1, 11, 6});   // ListOffsets
        EXPECTED.put(19, new int[] {2, 2, 7, 5});   // CreateTopics
        EXPECTED.put(20, new int[] {1, 1, 6, 4});   // DeleteTopics
        EXPECTED.put(32, new int[] {1, 1, 4, 4});   // DescribeConfigs
        EXPECTED.put(60, new int[] {0, 0, 2, 0});   // DescribeCluster
        EXPECTED.put(75, new int[] {0, 0, 0, 0});   // DescribeTopicPartitions
        EXPECTED.put(10, new int[] {0, 0, 6, 3});   // FindCoordinator
        EXPECTED.put(11, new int[] {0, 0, 9, 6});   // JoinGroup
        EXPECTED.put(12, new int[] {0, 0, 4, 4});   // Heartbeat
        EXPECTED.put(13, new int[] {0, 0, 5, 4});   // LeaveGroup
        EXPECTED.put(14, new int[] {0, 0, 5, 4});   // SyncGroup
        EXPECTED.put(8, new int[] {2, 2, 10, 8});   // OffsetCommit
        EXPECTED.put(9, new int[] {1, 1, 10, 6});   // OffsetFetch
        EXPECTED.put(15, new int[] {0, 0, 6, 5});   // DescribeGroups
        EXPECTED.put(16, new int[] {0, 0, 5, 3});   // ListGroups
        EXPECTED.put(42, new int[] {0, 0, 3, 2});   // DeleteGroups
        EXPECTED.put(47, new int[] {0, 0, 0, -1});  // OffsetDelete (never flexible)
        EXPECTED.put(22, new int[] {0, 0, 5, 2});   // InitProducerId (v6 is unstable in 4.x, not advertised)
        EXPECTED.put(61, new int[] {0, 0, 0, 0});   // DescribeProducers
        EXPECTED.put(21, new int[] {0, 0, 2, 2});   // DeleteRecords
        EXPECTED.put(33, new int[] {0, 0, 2, 2});   // AlterConfigs
        EXPECTED.put(37, new int[] {0, 0, 3, 2});   // CreatePartitions
        EXPECTED.put(44, new int[] {0, 0, 1, 1});   // IncrementalAlterConfigs
        EXPECTED.put(23, new int[] {2, 2, 4, 4});   // OffsetForLeaderEpoch
        EXPECTED.put(56, new int[] {2, 2, 3, 0});   // AlterPartition (controller listener)
        EXPECTED.put(43, new int[] {0, 0, 2, 2});   // ElectLeaders
        EXPECTED.put(45, new int[] {0, 0, 1, 0});   // AlterPartitionReassignments
        EXPECTED.put(46, new int[] {0, 0, 0, 0});   // ListPartitionReassignments
        EXPECTED.put(35, new int[] {1, 1, 5, 2});   // DescribeLogDirs
        EXPECTED.put(55, new int[] {0, 0, 2, 0});   // DescribeQuorum
        EXPECTED.put(64, new int[] {0, 0, 0, 0});   // UnregisterBroker
        EXPECTED.put(57, new int[] {0, 0, 2, 0});   // UpdateFeatures
        EXPECTED.put(80, new int[] {0, 0, 1, 0});   // AddRaftVoter
        EXPECTED.put(81, new int[] {0, 0, 0, 0});   // RemoveRaftVoter
        EXPECTED.put(68, new int[] {0, 0, 1, 0});   // ConsumerGroupHeartbeat
        EXPECTED.put(69, new int[] {0, 0, 1, 0});   // ConsumerGroupDescribe
        EXPECTED.put(24, new int[] {0, 0, 5, 3});   // AddPartitionsToTxn
        EXPECTED.put(25, new int[] {0, 0, 4, 3});   // AddOffsetsToTxn
        EXPECTED.put(26, new int[] {0, 0, 5, 3});   // EndTxn
        EXPECTED.put(27, new int[] {1, 1, 2, 1});   // WriteTxnMarkers
        EXPECTED.put(28, new int[] {0, 0, 6, 3});   // TxnOffsetCommit
        EXPECTED.put(65, new int[] {0, 0, 0, 0});   // DescribeTransactions
        EXPECTED.put(66, new int[] {0, 0, 2, 0});   // ListTransactions
        EXPECTED.put(17, new int[] {0, 0, 1, -1});  // SaslHandshake (never flexible)
        EXPECTED.put(36, new int[] {0, 0, 2, 2});   // SaslAuthenticate
        EXPECTED.put(48, new int[] {0, 0, 1, 1});   // DescribeClientQuotas
        EXPECTED.put(49, new int[] {0, 0, 1, 1});   // AlterClientQuotas
        EXPECTED.put(29, new int[] {1, 1, 3, 2});   // DescribeAcls
        EXPECTED.put(30, new int[] {1, 1, 3, 2});   // CreateAcls
        EXPECTED.put(31, new int[] {1, 1, 3, 2});   // DeleteAcls
        EXPECTED.put(50, new int[] {0, 0, 0, 0});   // DescribeUserScramCredentials
        EXPECTED.put(51, new int[] {0, 0, 0, 0});   // AlterUserScramCredentials
    }

    @Test
    void advertisesExactlyTheseRanges() {
        assertThat(Apis.all()).extracting(s -> (int) s.key()).containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
        EXPECTED.forEach((key, r) -> {
            ApiSpec spec = Apis.byKey(key);
            assertThat(new int[] {spec.advertisedLowest(), spec.lowest(), spec.highest(), spec.flexibleFrom()})
                    .as(spec.name()).containsExactly(r);
        });
    }

    @Test
    void rangesMatchKafkaClients() {
        for (ApiSpec spec : Apis.all()) {
            ApiKeys k = ApiKeys.forId(spec.key());
            assertThat(k.name).as("name of key %d", spec.key()).isEqualTo(spec.name());
            assertThat(spec.lowest()).as(spec.name() + " oldest").isEqualTo(k.oldestVersion());
            // A 4.x broker advertises only stable versions (InitProducerId v6 is marked unstable).
            assertThat(spec.highest()).as(spec.name() + " latest").isEqualTo(k.latestVersion(false));
            short advertised = spec.key() == ProduceApi.KEY ? 0 : k.oldestVersion();
            assertThat(spec.advertisedLowest()).as(spec.name() + " advertised oldest").isEqualTo(advertised);
            for (short v = spec.lowest(); v <= spec.highest(); v++) {
                assertThat(spec.isFlexible(v)).as(spec.name() + " v" + v + " flexible")
                        .isEqualTo(k.requestHeaderVersion(v) >= 2);
            }
        }
    }

    @Test
    void servesOnlyTheServedRange() {
        assertThat(ProduceApi.SPEC.supports((short) 2)).isFalse();
        assertThat(ProduceApi.SPEC.supports((short) 3)).isTrue();
        assertThat(FetchApi.SPEC.supports((short) 19)).isFalse();
    }
}
