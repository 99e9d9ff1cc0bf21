package io.fjord.client.consumer;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.array;

import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.internals.StickyAssignment;
import io.fjord.protocol.types.ByteBufferWriter;
import io.fjord.protocol.types.ProtocolReader;
import io.fjord.protocol.types.Schema;
import io.fjord.protocol.types.Struct;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * "sticky" (eager): balanced with the fewest moves. Members revoke everything before joining, so what a member
 * owned travels in its subscription's userData, in Kafka's StickyAssignor layout: an array of (topic, [partition])
 * then the int32 generation (older members omit the generation).
 */
public final class StickyAssignor implements ConsumerPartitionAssignor {
    static final Schema USER_DATA = Schema.of(
            structs("PreviousAssignment", "0+", of("Topic", STRING, "0+"), of("Partitions", array(INT32), "0+")),
            of("Generation", INT32, "0+"));
    static final Schema USER_DATA_V0 = Schema.of(
            structs("PreviousAssignment", "0+", of("Topic", STRING, "0+"), of("Partitions", array(INT32), "0+")));

    private List<TopicPartition> memberAssignment;
    private int generation = -1;

    @Override
    public String name() {
        return "sticky";
    }

    @Override
    public void onAssignment(List<TopicPartition> assignment, int generationId) {
        this.memberAssignment = List.copyOf(assignment);
        this.generation = generationId;
    }

    @Override
    public ByteBuffer subscriptionUserData(Set<String> topics) {
        if (memberAssignment == null) return null;
        return encode(memberAssignment, generation);
    }

    static ByteBuffer encode(List<TopicPartition> partitions, int generation) {
        Struct s = new Struct(USER_DATA);
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
        byTopic.forEach((t, ps) -> s.add("PreviousAssignment", s.child("PreviousAssignment").set("Topic", t).set("Partitions", ps)));
        if (byTopic.isEmpty()) s.set("PreviousAssignment", List.of());
        s.set("Generation", generation);
        ByteBufferWriter w = new ByteBufferWriter(64);
        USER_DATA.write(w, s, (short) 0, false);
        return w.toByteBuffer();
    }

    static StickyAssignment.Owned decode(ByteBuffer userData) {
        if (userData == null || !userData.hasRemaining()) return new StickyAssignment.Owned(List.of(), -1);
        Struct s;
        int generation = -1;
        try {
            ProtocolReader in = new ProtocolReader(userData.duplicate());
            s = USER_DATA.read(in, (short) 0, false);
            generation = s.getInt("Generation");
        } catch (RuntimeException e) {
            s = USER_DATA_V0.read(new ProtocolReader(userData.duplicate()), (short) 0, false);
        }
        List<TopicPartition> out = new ArrayList<>();
        for (Struct t : s.getStructs("PreviousAssignment")) {
            for (Object p : t.getList("Partitions")) out.add(new TopicPartition(t.getString("Topic"), (Integer) p));
        }
        return new StickyAssignment.Owned(out, generation);
    }

    @Override
    public Map<String, List<TopicPartition>> assign(Map<String, Integer> partitionsPerTopic, Map<String, Subscription> subscriptions) {
        Map<String, StickyAssignment.Owned> owned = new HashMap<>();
        subscriptions.forEach((m, s) -> owned.put(m, decode(s.userData())));
        return StickyAssignment.compute(partitionsPerTopic, subscriptions, owned).assignment();
    }
}
