package io.fjord.broker.group;

import io.fjord.broker.coordinator.CoordinatorRecord;
import io.fjord.protocol.types.ByteBufferWriter;
import io.fjord.protocol.types.Field;
import io.fjord.protocol.types.ProtocolReader;
import io.fjord.protocol.types.Schema;
import io.fjord.protocol.types.Struct;
import io.fjord.protocol.types.Type;
import java.nio.ByteBuffer;

/**
 * The records of the internal compacted topic {@code __consumer_offsets}, as Kafka lays them out. A group's records
 * go to partition {@code abs(groupId.hashCode()) % partitions}. Layout (big-endian):
 * <pre>
 * offset commit:  key   = int16 version (1), string group, string topic, int32 partition
 *                 value = int16 version (3), int64 offset, int32 leaderEpoch, string metadata, int64 commitTimestamp
 *                         (null value: the offset was deleted)
 * group:          key   = int16 version (2), string group
 *                 value = null only (the group was deleted); Fjord keeps membership in memory and writes no
 *                         group value, so a group's members rejoin after the coordinator moves
 * </pre>
 * Records with other key versions (Kafka's newer record types) are skipped on replay. Stateless and thread-safe.
 */
final class OffsetRecords {
    static final String TOPIC = "__consumer_offsets";
    private static final short OFFSET_KEY_VERSION = 1;
    private static final short GROUP_KEY_VERSION = 2;
    private static final short VALUE_VERSION = 3;
    private static final Schema OFFSET_KEY = Schema.of(
            Field.of("Group", Type.STRING, "0+"), Field.of("Topic", Type.STRING, "0+"), Field.of("Partition", Type.INT32, "0+"));
    private static final Schema GROUP_KEY = Schema.of(Field.of("Group", Type.STRING, "0+"));
    private static final Schema VALUE = Schema.of(
            Field.of("Offset", Type.INT64, "0+"), Field.of("LeaderEpoch", Type.INT32, "0+"),
            Field.of("Metadata", Type.STRING, "0+"), Field.of("CommitTimestamp", Type.INT64, "0+"));

    private OffsetRecords() {
    }

    static int partitionFor(String groupId, int partitions) {
        int h = groupId.hashCode();
        return (h == Integer.MIN_VALUE ? 0 : Math.abs(h)) % partitions;
    }

    /** A decoded record: an offset commit or deletion (tp set), or a group deletion (tp null). */
    record Decoded(String group, OffsetKey tp, ClassicGroup.CommittedOffset offsetOrNull) {
    }

    static CoordinatorRecord offsetCommit(String group, OffsetKey tp, ClassicGroup.CommittedOffset o) {
        return new CoordinatorRecord(offsetKey(group, tp), o == null ? null : value(o));
    }

    static CoordinatorRecord groupTombstone(String group) {
        ByteBufferWriter w = new ByteBufferWriter(32);
        w.writeShort(GROUP_KEY_VERSION);
        GROUP_KEY.write(w, new Struct(GROUP_KEY).set("Group", group), (short) 0, false);
        return CoordinatorRecord.tombstone(toArray(w));
    }

    /** Null for a record this coordinator does not apply. */
    static Decoded decode(CoordinatorRecord rec) {
        ProtocolReader kr = new ProtocolReader(ByteBuffer.wrap(rec.key()));
        short version = kr.readShort();
        if (version == GROUP_KEY_VERSION) {
            if (rec.value() != null) return null; // Kafka's group metadata: membership is not restored here
            return new Decoded(GROUP_KEY.read(kr, (short) 0, false).getString("Group"), null, null);
        }
        if (version > OFFSET_KEY_VERSION) return null;
        Struct key = OFFSET_KEY.read(kr, (short) 0, false);
        OffsetKey tp = new OffsetKey(key.getString("Topic"), key.getInt("Partition"));
        if (rec.value() == null) return new Decoded(key.getString("Group"), tp, null);
        ProtocolReader vr = new ProtocolReader(ByteBuffer.wrap(rec.value()));
        vr.readShort();
        Struct value = VALUE.read(vr, (short) 0, false);
        return new Decoded(key.getString("Group"), tp, new ClassicGroup.CommittedOffset(value.getLong("Offset"),
                value.getInt("LeaderEpoch"), value.getString("Metadata"), value.getLong("CommitTimestamp")));
    }

    private static byte[] offsetKey(String group, OffsetKey tp) {
        ByteBufferWriter w = new ByteBufferWriter(64);
        w.writeShort(OFFSET_KEY_VERSION);
        OFFSET_KEY.write(w, new Struct(OFFSET_KEY).set("Group", group).set("Topic", tp.topic()).set("Partition", tp.partition()),
                (short) 0, false);
        return toArray(w);
    }

    private static byte[] value(ClassicGroup.CommittedOffset o) {
        ByteBufferWriter w = new ByteBufferWriter(64);
        w.writeShort(VALUE_VERSION);
        VALUE.write(w, new Struct(VALUE).set("Offset", o.offset()).set("LeaderEpoch", o.leaderEpoch())
                .set("Metadata", o.metadata() == null ? "" : o.metadata()).set("CommitTimestamp", o.commitTimestamp()),
                (short) 0, false);
        return toArray(w);
    }

    private static byte[] toArray(ByteBufferWriter w) {
        ByteBuffer b = w.toByteBuffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
