package io.fjord.client.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.client.common.Cluster;
import io.fjord.client.common.Node;
import io.fjord.client.common.PartitionInfo;
import io.fjord.client.common.TopicPartition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

class PartitionerTest {

    @Test
    void keyedPartitionIsKafkasFor10000RandomKeys() {
        Random rnd = new Random(20261127);
        int[] counts = {1, 2, 3, 6, 7, 12, 64, 100, 1000};
        for (int i = 0; i < 10_000; i++) {
            byte[] key = new byte[rnd.nextInt(64)];
            rnd.nextBytes(key);
            assertThat(Murmur2.hash(key)).as("murmur2 of key %d", i).isEqualTo(Utils.murmur2(key));
            for (int n : counts) {
                assertThat(BuiltInPartitioner.partitionForKey(key, n))
                        .isEqualTo(org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey(key, n));
            }
        }
    }

    static Cluster cluster(String topic, int partitions) {
        List<PartitionInfo> parts = new ArrayList<>();
        for (int p = 0; p < partitions; p++) parts.add(new PartitionInfo(topic, p, 0, 0, List.of(0), List.of(0), List.of()));
        return new Cluster("c", 0, List.of(new Node(0, "localhost", 9092)), parts, Map.of());
    }

    @Test
    void keylessRecordsStickThenSpreadEvenly() {
        Cluster cluster = cluster("t", 4);
        BuiltInPartitioner p = new BuiltInPartitioner(1000, false, 0, false, null);
        Map<Integer, Integer> bytes = new HashMap<>();
        int first = p.partition("t", null, cluster);
        for (int i = 0; i < 9; i++) {
            assertThat(p.partition("t", null, cluster)).isEqualTo(first); // sticky below batch.size
            p.onAppend("t", first, 100, cluster);
        }
        for (int i = 0; i < 40_000; i++) {
            int part = p.partition("t", null, cluster);
            bytes.merge(part, 100, Integer::sum);
            p.onAppend("t", part, 100, cluster);
        }
        assertThat(bytes).hasSize(4);
        bytes.values().forEach(b -> assertThat(b).isBetween(700_000, 1_300_000));
    }

    @Test
    void adaptivePartitioningFavoursShortQueues() {
        Cluster cluster = cluster("t", 2);
        BuiltInPartitioner.LoadStats load = new BuiltInPartitioner.LoadStats() {
            @Override
            public int queuedBatches(TopicPartition tp) {
                return tp.partition() == 0 ? 9 : 0; // partition 0's broker is slow
            }

            @Override
            public long unavailableMs(int nodeId) {
                return 0;
            }
        };
        BuiltInPartitioner p = new BuiltInPartitioner(100, true, 0, false, load);
        int[] hits = new int[2];
        for (int i = 0; i < 10_000; i++) hits[p.choose("t", cluster, -1)]++;
        // weights 1 vs 10
        assertThat(hits[1]).isGreaterThan(hits[0] * 5);
    }

    @Test
    void ignoreKeysMakesKeyedRecordsSticky() {
        Cluster cluster = cluster("t", 8);
        BuiltInPartitioner p = new BuiltInPartitioner(1 << 20, false, 0, true, null);
        int first = p.partition("t", "a".getBytes(), cluster);
        for (int i = 0; i < 100; i++) assertThat(p.partition("t", ("k" + i).getBytes(), cluster)).isEqualTo(first);
    }

    @Test
    void stickyDrawsFollowTheRandomPassedIn() {
        Cluster c = cluster("t", 16);
        List<Integer> first = new ArrayList<>();
        List<Integer> second = new ArrayList<>();
        for (List<Integer> out : List.of(first, second)) {
            BuiltInPartitioner p = new BuiltInPartitioner(100, false, 0, false, null, new java.util.Random(42));
            for (int i = 0; i < 20; i++) {
                int chosen = p.partition("t", null, c);
                out.add(chosen);
                p.onAppend("t", chosen, 100, c); // a batch's worth: the next record draws again
            }
        }
        assertThat(first).isEqualTo(second);
        assertThat(new java.util.HashSet<>(first)).hasSizeGreaterThan(1);
    }
}
