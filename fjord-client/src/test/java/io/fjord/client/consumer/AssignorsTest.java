package io.fjord.client.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.ConsumerPartitionAssignor.Subscription;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Fjord's assignors against worked examples and against kafka-clients' own assignors on random inputs. Range and
 * round-robin must equal Kafka's exactly. Sticky and cooperative-sticky have several equally good answers, so
 * against Kafka they are compared by balance (max - min partitions per member) and stickiness (partitions left
 * with their previous owner), plus validity (each partition to exactly one subscribed member).
 */
class AssignorsTest {
    static TopicPartition tp(String t, int p) {
        return new TopicPartition(t, p);
    }

    static Map<String, Subscription> subs(String... memberAndTopics) {
        Map<String, Subscription> out = new LinkedHashMap<>();
        for (String s : memberAndTopics) {
            String[] parts = s.split(":");
            out.put(parts[0], new Subscription(List.of(parts[1].split(","))));
        }
        return out;
    }

    @Test
    void rangeGivesContiguousRangesPerTopicFirstMembersOneMore() {
        Map<String, List<TopicPartition>> a = new RangeAssignor().assign(Map.of("t0", 3, "t1", 3), subs("C0:t0,t1", "C1:t0,t1"));
        assertThat(a.get("C0")).containsExactly(tp("t0", 0), tp("t0", 1), tp("t1", 0), tp("t1", 1));
        assertThat(a.get("C1")).containsExactly(tp("t0", 2), tp("t1", 2));
        a = new RangeAssignor().assign(Map.of("t", 7), subs("b:t", "a:t", "c:t"));
        assertThat(a.get("a")).containsExactly(tp("t", 0), tp("t", 1), tp("t", 2));
        assertThat(a.get("b")).containsExactly(tp("t", 3), tp("t", 4));
        assertThat(a.get("c")).containsExactly(tp("t", 5), tp("t", 6));
    }

    @Test
    void rangeOrdersStaticMembersByInstanceId() {
        Map<String, Subscription> s = new LinkedHashMap<>();
        s.put("a", new Subscription(List.of("t"), null, List.of(), -1, "z"));
        s.put("b", new Subscription(List.of("t"), null, List.of(), -1, "y"));
        Map<String, List<TopicPartition>> a = new RangeAssignor().assign(Map.of("t", 2), s);
        assertThat(a.get("b")).containsExactly(tp("t", 0));
        assertThat(a.get("a")).containsExactly(tp("t", 1));
    }

    @Test
    void roundRobinInterleavesAllPartitions() {
        Map<String, List<TopicPartition>> a = new RoundRobinAssignor().assign(Map.of("t0", 3, "t1", 3), subs("C0:t0,t1", "C1:t0,t1"));
        assertThat(a.get("C0")).containsExactly(tp("t0", 0), tp("t0", 2), tp("t1", 1));
        assertThat(a.get("C1")).containsExactly(tp("t0", 1), tp("t1", 0), tp("t1", 2));
        // A member not subscribed to a topic is skipped for its partitions.
        a = new RoundRobinAssignor().assign(Map.of("t0", 1, "t1", 2, "t2", 3), subs("C0:t0", "C1:t0,t1", "C2:t0,t1,t2"));
        assertThat(a.get("C0")).containsExactly(tp("t0", 0));
        assertThat(a.get("C1")).containsExactly(tp("t1", 0));
        assertThat(a.get("C2")).containsExactly(tp("t1", 1), tp("t2", 0), tp("t2", 1), tp("t2", 2));
    }

    /** Subscriptions for the sticky assignor carrying what each member owned (in userData, Kafka's layout). */
    static Map<String, Subscription> stickySubs(Map<String, List<TopicPartition>> owned, int generation, List<String> topics) {
        Map<String, Subscription> out = new LinkedHashMap<>();
        owned.forEach((m, parts) -> out.put(m, new Subscription(topics, StickyAssignor.encode(parts, generation), List.of(), -1, null)));
        return out;
    }

    static Map<String, Subscription> coopSubs(Map<String, List<TopicPartition>> owned, int generation, List<String> topics) {
        Map<String, Subscription> out = new LinkedHashMap<>();
        owned.forEach((m, parts) -> out.put(m, new Subscription(topics, null, parts, generation, null)));
        return out;
    }

