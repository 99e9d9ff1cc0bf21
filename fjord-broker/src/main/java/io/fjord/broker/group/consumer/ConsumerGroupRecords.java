package io.fjord.broker.group.consumer;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;

import io.fjord.broker.coordinator.CoordinatorRecord;
import io.fjord.protocol.types.ByteBufferWriter;
import io.fjord.protocol.types.ProtocolReader;
import io.fjord.protocol.types.Schema;
import io.fjord.protocol.types.Struct;
import io.fjord.protocol.types.Type;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The consumer-group records of {@code __consumer_offsets}, and their replay into a {@link ConsumerGroup}. The key
 * starts with Kafka's record type as its int16 version and keeps Kafka's key fields (non-flexible encoding); the
 * value starts with int16 value version 0 followed by the value's fields in the flexible (compact) encoding, field
 * order as in Kafka's value schemas of the same type. A null value is a tombstone.
 * <pre>
 * type 3 ConsumerGroupMetadata             key  GroupId
 *                                          value Epoch int32, MetadataHash int64
 * type 5 ConsumerGroupMemberMetadata       key  GroupId, MemberId
 *                                          value InstanceId string?, RackId string?, ClientId, ClientHost,
 *                                                SubscribedTopicNames [string], SubscribedTopicRegex string?,
 *                                                ServerAssignor string?, RebalanceTimeoutMs int32
 * type 6 ConsumerGroupTargetAssignmentMetadata  key GroupId;  value AssignmentEpoch int32
 * type 7 ConsumerGroupTargetAssignmentMember    key GroupId, MemberId
 *                                          value TopicPartitions [TopicId uuid, Partitions [int32]]
 * type 8 ConsumerGroupCurrentMemberAssignment   key GroupId, MemberId
 *                                          value MemberEpoch int32, PreviousMemberEpoch int32, State int8,
 *                                                AssignedPartitions [TopicId, Partitions],
 *                                                PartitionsPendingRevocation [TopicId, Partitions]
 * </pre>
 * Tombstones: 8 then 7 then 5 remove a member; 6 and 3 (with everything else) remove the group. Fjord writes no
 * ConsumerGroupPartitionMetadata (type 4): the hash of the subscribed topics' metadata sits in type 3, as in
 * Kafka 4.1+. Byte equality with Kafka's own values is not claimed (no cross-check test). Stateless, thread-safe.
 */
public final class ConsumerGroupRecords {
    static final short GROUP_METADATA = 3;
    static final short MEMBER_METADATA = 5;
    static final short TARGET_METADATA = 6;
    static final short TARGET_MEMBER = 7;
    static final short CURRENT_ASSIGNMENT = 8;
    private static final short VALUE_VERSION = 0;

    private static final Schema GROUP_KEY = Schema.of(of("GroupId", Type.STRING, "0+"));
    private static final Schema MEMBER_KEY = Schema.of(of("GroupId", Type.STRING, "0+"), of("MemberId", Type.STRING, "0+"));
    private static final Schema GROUP_VALUE = Schema.of(of("Epoch", Type.INT32, "0+"), of("MetadataHash", Type.INT64, "0+"));
    private static final Schema MEMBER_VALUE = Schema.of(
            of("InstanceId", Type.STRING, "0+").nullable("0+"),
            of("RackId", Type.STRING, "0+").nullable("0+"),
            of("ClientId", Type.STRING, "0+"),
            of("ClientHost", Type.STRING, "0+"),
            of("SubscribedTopicNames", Type.array(Type.STRING), "0+"),
            of("SubscribedTopicRegex", Type.STRING, "0+").nullable("0+"),
            of("ServerAssignor", Type.STRING, "0+").nullable("0+"),
            of("RebalanceTimeoutMs", Type.INT32, "0+"));
    private static final Schema TARGET_METADATA_VALUE = Schema.of(of("AssignmentEpoch", Type.INT32, "0+"));
    private static final Schema TARGET_MEMBER_VALUE = Schema.of(partitionsField("TopicPartitions"));
    private static final Schema CURRENT_VALUE = Schema.of(
            of("MemberEpoch", Type.INT32, "0+"),
            of("PreviousMemberEpoch", Type.INT32, "0+"),
            of("State", Type.INT8, "0+"),
            partitionsField("AssignedPartitions"),
            partitionsField("PartitionsPendingRevocation"));

