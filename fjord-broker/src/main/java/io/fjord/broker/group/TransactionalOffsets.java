package io.fjord.broker.group;

import io.fjord.broker.coordinator.CoordinatorRecord;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.ByteBufferWriter;
import io.fjord.protocol.types.Field;
import io.fjord.protocol.types.ProtocolReader;
import io.fjord.protocol.types.Schema;
import io.fjord.protocol.types.Struct;
import io.fjord.protocol.types.Type;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiPredicate;

/**
 * The offsets a transactional producer committed (TxnOffsetCommit) that wait for its transaction's marker on this
 * {@code __consumer_offsets} partition, kept per producer id beside the group shard.
 *
 * <p>Kafka writes such offsets as ordinary offset-commit records inside a transactional batch and lets the
 * marker's replay decide. Fjord's coordinator log writes plain batches, so it records the wait explicitly instead,
 * which survives replay and compaction alike:
 * <pre>
 * pending offset: key   = int16 version (0x7F01, Fjord's own record type), int64 producerId, string group,
 *                         string topic, int32 partition
 *                 value = int16 version (0), int16 producerEpoch, int64 offset, int32 leaderEpoch, string metadata,
 *                         int64 commitTimestamp
 *                 null value: resolved (committed or aborted)
 * </pre>
 * {@link #complete} (the marker reached this partition: {@code GroupCoordinator.completeTransaction}) returns, in
 * one batch, for a commit the producer's offsets as ordinary offset-commit records (Kafka's layout) and for both
 * outcomes a tombstone per pending key; a marker retried after a crash finds nothing left or completes the rest.
 *
 * <p>Not thread-safe: owned by its {@link GroupCoordinatorShard}, whose events run one at a time.
 */
final class TransactionalOffsets {
    static final short PENDING_KEY_VERSION = 0x7F01;
    private static final Schema KEY = Schema.of(Field.of("ProducerId", Type.INT64, "0+"), Field.of("Group", Type.STRING, "0+"),
            Field.of("Topic", Type.STRING, "0+"), Field.of("Partition", Type.INT32, "0+"));
    private static final Schema VALUE = Schema.of(Field.of("ProducerEpoch", Type.INT16, "0+"), Field.of("Offset", Type.INT64, "0+"),
            Field.of("LeaderEpoch", Type.INT32, "0+"), Field.of("Metadata", Type.STRING, "0+"),
            Field.of("CommitTimestamp", Type.INT64, "0+"));

    record PendingKey(long producerId, String group, OffsetKey tp) {
    }

    record Pending(short producerEpoch, ClassicGroup.CommittedOffset offset) {
    }

    /** producer id -> pending offsets */
    private final Map<Long, Map<PendingKey, Pending>> byProducer = new HashMap<>();

    /** Applies a pending-offset record; false if the record is not one (the shard applies it). */
    boolean replay(CoordinatorRecord record) {
        ByteBuffer k = ByteBuffer.wrap(record.key());
        if (k.remaining() < 2 || k.getShort(0) != PENDING_KEY_VERSION) return false;
        ProtocolReader kr = new ProtocolReader(k);
        kr.readShort();
        Struct key = KEY.read(kr, (short) 0, false);
        PendingKey pk = new PendingKey(key.getLong("ProducerId"), key.getString("Group"),
                new OffsetKey(key.getString("Topic"), key.getInt("Partition")));
        if (record.value() == null) {
            Map<PendingKey, Pending> m = byProducer.get(pk.producerId());
            if (m != null) {
                m.remove(pk);
                if (m.isEmpty()) byProducer.remove(pk.producerId());
            }
            return true;
        }
        ProtocolReader vr = new ProtocolReader(ByteBuffer.wrap(record.value()));
        vr.readShort();
        Struct v = VALUE.read(vr, (short) 0, false);
        byProducer.computeIfAbsent(pk.producerId(), x -> new LinkedHashMap<>()).put(pk, new Pending(v.getShort("ProducerEpoch"),
                new ClassicGroup.CommittedOffset(v.getLong("Offset"), v.getInt("LeaderEpoch"), v.getString("Metadata"),
                        v.getLong("CommitTimestamp"))));
        return true;
    }

    void clear() {
        byProducer.clear();
    }

    /** Partitions of {@code group} with offsets waiting for a marker (OffsetFetch's RequireStable). */
    Set<OffsetKey> pendingFor(String group) {
        Set<OffsetKey> out = new TreeSet<>();
        for (Map<PendingKey, Pending> m : byProducer.values()) {
            for (PendingKey k : m.keySet()) if (k.group().equals(group)) out.add(k.tp());
        }
        return out;
    }