    @Test
    void stickyMovesOnlyWhatItMustWhenAMemberLeavesOrJoins() {
        Map<String, Integer> parts = Map.of("t", 6);
        Map<String, List<TopicPartition>> first = new StickyAssignor().assign(parts, subs("a:t", "b:t", "c:t"));
        assertThat(first.values()).allMatch(l -> l.size() == 2);
        // c leaves: a and b keep theirs and split c's.
        Map<String, List<TopicPartition>> owned = new LinkedHashMap<>(first);
        owned.remove("c");
        Map<String, List<TopicPartition>> second = new StickyAssignor().assign(parts, stickySubs(owned, 1, List.of("t")));
        assertThat(second.get("a")).hasSize(3).containsAll(first.get("a"));
        assertThat(second.get("b")).hasSize(3).containsAll(first.get("b"));
        // d joins: one partition moves, to d.
        owned = new LinkedHashMap<>(second);
        owned.put("d", List.of());
        Map<String, List<TopicPartition>> third = new StickyAssignor().assign(parts, stickySubs(owned, 2, List.of("t")));
        assertThat(third.get("d")).hasSize(2);
        assertThat(moved(second, third)).isEqualTo(2);
        assertThat(sizes(third)).containsExactlyInAnyOrder(2, 2, 2);
    }

    @Test
    void cooperativeStickyRevokesFirstAndAssignsInTheFollowUp() {
        Map<String, Integer> parts = Map.of("t", 6);
        Map<String, List<TopicPartition>> owned = new LinkedHashMap<>();
        owned.put("a", List.of(tp("t", 0), tp("t", 1), tp("t", 2)));
        owned.put("b", List.of(tp("t", 3), tp("t", 4), tp("t", 5)));
        owned.put("c", List.of());
        Map<String, List<TopicPartition>> round1 = new CooperativeStickyAssignor().assign(parts, coopSubs(owned, 1, List.of("t")));
        // Nobody gets a partition another member still owns; a and b keep everything they are not giving up.
        assertThat(round1.get("c")).isEmpty();
        assertThat(round1.get("a")).hasSize(2);
        assertThat(owned.get("a")).containsAll(round1.get("a"));
        assertThat(owned.get("b")).containsAll(round1.get("b")).hasSize(3);
        assertThat(round1.get("b")).hasSize(2);
        // Follow-up: a and b revoked what they lost; the freed partitions go to c.
        Map<String, List<TopicPartition>> round2 = new CooperativeStickyAssignor().assign(parts, coopSubs(round1, 2, List.of("t")));
        assertThat(round2.get("a")).isEqualTo(round1.get("a"));
        assertThat(round2.get("b")).isEqualTo(round1.get("b"));
        assertThat(round2.get("c")).hasSize(2);
        // Stale claims (an older generation) do not count.
        Map<String, Subscription> stale = coopSubs(round2, 3, List.of("t"));
        stale.put("c", new Subscription(List.of("t"), null, List.of(tp("t", 0), tp("t", 3)), 1, null));
        Map<String, List<TopicPartition>> round3 = new CooperativeStickyAssignor().assign(parts, stale);
        assertThat(round3.get("a")).isEqualTo(round2.get("a"));
        assertThat(round3.get("b")).isEqualTo(round2.get("b"));
    }

    // ---- against kafka-clients ----

    static org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription toKafka(Subscription s) {
        List<org.apache.kafka.common.TopicPartition> owned = new ArrayList<>();
        for (TopicPartition tp : s.ownedPartitions()) owned.add(new org.apache.kafka.common.TopicPartition(tp.topic(), tp.partition()));
        var k = new org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription(s.topics(),
                s.userData() == null ? null : s.userData().duplicate(), owned, s.generationId(), Optional.empty());
        k.setGroupInstanceId(Optional.ofNullable(s.groupInstanceId()));
        return k;
    }

    static Map<String, List<TopicPartition>> fromKafka(Map<String, List<org.apache.kafka.common.TopicPartition>> k) {
        Map<String, List<TopicPartition>> out = new HashMap<>();
        k.forEach((m, l) -> {
            List<TopicPartition> parts = new ArrayList<>();
            for (var tp : l) parts.add(tp(tp.topic(), tp.partition()));
            out.put(m, parts);
        });
        return out;
    }

    static Map<String, List<TopicPartition>> kafkaAssign(org.apache.kafka.clients.consumer.internals.AbstractPartitionAssignor a,
                                                         Map<String, Integer> partitions, Map<String, Subscription> subs) {
        Map<String, org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription> k = new HashMap<>();
        subs.forEach((m, s) -> k.put(m, toKafka(s)));
        return fromKafka(a.assign(partitions, k));
    }

    record Input(Map<String, Integer> partitions, Map<String, Subscription> subs) {
    }