    private ConsumerGroupRecords() {
    }

    private static io.fjord.protocol.types.Field partitionsField(String name) {
        return structs(name, "0+", of("TopicId", Type.UUID_TYPE, "0+"), of("Partitions", Type.array(Type.INT32), "0+"));
    }

    // ------------------------------------------------------------------------------------------------ writing

    static CoordinatorRecord groupEpoch(String group, int epoch, long metadataHash) {
        return new CoordinatorRecord(key(GROUP_METADATA, group, null),
                value(new Struct(GROUP_VALUE).set("Epoch", epoch).set("MetadataHash", metadataHash)));
    }

    static CoordinatorRecord groupTombstone(String group) {
        return CoordinatorRecord.tombstone(key(GROUP_METADATA, group, null));
    }

    static CoordinatorRecord memberMetadata(String group, ConsumerGroupMember m) {
        Struct v = new Struct(MEMBER_VALUE).set("InstanceId", m.instanceId()).set("RackId", m.rackId())
                .set("ClientId", m.clientId()).set("ClientHost", m.clientHost())
                .set("SubscribedTopicNames", m.subscribedTopicNames()).set("SubscribedTopicRegex", m.subscribedTopicRegex())
                .set("ServerAssignor", m.serverAssignor()).set("RebalanceTimeoutMs", m.rebalanceTimeoutMs());
        return new CoordinatorRecord(key(MEMBER_METADATA, group, m.memberId()), value(v));
    }

    static CoordinatorRecord memberTombstone(String group, String memberId) {
        return CoordinatorRecord.tombstone(key(MEMBER_METADATA, group, memberId));
    }

    static CoordinatorRecord targetEpoch(String group, int epoch) {
        return new CoordinatorRecord(key(TARGET_METADATA, group, null),
                value(new Struct(TARGET_METADATA_VALUE).set("AssignmentEpoch", epoch)));
    }

    static CoordinatorRecord targetEpochTombstone(String group) {
        return CoordinatorRecord.tombstone(key(TARGET_METADATA, group, null));
    }

    static CoordinatorRecord targetMember(String group, String memberId, Assignment a) {
        Struct v = new Struct(TARGET_MEMBER_VALUE);
        addPartitions(v, "TopicPartitions", a);
        return new CoordinatorRecord(key(TARGET_MEMBER, group, memberId), value(v));
    }

    static CoordinatorRecord targetMemberTombstone(String group, String memberId) {
        return CoordinatorRecord.tombstone(key(TARGET_MEMBER, group, memberId));
    }

    static CoordinatorRecord currentAssignment(String group, ConsumerGroupMember m) {
        Struct v = new Struct(CURRENT_VALUE).set("MemberEpoch", m.memberEpoch()).set("PreviousMemberEpoch", m.previousMemberEpoch())
                .set("State", m.state().code());
        addPartitions(v, "AssignedPartitions", m.assigned());
        addPartitions(v, "PartitionsPendingRevocation", m.pendingRevocation());
        return new CoordinatorRecord(key(CURRENT_ASSIGNMENT, group, m.memberId()), value(v));
    }

    static CoordinatorRecord currentAssignmentTombstone(String group, String memberId) {
        return CoordinatorRecord.tombstone(key(CURRENT_ASSIGNMENT, group, memberId));
    }

    private static void addPartitions(Struct v, String field, Assignment a) {
        a.partitions().forEach((t, ps) -> v.add(field, v.child(field).set("TopicId", t).set("Partitions", new ArrayList<>(ps))));
    }

    private static byte[] key(short type, String group, String memberId) {
        ByteBufferWriter w = new ByteBufferWriter(64);
        w.writeShort(type);
        if (memberId == null) {
            GROUP_KEY.write(w, new Struct(GROUP_KEY).set("GroupId", group), (short) 0, false);
        } else {
            MEMBER_KEY.write(w, new Struct(MEMBER_KEY).set("GroupId", group).set("MemberId", memberId), (short) 0, false);
        }
        return toArray(w);
    }

    private static byte[] value(Struct v) {
        ByteBufferWriter w = new ByteBufferWriter(128);
        w.writeShort(VALUE_VERSION);
        v.schema().write(w, v, VALUE_VERSION, true);
        return toArray(w);
    }

