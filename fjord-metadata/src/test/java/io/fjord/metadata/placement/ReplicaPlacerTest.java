package io.fjord.metadata.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.metadata.placement.ReplicaPlacer.Broker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplicaPlacerTest {
    private static List<Broker> brokers(int... ids) {
        List<Broker> l = new ArrayList<>();
        for (int id : ids) l.add(new Broker(id, null));
        return l;
    }

    @Test
    void fiveBrokersStartZeroShiftZero() { // kafka-protocol-facts §4.1 example 1
        List<List<Integer>> a = ReplicaPlacer.place(brokers(4, 3, 2, 1, 0), 10, 3, 0, 0, 0, new Random(1));
        assertThat(a).containsExactly(List.of(0, 1, 2), List.of(1, 2, 3), List.of(2, 3, 4), List.of(3, 4, 0),
                List.of(4, 0, 1), List.of(0, 2, 3), List.of(1, 3, 4), List.of(2, 4, 0), List.of(3, 0, 1),
                List.of(4, 1, 2));
    }

    @Test
    void fourBrokersStartOneShiftTwo() { // example 2
        List<List<Integer>> a = ReplicaPlacer.place(brokers(0, 1, 2, 3), 6, 3, 1, 2, 0, new Random(1));
        assertThat(a).containsExactly(List.of(1, 0, 2), List.of(2, 1, 3), List.of(3, 2, 0), List.of(0, 3, 1),
                List.of(1, 2, 3), List.of(2, 3, 0));
    }

    @Test
    void continuingForAddedPartitionsMatchesOnePlacement() {
        List<List<Integer>> all = ReplicaPlacer.place(brokers(0, 1, 2, 3, 4), 10, 3, 0, 0, 0, new Random(1));
        List<List<Integer>> added = ReplicaPlacer.continuing(brokers(0, 1, 2, 3, 4), all.get(0), 4, 6, 3, new Random(1));
        assertThat(added).isEqualTo(all.subList(4, 10));
    }

    @Test
    void rackAwareSpreadsEachPartitionOverDistinctRacks() {
        List<Broker> bs = List.of(new Broker(1, "a"), new Broker(2, "a"), new Broker(3, "b"), new Broker(4, "b"),
                new Broker(5, "c"), new Broker(6, "c"));
        assertThat(ReplicaPlacer.rackAlternated(bs).stream().map(Broker::id).toList()).containsExactly(1, 3, 5, 2, 4, 6);
        for (int start = 0; start < 6; start++) {
            List<List<Integer>> a = ReplicaPlacer.place(bs, 12, 3, start, start, 0, new Random(1));
            Map<Integer, Integer> leaders = new HashMap<>();
            for (List<Integer> replicas : a) {
                Set<String> racks = new HashSet<>();
                for (int id : replicas) racks.add(bs.stream().filter(b -> b.id() == id).findFirst().orElseThrow().rack());
                assertThat(racks).as("racks of %s", replicas).hasSize(3);
                assertThat(new HashSet<>(replicas)).hasSize(3);
                leaders.merge(replicas.get(0), 1, Integer::sum);
            }
            assertThat(leaders.values()).containsOnly(2);
        }
    }

    @Test
    void evenLeadersAndDistinctReplicasForRandomStart() {
        Random r = new Random(42);
        for (int i = 0; i < 50; i++) {
            List<List<Integer>> a = ReplicaPlacer.place(brokers(1, 2, 3), 6, 3, -1, -1, 0, r);
            Map<Integer, Integer> leaders = new HashMap<>();
            for (List<Integer> replicas : a) {
                assertThat(new HashSet<>(replicas)).hasSize(3);
                leaders.merge(replicas.get(0), 1, Integer::sum);
            }
            assertThat(leaders).containsOnlyKeys(1, 2, 3).containsValues(2);
        }
    }

    @Test
    void refusesImpossibleRequests() {
        assertThatThrownBy(() -> ReplicaPlacer.place(brokers(1, 2), 3, 3, -1, -1, 0, new Random()))
                .isInstanceOf(ReplicaPlacer.PlacementException.class).hasMessageContaining("only 2 broker");
        assertThatThrownBy(() -> ReplicaPlacer.place(brokers(1, 2), 0, 1, -1, -1, 0, new Random()))
                .isInstanceOf(ReplicaPlacer.PlacementException.class);
        assertThatThrownBy(() -> ReplicaPlacer.place(brokers(1, 2), 1, 0, -1, -1, 0, new Random()))
                .isInstanceOf(ReplicaPlacer.PlacementException.class);
    }
}