    static Input randomInput(Random r, boolean equalSubscriptions, boolean instanceIds) {
        Map<String, Integer> partitions = new HashMap<>();
        int topics = 1 + r.nextInt(4);
        for (int t = 0; t < topics; t++) partitions.put("topic" + t, 1 + r.nextInt(10));
        List<String> all = new ArrayList<>(partitions.keySet());
        Map<String, Subscription> subs = new LinkedHashMap<>();
        int members = 1 + r.nextInt(6);
        for (int m = 0; m < members; m++) {
            List<String> ts = new ArrayList<>();
            if (equalSubscriptions) {
                ts.addAll(all);
            } else {
                for (String t : all) if (r.nextBoolean()) ts.add(t);
                if (ts.isEmpty()) ts.add(all.get(r.nextInt(all.size())));
            }
            String id = "member-" + Integer.toHexString(r.nextInt(1 << 20));
            String instance = instanceIds && r.nextBoolean() ? "instance-" + r.nextInt(1000) + "-" + m : null;
            subs.put(id, new Subscription(ts, null, List.of(), -1, instance));
        }
        return new Input(partitions, subs);
    }

    @Test
    void rangeAndRoundRobinEqualKafkasExactlyOnRandomInputs() {
        Random r = new Random(42);
        for (int i = 0; i < 500; i++) {
            Input in = randomInput(r, r.nextBoolean(), r.nextBoolean());
            // Exact: the same partitions per member (the order inside a member's list is not part of the answer).
            assertThat(sorted(new RangeAssignor().assign(in.partitions(), in.subs())))
                    .as("range %s", in).isEqualTo(sorted(kafkaAssign(new org.apache.kafka.clients.consumer.RangeAssignor(), in.partitions(), in.subs())));
            assertThat(new RoundRobinAssignor().assign(in.partitions(), in.subs()))
                    .as("roundrobin %s", in).isEqualTo(kafkaAssign(new org.apache.kafka.clients.consumer.RoundRobinAssignor(), in.partitions(), in.subs()));
        }
    }

    /** Previous ownership: a random earlier assignment with some members gone and some new ones. */
    static Map<String, List<TopicPartition>> randomOwnership(Random r, Input in) {
        Map<String, List<TopicPartition>> previous = new RangeAssignor().assign(in.partitions(), in.subs());
        if (r.nextBoolean()) previous = new RoundRobinAssignor().assign(in.partitions(), in.subs());
        Map<String, List<TopicPartition>> owned = new LinkedHashMap<>();
        List<String> members = new ArrayList<>(previous.keySet());
        members.sort(null);
        for (String m : members) if (members.size() == 1 || r.nextInt(4) != 0) owned.put(m, previous.get(m)); // some leave
        int joiners = owned.isEmpty() ? 1 + r.nextInt(2) : r.nextInt(3);
        for (int j = 0; j < joiners; j++) owned.put("joiner-" + j, List.of());
        return owned;
    }

    @Test
    void stickyAndCooperativeStickyAreAsBalancedAndAsStickyAsKafkasOnRandomInputs() {
        Random r = new Random(7);
        for (int i = 0; i < 300; i++) {
            Input in = randomInput(r, true, false);
            List<String> topics = new ArrayList<>(in.partitions().keySet());
            Map<String, List<TopicPartition>> owned = randomOwnership(r, in);

            Map<String, Subscription> sticky = stickySubs(owned, 5, topics);
            Map<String, List<TopicPartition>> ours = new StickyAssignor().assign(in.partitions(), sticky);
            Map<String, List<TopicPartition>> theirs = kafkaAssign(new org.apache.kafka.clients.consumer.StickyAssignor(), in.partitions(), sticky);
            assertValid(ours, in.partitions(), sticky, true);
            assertThat(imbalance(ours)).as("sticky balance %s", owned).isEqualTo(imbalance(theirs));
            assertThat(kept(owned, ours)).as("sticky stickiness %s", owned).isEqualTo(kept(owned, theirs));

            Map<String, Subscription> coop = coopSubs(owned, 5, topics);
            ours = new CooperativeStickyAssignor().assign(in.partitions(), coop);
            theirs = kafkaAssign(new org.apache.kafka.clients.consumer.CooperativeStickyAssignor(), in.partitions(), coop);
            assertValid(ours, in.partitions(), coop, false);
            // Cooperative: nobody is given a partition another member owns; everything kept stays; the same number
            // of partitions is held back for the follow-up rebalance as in Kafka's answer.
            Map<TopicPartition, String> ownerOf = new HashMap<>();
            owned.forEach((m, l) -> l.forEach(tp -> ownerOf.put(tp, m)));
            ours.forEach((m, l) -> l.forEach(tp -> assertThat(ownerOf.getOrDefault(tp, m)).isEqualTo(m)));
            assertThat(total(ours)).as("coop held back %s", owned).isEqualTo(total(theirs));
            assertThat(kept(owned, ours)).isEqualTo(kept(owned, theirs));
        }
    }