    private static byte[] toArray(ByteBufferWriter w) {
        ByteBuffer b = w.toByteBuffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    // ------------------------------------------------------------------------------------------------ replay

    /** True if the record is a consumer-group record (applied to {@code groups}); false for any other type. */
    static boolean replay(CoordinatorRecord rec, Map<String, ConsumerGroup> groups) {
        ProtocolReader kr = new ProtocolReader(ByteBuffer.wrap(rec.key()));
        short type = kr.readShort();
        if (type != GROUP_METADATA && type != MEMBER_METADATA && type != TARGET_METADATA && type != TARGET_MEMBER
                && type != CURRENT_ASSIGNMENT) {
            return false;
        }
        boolean perMember = type == MEMBER_METADATA || type == TARGET_MEMBER || type == CURRENT_ASSIGNMENT;
        Struct key = (perMember ? MEMBER_KEY : GROUP_KEY).read(kr, (short) 0, false);
        String groupId = key.getString("GroupId");
        String memberId = perMember ? key.getString("MemberId") : null;
        Struct v = null;
        if (rec.value() != null) {
            ProtocolReader vr = new ProtocolReader(ByteBuffer.wrap(rec.value()));
            vr.readShort();
            Schema s = switch (type) {
                case GROUP_METADATA -> GROUP_VALUE;
                case MEMBER_METADATA -> MEMBER_VALUE;
                case TARGET_METADATA -> TARGET_METADATA_VALUE;
                case TARGET_MEMBER -> TARGET_MEMBER_VALUE;
                default -> CURRENT_VALUE;
            };
            v = s.read(vr, VALUE_VERSION, true);
        }
        ConsumerGroup g = groups.get(groupId);
        if (v == null) {
            if (g == null) return true;
            switch (type) {
                case GROUP_METADATA -> {
                    groups.remove(groupId);
                    g.markDead();
                    return true;
                }
                case MEMBER_METADATA -> g.removeMember(memberId);
                case TARGET_MEMBER -> g.targetAssignment.remove(memberId);
                case CURRENT_ASSIGNMENT -> {
                    ConsumerGroupMember m = g.members.get(memberId);
                    if (m != null) {
                        g.putMember(m.withAssignment(0, 0, MemberState.STABLE, Assignment.EMPTY, Assignment.EMPTY));
                    }
                }
                default -> {
                }
            }
            g.refreshState();
            return true;
        }
        if (g == null) {
            g = new ConsumerGroup(groupId);
            groups.put(groupId, g);
        }
        switch (type) {
            case GROUP_METADATA -> {
                g.groupEpoch = v.getInt("Epoch");
                g.metadataHash = v.getLong("MetadataHash");
            }
            case MEMBER_METADATA -> {
                ConsumerGroupMember m = g.members.getOrDefault(memberId, ConsumerGroupMember.joining(memberId));
                List<String> topics = v.getList("SubscribedTopicNames");
                g.putMember(m.withMetadata(v.getString("InstanceId"), v.getString("RackId"), v.getString("ClientId"),
                        v.getString("ClientHost"), topics, v.getString("SubscribedTopicRegex"), v.getString("ServerAssignor"),
                        v.getInt("RebalanceTimeoutMs")));
            }
            case TARGET_METADATA -> g.assignmentEpoch = v.getInt("AssignmentEpoch");
            case TARGET_MEMBER -> g.targetAssignment.put(memberId, readPartitions(v, "TopicPartitions"));
            default -> {
                ConsumerGroupMember m = g.members.getOrDefault(memberId, ConsumerGroupMember.joining(memberId));
                g.putMember(m.withAssignment(v.getInt("MemberEpoch"), v.getInt("PreviousMemberEpoch"), MemberState.of(v.getByte("State")),
                        readPartitions(v, "AssignedPartitions"), readPartitions(v, "PartitionsPendingRevocation")));
            }
        }
        g.refreshState();
        return true;
    }

    private static Assignment readPartitions(Struct v, String field) {
        Map<UUID, Set<Integer>> m = new TreeMap<>();
        for (Struct tp : v.getStructs(field)) {
            List<Integer> ps = tp.getList("Partitions");
            m.computeIfAbsent(tp.getUuid("TopicId"), k -> new HashSet<>()).addAll(ps);
        }
        return new Assignment(m);
    }
}