    /**
     * TxnOffsetCommit's member checks for a classic group (Kafka's, transactional form): a producer without group
     * metadata (generation -1, no member id: v0-2 clients) is accepted; otherwise the member must be known, with
     * the same instance id, in the group's current generation. Rebalancing does not refuse a transactional commit.
     */
    static Errors checkMember(ClassicGroup group, int generationId, String memberId, String groupInstanceId) {
        if (generationId < 0 && (memberId == null || memberId.isEmpty())) {
            return group != null && group.is(GroupState.DEAD) ? Errors.COORDINATOR_NOT_AVAILABLE : Errors.NONE;
        }
        if (group == null) return Errors.ILLEGAL_GENERATION;
        if (group.is(GroupState.DEAD)) return Errors.COORDINATOR_NOT_AVAILABLE;
        GroupMember m = group.members.get(memberId);
        if (m == null) {
            String staticId = groupInstanceId == null ? null : group.staticMembers.get(groupInstanceId);
            return staticId != null ? Errors.FENCED_INSTANCE_ID : Errors.UNKNOWN_MEMBER_ID;
        }
        if (!Objects.equals(m.groupInstanceId, groupInstanceId)) return Errors.FENCED_INSTANCE_ID;
        if (generationId != group.generationId) return Errors.ILLEGAL_GENERATION;
        return Errors.NONE;
    }

    /** The records for one TxnOffsetCommit whose member checks passed; {@code out} gets one error per commit. */
    List<CoordinatorRecord> commit(String groupId, long producerId, short producerEpoch,
                                   List<GroupCoordinatorShard.OffsetCommit> commits, long now, int maxMetadataBytes,
                                   BiPredicate<String, Integer> partitionExists, Map<GroupCoordinatorShard.OffsetCommit, Errors> out) {
        List<CoordinatorRecord> records = new ArrayList<>();
        for (GroupCoordinatorShard.OffsetCommit c : commits) {
            if (!partitionExists.test(c.topic(), c.partition())) {
                out.put(c, Errors.UNKNOWN_TOPIC_OR_PARTITION);
            } else if (c.metadata() != null && c.metadata().length() > maxMetadataBytes) {
                out.put(c, Errors.OFFSET_METADATA_TOO_LARGE);
            } else {
                records.add(pending(new PendingKey(producerId, groupId, new OffsetKey(c.topic(), c.partition())),
                        new Pending(producerEpoch, new ClassicGroup.CommittedOffset(c.offset(), c.leaderEpoch(), c.metadata(), now))));
                out.put(c, Errors.NONE);
            }
        }
        return records;
    }

    /** The marker of {@code producerId}'s transaction reached this partition: materialise or discard its offsets. */
    List<CoordinatorRecord> complete(long producerId, short producerEpoch, boolean commit) {
        Map<PendingKey, Pending> m = byProducer.get(producerId);
        if (m == null) return List.of();
        List<CoordinatorRecord> records = new ArrayList<>();
        m.forEach((k, p) -> {
            if (p.producerEpoch() > producerEpoch) return; // written by a newer transaction of the id: not this marker's
            if (commit) records.add(OffsetRecords.offsetCommit(k.group(), k.tp(), p.offset()));
            records.add(CoordinatorRecord.tombstone(key(k)));
        });
        return records;
    }

    private static CoordinatorRecord pending(PendingKey k, Pending p) {
        ByteBufferWriter w = new ByteBufferWriter(64);
        w.writeShort((short) 0);
        ClassicGroup.CommittedOffset o = p.offset();
        VALUE.write(w, new Struct(VALUE).set("ProducerEpoch", p.producerEpoch()).set("Offset", o.offset())
                .set("LeaderEpoch", o.leaderEpoch()).set("Metadata", o.metadata() == null ? "" : o.metadata())
                .set("CommitTimestamp", o.commitTimestamp()), (short) 0, false);
        return new CoordinatorRecord(key(k), toArray(w));
    }

    private static byte[] key(PendingKey k) {
        ByteBufferWriter w = new ByteBufferWriter(64);
        w.writeShort(PENDING_KEY_VERSION);
        KEY.write(w, new Struct(KEY).set("ProducerId", k.producerId()).set("Group", k.group()).set("Topic", k.tp().topic())
                .set("Partition", k.tp().partition()), (short) 0, false);
        return toArray(w);
    }

    private static byte[] toArray(ByteBufferWriter w) {
        ByteBuffer b = w.toByteBuffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
