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
        EXPECTED.put(22, new int[] {0, 0, 5, 2});   // InitProducerId (v6, two-phase commit, not described)
        EXPECTED.put(44, new int[] {0, 0, 1, 1});   // IncrementalAlterConfigs
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
            short latest = spec.key() == InitProducerIdApi.KEY ? 5 : k.latestVersion();
            assertThat(spec.highest()).as(spec.name() + " latest").isEqualTo(latest);
            short advertised = spec.key() == ProduceApi.KEY ? 0 : k.oldestVersion();
            assertThat(spec.advertisedLowest()).as(spec.name() + " advertised oldest").isEqualTo(advertised);
        }
    }

    @Test
    void servesOnlyTheServedRange() {
        assertThat(ProduceApi.SPEC.supports((short) 2)).isFalse();
        assertThat(ProduceApi.SPEC.supports((short) 3)).isTrue();
        assertThat(FetchApi.SPEC.supports((short) 19)).isFalse();
    }
}
