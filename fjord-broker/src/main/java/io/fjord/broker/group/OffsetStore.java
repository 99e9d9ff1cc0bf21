package io.fjord.broker.group;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.ReplicaManager;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.Record;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.protocol.record.RecordBatchBuilder;
import io.fjord.protocol.record.RecordBatchReader;
import io.fjord.protocol.types.ByteBufferWriter;
import io.fjord.protocol.types.Field;
import io.fjord.protocol.types.ProtocolReader;
import io.fjord.protocol.types.Schema;
import io.fjord.protocol.types.Struct;
import io.fjord.protocol.types.Type;
import io.fjord.storage.LogReadResult;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Committed offsets, kept in the internal compacted topic {@code __consumer_offsets}. A group's records go to
 * partition {@code abs(groupId.hashCode()) % partitions}, as in Kafka. Record layout (big-endian, Kafka's):
 * <pre>
 * key   = int16 version (1), string group, string topic, int32 partition
 * value = int16 version (3), int64 offset, int32 leaderEpoch, string metadata, int64 commitTimestamp
 *         (a null value is a tombstone: the offset was deleted)
 * </pre>
 * Thread-safe as far as the log is: callers serialise writes per group.
 */
final class OffsetStore {
    static final String TOPIC = "__consumer_offsets";
    private static final short KEY_VERSION = 1;
    private static final short VALUE_VERSION = 3;
    private static final Schema KEY = Schema.of(
            Field.of("Group", Type.STRING, "0+"), Field.of("Topic", Type.STRING, "0+"), Field.of("Partition", Type.INT32, "0+"));
    private static final Schema VALUE = Schema.of(
            Field.of("Offset", Type.INT64, "0+"), Field.of("LeaderEpoch", Type.INT32, "0+"),
            Field.of("Metadata", Type.STRING, "0+"), Field.of("CommitTimestamp", Type.INT64, "0+"));

    private final TopicAdmin admin;
    private final ReplicaManager replicas;
    private final int configuredPartitions;

    OffsetStore(TopicAdmin admin, ReplicaManager replicas, int configuredPartitions) {
        this.admin = admin;
        this.replicas = replicas;
        this.configuredPartitions = configuredPartitions;
    }

    /** Creates the offsets topic on first use (compacted, {@code offsets.topic.num.partitions} partitions). */
    void ensureTopic() {
        if (admin.image().topic(TOPIC) != null) return;
        int rf = Math.min(admin.brokerConfig().getInt("offsets.topic.replication.factor"), admin.image().brokers().size());
        TopicAdmin.Result r = admin.createInternal(TOPIC, configuredPartitions, (short) rf,
                Map.of("cleanup.policy", "compact", "segment.bytes", "104857600"));
        if (r.error() != Errors.NONE && r.error() != Errors.TOPIC_ALREADY_EXISTS) {
            throw new IllegalStateException("cannot create " + TOPIC + ": " + r.error() + " " + r.message());
        }
    }

    int partitionCount() {
        TopicImage t = admin.image().topic(TOPIC);
        return t == null ? configuredPartitions : t.partitionCount();
    }

    int partitionFor(String groupId) {
        int h = groupId.hashCode();
        return (h == Integer.MIN_VALUE ? 0 : Math.abs(h)) % partitionCount();
    }

    /** Appends one batch with the group's offset records; null offsets become tombstones. */
    void write(String groupId, Map<OffsetKey, ClassicGroup.CommittedOffset> changes) {
        if (changes.isEmpty()) return;
        RecordBatchBuilder b = new RecordBatchBuilder(0, CompressionType.NONE);
        long now = System.currentTimeMillis();
        for (Map.Entry<OffsetKey, ClassicGroup.CommittedOffset> e : changes.entrySet()) {
            b.append(now, key(groupId, e.getKey()), e.getValue() == null ? null : value(e.getValue()));
        }
        Partition p = replicas.partition(new TopicPartition(TOPIC, partitionFor(groupId)));
        if (p == null) throw new IllegalStateException(TOPIC + " partition " + partitionFor(groupId) + " is not on this broker");
        replicas.appendAsLeader(p, b.build());
    }

    /** Replays every offsets record, oldest first. */
    void load(OffsetSink sink) {
        TopicImage t = admin.image().topic(TOPIC);
        if (t == null) return;
        for (int i = 0; i < t.partitionCount(); i++) {
            Partition p = replicas.partition(new TopicPartition(TOPIC, i));
            if (p == null) continue;
            long offset = p.logStartOffset();
            while (offset < p.highWatermark()) {
                LogReadResult r = p.read(offset, 1 << 20, true);
                if (r.records().sizeInBytes() == 0) break;
                ByteBuffer buf = r.records().readAll();
                int pos = 0;
                long before = offset;
                while (pos + RecordBatch.LOG_OVERHEAD <= buf.limit() && RecordBatch.isWholeAndValid(buf, pos)) {
                    ByteBuffer one = buf.duplicate();
                    one.position(pos).limit(pos + RecordBatch.sizeInBytes(buf, pos));
                    RecordBatchReader reader = new RecordBatchReader(one.slice(), 0);
                    while (reader.hasNext()) {
                        Record rec = reader.next();
                        if (rec.offset() < offset) continue;
                        apply(rec, sink);
                    }
                    offset = Math.max(offset, RecordBatch.lastOffset(buf, pos) + 1);
                    pos += RecordBatch.sizeInBytes(buf, pos);
                }
                if (offset == before) break;
            }
        }
    }

    interface OffsetSink {
        void accept(String group, OffsetKey tp, ClassicGroup.CommittedOffset offsetOrNull);
    }

    private static void apply(Record rec, OffsetSink sink) {
        byte[] k = rec.keyBytes();
        if (k == null) return;
        ProtocolReader kr = new ProtocolReader(ByteBuffer.wrap(k));
        if (kr.readShort() > KEY_VERSION) return; // group metadata or a newer format: not ours to apply
        Struct key = KEY.read(kr, (short) 0, false);
        OffsetKey tp = new OffsetKey(key.getString("Topic"), key.getInt("Partition"));
        byte[] v = rec.valueBytes();
        if (v == null) {
            sink.accept(key.getString("Group"), tp, null);
            return;
        }
        ProtocolReader vr = new ProtocolReader(ByteBuffer.wrap(v));
        vr.readShort();
        Struct value = VALUE.read(vr, (short) 0, false);
        sink.accept(key.getString("Group"), tp, new ClassicGroup.CommittedOffset(value.getLong("Offset"),
                value.getInt("LeaderEpoch"), value.getString("Metadata"), value.getLong("CommitTimestamp")));
    }

    private static byte[] key(String group, OffsetKey tp) {
        ByteBufferWriter w = new ByteBufferWriter(64);
        w.writeShort(KEY_VERSION);
        KEY.write(w, new Struct(KEY).set("Group", group).set("Topic", tp.topic()).set("Partition", tp.partition()), (short) 0, false);
        return toArray(w);
    }

    private static byte[] value(ClassicGroup.CommittedOffset o) {
        ByteBufferWriter w = new ByteBufferWriter(64);
        w.writeShort(VALUE_VERSION);
        VALUE.write(w, new Struct(VALUE).set("Offset", o.offset()).set("LeaderEpoch", o.leaderEpoch())
                .set("Metadata", o.metadata() == null ? "" : o.metadata()).set("CommitTimestamp", o.commitTimestamp()), (short) 0, false);
        return toArray(w);
    }

    private static byte[] toArray(ByteBufferWriter w) {
        ByteBuffer b = w.toByteBuffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