    @Test
    void stickyIsValidAndBalancedWithDifferentSubscriptions() {
        Random r = new Random(11);
        for (int i = 0; i < 300; i++) {
            Input in = randomInput(r, false, false);
            Map<String, List<TopicPartition>> ours = new StickyAssignor().assign(in.partitions(), in.subs());
            assertValid(ours, in.partitions(), in.subs(), true);
            Map<String, List<TopicPartition>> theirs = kafkaAssign(new org.apache.kafka.clients.consumer.StickyAssignor(), in.partitions(), in.subs());
            // Without previous owners both start from scratch; ours must be at least as balanced as Kafka's.
            assertThat(imbalance(ours)).as("%s", in).isLessThanOrEqualTo(Math.max(imbalance(theirs), 1));
        }
    }

    static void assertValid(Map<String, List<TopicPartition>> a, Map<String, Integer> partitions, Map<String, Subscription> subs, boolean complete) {
        assertThat(a.keySet()).isEqualTo(subs.keySet());
        Set<TopicPartition> seen = new HashSet<>();
        a.forEach((m, l) -> l.forEach(tp -> {
            assertThat(seen.add(tp)).as("%s assigned twice", tp).isTrue();
            assertThat(subs.get(m).topics()).contains(tp.topic());
        }));
        if (complete) {
            int expected = 0;
            Set<String> subscribed = new HashSet<>();
            subs.values().forEach(s -> subscribed.addAll(s.topics()));
            for (String t : subscribed) expected += partitions.getOrDefault(t, 0);
            assertThat(seen).hasSize(expected);
        }
    }

    static Map<String, List<TopicPartition>> sorted(Map<String, List<TopicPartition>> a) {
        Map<String, List<TopicPartition>> out = new HashMap<>();
        a.forEach((m, l) -> {
            List<TopicPartition> c = new ArrayList<>(l);
            c.sort(io.fjord.client.consumer.internals.AssignorSupport.PARTITION_ORDER);
            out.put(m, c);
        });
        return out;
    }

    static int imbalance(Map<String, List<TopicPartition>> a) {
        int max = 0;
        int min = Integer.MAX_VALUE;
        for (List<TopicPartition> l : a.values()) {
            max = Math.max(max, l.size());
            min = Math.min(min, l.size());
        }
        return a.isEmpty() ? 0 : max - min;
    }

    static int kept(Map<String, List<TopicPartition>> before, Map<String, List<TopicPartition>> after) {
        int n = 0;
        for (Map.Entry<String, List<TopicPartition>> e : after.entrySet()) {
            for (TopicPartition tp : e.getValue()) if (before.getOrDefault(e.getKey(), List.of()).contains(tp)) n++;
        }
        return n;
    }

    static int moved(Map<String, List<TopicPartition>> before, Map<String, List<TopicPartition>> after) {
        return total(after) - kept(before, after);
    }

    static int total(Map<String, List<TopicPartition>> a) {
        return a.values().stream().mapToInt(List::size).sum();
    }

    static List<Integer> sizes(Map<String, List<TopicPartition>> a) {
        return a.values().stream().map(List::size).toList();
    }

    @Test
    void strategyNamesResolveToAssignors() {
        assertThat(io.fjord.client.consumer.internals.Assignors.byName("org.apache.kafka.clients.consumer.RangeAssignor"))
                .isInstanceOf(RangeAssignor.class);
        assertThat(io.fjord.client.consumer.internals.Assignors.byName("cooperative-sticky")).isInstanceOf(CooperativeStickyAssignor.class);
        assertThat(io.fjord.client.consumer.internals.Assignors.byName("roundrobin").name()).isEqualTo("roundrobin");
        assertThat(io.fjord.client.consumer.internals.Assignors.byName("sticky").name()).isEqualTo("sticky");
        ByteBuffer b = StickyAssignor.encode(List.of(tp("t", 1)), 4);
        assertThat(StickyAssignor.decode(b).partitions()).containsExactly(tp("t", 1));
        assertThat(StickyAssignor.decode(b).generation()).isEqualTo(4);
    }
}
