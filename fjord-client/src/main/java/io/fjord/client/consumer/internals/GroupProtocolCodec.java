package io.fjord.client.consumer.internals;

import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.ConsumerPartitionAssignor;
import io.fjord.client.consumer.ConsumerPartitionAssignor.Subscription;
import io.fjord.protocol.api.ConsumerProtocol;
import io.fjord.protocol.types.Struct;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The consumer protocol's payloads inside JoinGroup and SyncGroup: a member's SUBSCRIPTION (v3, as Kafka 4.x
 * sends: topics, assignor user data, owned partitions, generation) and an ASSIGNMENT (v3). Stateless.
 */
public final class GroupProtocolCodec {
    private GroupProtocolCodec() {
    }

    public static byte[] subscription(ConsumerPartitionAssignor a, Set<String> topics, Set<TopicPartition> ownedPartitions,
                                      int generation) {
        Set<String> ts = new TreeSet<>(topics);
        Struct s = new Struct(ConsumerProtocol.SUBSCRIPTION);
        s.set("Topics", new ArrayList<>(ts));
        ByteBuffer ud = a.subscriptionUserData(ts);
        s.set("UserData", ud == null ? null : bytes(ud));
        Map<String, List<Integer>> owned = new LinkedHashMap<>();
        List<TopicPartition> sorted = new ArrayList<>(ownedPartitions);
        sorted.sort(AssignorSupport.PARTITION_ORDER);
        for (TopicPartition tp : sorted) owned.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
        s.set("OwnedPartitions", new ArrayList<>());
        owned.forEach((t, ps) -> s.add("OwnedPartitions", s.child("OwnedPartitions").set("Topic", t).set("Partitions", ps)));
        s.set("GenerationId", generation);
        s.set("RackId", null);
        return ConsumerProtocol.serialize(s, (short) 3);
    }

    /** The JoinGroup answer's members (leader only), decoded, by member id in the order given. */
    public static Map<String, Subscription> memberSubscriptions(List<Struct> members) {
        Map<String, Subscription> subs = new LinkedHashMap<>();
        for (Struct m : members) {
            Object meta = m.get("Metadata");
            ByteBuffer buf = meta instanceof ByteBuffer bb ? bb.duplicate() : ByteBuffer.wrap((byte[]) meta);
            ConsumerProtocol.Versioned v = ConsumerProtocol.deserialize(ConsumerProtocol.SUBSCRIPTION, buf);
            Struct s = v.value();
            List<String> ts = s.getList("Topics");
            List<TopicPartition> owned = new ArrayList<>();
            if (v.version() >= 1 && s.getStructs("OwnedPartitions") != null) {
                for (Struct o : s.getStructs("OwnedPartitions")) {
                    for (Object p : o.getList("Partitions")) owned.add(new TopicPartition(o.getString("Topic"), (Integer) p));
                }
            }
            Object ud = s.get("UserData");
            ByteBuffer userData = ud == null ? null : ud instanceof ByteBuffer bb ? bb.duplicate() : ByteBuffer.wrap((byte[]) ud);
            int gen = v.version() >= 2 ? s.getInt("GenerationId") : -1;
            subs.put(m.getString("MemberId"), new Subscription(List.copyOf(ts), userData, owned, gen, m.getString("GroupInstanceId")));
        }
        return subs;
    }

    public static byte[] encodeAssignment(List<TopicPartition> partitions) {
        Struct a = new Struct(ConsumerProtocol.ASSIGNMENT);
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        List<TopicPartition> sorted = new ArrayList<>(partitions);
        sorted.sort(AssignorSupport.PARTITION_ORDER);
        for (TopicPartition tp : sorted) byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
        a.set("AssignedPartitions", new ArrayList<>());
        byTopic.forEach((t, ps) -> a.add("AssignedPartitions", a.child("AssignedPartitions").set("Topic", t).set("Partitions", ps)));
        a.set("UserData", null);
        return ConsumerProtocol.serialize(a, (short) 3);
    }

    public static List<TopicPartition> decodeAssignment(ByteBuffer blob) {
        List<TopicPartition> out = new ArrayList<>();
        if (blob == null || !blob.hasRemaining()) return out;
        Struct a = ConsumerProtocol.deserialize(ConsumerProtocol.ASSIGNMENT, blob.duplicate()).value();
        for (Struct t : a.getStructs("AssignedPartitions")) {
            for (Object p : t.getList("Partitions")) out.add(new TopicPartition(t.getString("Topic"), (Integer) p));
        }
        return out;
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
